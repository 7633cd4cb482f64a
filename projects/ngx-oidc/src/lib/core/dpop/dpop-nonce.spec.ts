import { createDpopNonces } from './dpop-nonce';

describe('DPoP nonces', () => {
  it('keeps the latest nonce per origin', () => {
    const nonces = createDpopNonces();
    expect(nonces.note('https://idp.example.com/token', new Headers({ 'DPoP-Nonce': 'n1' }))).toBe('n1');
    nonces.note('https://api.example.com/orders', new Headers({ 'dpop-nonce': 'a1' }));
    nonces.note('https://idp.example.com/other?x=1', new Headers({ 'DPoP-Nonce': 'n2' }));
    expect(nonces.get('https://idp.example.com/token')).toBe('n2');
    expect(nonces.get('https://api.example.com/anything')).toBe('a1');
    expect(nonces.get('https://api.example.com:8443/anything')).toBeUndefined();
  });

  it('keeps the nonce it has when a response carries none or a malformed one', () => {
    const nonces = createDpopNonces();
    nonces.note('https://api.example.com/', new Headers({ 'DPoP-Nonce': 'good' }));
    expect(nonces.note('https://api.example.com/', new Headers())).toBeUndefined();
    // RFC 9449 §8.1: NQCHAR excludes space and the double quote.
    expect(nonces.note('https://api.example.com/', new Headers({ 'DPoP-Nonce': 'a"b' }))).toBeUndefined();
    expect(nonces.get('https://api.example.com/')).toBe('good');
  });
});
