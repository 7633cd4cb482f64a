import { decodeProtectedHeader } from 'jose/decode/protected_header';
import { importJWK } from 'jose/key/import';
import { jwtVerify } from 'jose/jwt/verify';
import { calculateJwkThumbprint } from 'jose/jwk/thumbprint';
import { NOW, SCOPE } from '../../../test-support/fake-provider';
import { createDpopKeyStore, type DpopKey, type DpopKeyRecords } from './dpop-key';
import { calculateAth, createDpopProof, htuOf } from './dpop-proof';

const records: DpopKeyRecords = {
  get: async () => undefined,
  add: async (_, pair) => pair,
  delete: async () => undefined,
};

describe('DPoP proof', () => {
  let key: DpopKey;

  beforeAll(async () => {
    key = await createDpopKeyStore(SCOPE, records).get();
  });

  /** Verifies the proof's signature with the public key of its own header, as a server does. */
  async function verify(proof: string) {
    const header = decodeProtectedHeader(proof);
    return jwtVerify(proof, await importJWK(header.jwk!, 'ES256'), { typ: 'dpop+jwt', algorithms: ['ES256'], currentDate: new Date(NOW) });
  }

  it('is a dpop+jwt signed with ES256 by the key of its jwk header', async () => {
    const proof = await createDpopProof(key, { method: 'POST', url: 'https://idp.example.com/oauth/token' }, NOW);
    const { protectedHeader, payload } = await verify(proof);
    expect(protectedHeader).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk });
    expect(await calculateJwkThumbprint(protectedHeader.jwk!, 'sha256')).toBe(key.thumbprint);
    expect(payload).toEqual({ htm: 'POST', htu: 'https://idp.example.com/oauth/token', iat: NOW / 1000, jti: jasmine.stringMatching(/^[\w-]{43}$/) });
  });

  it('does not verify with another key', async () => {
    const other = await createDpopKeyStore({ ...SCOPE, clientId: 'other' }, records).get();
    const proof = await createDpopProof(key, { method: 'GET', url: 'https://api.example.com/' }, NOW);
    await expectAsync(jwtVerify(proof, await importJWK(other.jwk, 'ES256'))).toBeRejected();
  });

  it('has a fresh jti each time', async () => {
    const request = { method: 'GET', url: 'https://api.example.com/orders' };
    const [a, b] = await Promise.all([createDpopProof(key, request, NOW), createDpopProof(key, request, NOW)]);
    expect((await verify(a)).payload.jti).not.toBe((await verify(b)).payload.jti);
  });

  it('leaves query and fragment out of htu', async () => {
    expect(htuOf('https://api.example.com/orders?page=2&q=a#top')).toBe('https://api.example.com/orders');
    expect(htuOf('https://api.example.com:8443/a/b?')).toBe('https://api.example.com:8443/a/b');
    const proof = await createDpopProof(key, { method: 'GET', url: 'https://api.example.com/orders?page=2#x' }, NOW);
    expect((await verify(proof)).payload['htu']).toBe('https://api.example.com/orders');
  });

  it('refuses a relative URL', () => {
    expect(() => htuOf('/api/orders')).toThrowError(TypeError);
  });

  it('carries ath for an access token, and the nonce when there is one', async () => {
    const proof = await createDpopProof(key, { method: 'GET', url: 'https://api.example.com/orders', accessToken: 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU', nonce: 'eyJ7S_zG.eyJH0-Z.HX4w-7v' }, NOW);
    const { payload } = await verify(proof);
    // RFC 9449 §7.1, Figure 12: the ath of that access token.
    expect(payload['ath']).toBe('fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo');
    expect(payload['nonce']).toBe('eyJ7S_zG.eyJH0-Z.HX4w-7v');
    expect(await calculateAth('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU')).toBe('fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo');
  });

  it('has no ath and no nonce without them', async () => {
    const { payload } = await verify(await createDpopProof(key, { method: 'POST', url: 'https://idp.example.com/token' }, NOW));
    expect(payload['ath']).toBeUndefined();
    expect(payload['nonce']).toBeUndefined();
  });
});
