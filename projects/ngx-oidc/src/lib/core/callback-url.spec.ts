import { APP_ORIGIN } from '../../test-support/fake-provider';
import { isCallbackUrl } from './callback-url';

const REDIRECT = `${APP_ORIGIN}/callback`;

describe('isCallbackUrl', () => {
  it('recognises the redirect URI with code, error or state', () => {
    expect(isCallbackUrl(`${REDIRECT}?code=c&state=s`, REDIRECT)).toBeTrue();
    expect(isCallbackUrl(`${REDIRECT}?error=access_denied&state=s`, REDIRECT)).toBeTrue();
    expect(isCallbackUrl(`${REDIRECT}?error=access_denied`, REDIRECT)).toBeTrue();
    expect(isCallbackUrl(`${REDIRECT}?state=s`, REDIRECT)).toBeTrue();
  });

  it('ignores the redirect URI without response parameters', () => {
    expect(isCallbackUrl(REDIRECT, REDIRECT)).toBeFalse();
    expect(isCallbackUrl(`${REDIRECT}?page=2`, REDIRECT)).toBeFalse();
  });

  it('ignores other paths', () => {
    expect(isCallbackUrl(`${APP_ORIGIN}/orders?code=c&state=s`, REDIRECT)).toBeFalse();
    expect(isCallbackUrl(`${APP_ORIGIN}/callback/extra?code=c&state=s`, REDIRECT)).toBeFalse();
    expect(isCallbackUrl(`${APP_ORIGIN}/?code=c&state=s`, REDIRECT)).toBeFalse();
  });

  it('ignores other origins', () => {
    expect(isCallbackUrl('https://evil.test/callback?code=c&state=s', REDIRECT)).toBeFalse();
    expect(isCallbackUrl('http://app.example.com/callback?code=c&state=s', REDIRECT)).toBeFalse();
    expect(isCallbackUrl('https://app.example.com:8443/callback?code=c&state=s', REDIRECT)).toBeFalse();
  });

  it('returns false for unparsable URLs', () => {
    expect(isCallbackUrl('/callback?code=c', REDIRECT)).toBeFalse();
    expect(isCallbackUrl(`${REDIRECT}?code=c`, 'not a url')).toBeFalse();
  });
});
