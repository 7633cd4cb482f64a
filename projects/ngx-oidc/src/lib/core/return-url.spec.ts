import { APP_ORIGIN } from '../../test-support/fake-provider';
import { sanitizeReturnUrl } from './return-url';

describe('sanitizeReturnUrl', () => {
  const sanitize = (url: string | undefined) => sanitizeReturnUrl(url, APP_ORIGIN);

  it('returns / for no return URL', () => {
    expect(sanitize(undefined)).toBe('/');
    expect(sanitize('')).toBe('/');
  });

  it('keeps an app path with its query and hash', () => {
    expect(sanitize('/orders/42?tab=items&sort=desc#line-3')).toBe('/orders/42?tab=items&sort=desc#line-3');
  });

  it('reduces an absolute URL of the app origin to its path', () => {
    expect(sanitize(`${APP_ORIGIN}/orders?x=1#y`)).toBe('/orders?x=1#y');
  });

  it('resolves a relative path against the app root', () => {
    expect(sanitize('orders')).toBe('/orders');
  });

  it('refuses a foreign origin', () => {
    expect(sanitize('https://evil.test/orders')).toBe('/');
    expect(sanitize('http://app.example.com/orders')).toBe('/');
    expect(sanitize('https://app.example.com:8443/orders')).toBe('/');
    expect(sanitize('https://app.example.com.evil.test/orders')).toBe('/');
  });

  it('refuses a protocol-relative //evil.test', () => {
    expect(sanitize('//evil.test')).toBe('/');
    expect(sanitize('//evil.test/orders')).toBe('/');
  });

  it('refuses /\\evil.test, which browsers read as //evil.test', () => {
    expect(sanitize('/\\evil.test')).toBe('/');
    expect(sanitize('\\\\evil.test/x')).toBe('/');
  });

  it('refuses URLs hiding a second slash behind tabs or newlines', () => {
    expect(sanitize('/\t/evil.test')).toBe('/');
    expect(sanitize('/\n/evil.test')).toBe('/');
  });

  it('refuses javascript: and data: URLs', () => {
    expect(sanitize('javascript:alert(document.cookie)')).toBe('/');
    expect(sanitize('JavaScript:alert(1)')).toBe('/');
    expect(sanitize('data:text/html,<script>alert(1)</script>')).toBe('/');
  });

  it('refuses user info tricks', () => {
    expect(sanitize('https://app.example.com@evil.test/')).toBe('/');
  });

  it('never returns a path that starts with two slashes', () => {
    expect(sanitize(`${APP_ORIGIN}//evil.test/x`)).toBe('/evil.test/x');
  });

  it('returns / for an unparsable URL', () => {
    expect(sanitize('https://')).toBe('/');
  });
});
