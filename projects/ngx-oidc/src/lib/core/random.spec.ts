import { thrownBy } from '../../test-support/fake-provider';
import { encodeBase64Url, generateRandom } from './random';

const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;

function decodeBase64Url(value: string): Uint8Array {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

describe('generateRandom', () => {
  it('returns 32 random bytes as 43 base64url characters without padding', () => {
    const value = generateRandom();

    expect(value).toMatch(BASE64URL_43);
    expect(decodeBase64Url(value).length).toBe(32);
  });

  it('returns a different value on every call', () => {
    const values = new Set(Array.from({ length: 200 }, () => generateRandom()));

    expect(values.size).toBe(200);
  });

  it('draws its bytes from crypto.getRandomValues', () => {
    const spy = spyOn(globalThis.crypto, 'getRandomValues').and.callFake(<T extends ArrayBufferView | null>(array: T) => array);

    expect(generateRandom()).toBe('A'.repeat(43));
    expect(spy).toHaveBeenCalledTimes(1);
    expect((spy.calls.mostRecent().args[0] as Uint8Array).length).toBe(32);
  });

  it('throws crypto_unavailable when Web Crypto is unavailable, with no weaker fallback', () => {
    spyOnProperty(globalThis, 'crypto', 'get').and.returnValue(undefined as unknown as Crypto);
    const mathRandom = spyOn(Math, 'random').and.callThrough();

    const err = thrownBy(() => generateRandom());

    expect(err.code).toBe('crypto_unavailable');
    expect(err.message).toContain('getRandomValues');
    expect(mathRandom).not.toHaveBeenCalled();
  });

  it('throws crypto_unavailable when crypto has no getRandomValues', () => {
    spyOnProperty(globalThis, 'crypto', 'get').and.returnValue({} as Crypto);

    expect(thrownBy(() => generateRandom()).code).toBe('crypto_unavailable');
  });
});

describe('encodeBase64Url', () => {
  it('encodes the RFC 4648 test vectors without padding', () => {
    const encode = (text: string) => encodeBase64Url(new TextEncoder().encode(text));

    expect(encode('')).toBe('');
    expect(encode('f')).toBe('Zg');
    expect(encode('fo')).toBe('Zm8');
    expect(encode('foo')).toBe('Zm9v');
    expect(encode('foob')).toBe('Zm9vYg');
    expect(encode('fooba')).toBe('Zm9vYmE');
    expect(encode('foobar')).toBe('Zm9vYmFy');
  });

  it('uses the URL-safe alphabet ("-" and "_" instead of "+" and "/")', () => {
    expect(encodeBase64Url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_');
    expect(encodeBase64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
  });
});
