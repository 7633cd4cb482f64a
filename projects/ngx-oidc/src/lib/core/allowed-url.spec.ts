import { APP_ORIGIN, thrownBy } from '../../test-support/fake-provider';
import { matchAllowedUrl, parseAllowedUrls, type AllowedUrl } from './allowed-url';

function refusedEntry(entries: readonly AllowedUrl[], option: string) {
  const err = thrownBy(() => parseAllowedUrls(entries, APP_ORIGIN));
  expect(err.code).toBe('invalid_configuration');
  expect(err.details.option).toBe(option);
  return err;
}

describe('parseAllowedUrls', () => {
  it('parses string and object entries into origin and path prefix', () => {
    const matchers = parseAllowedUrls(
      [
        'https://api.example.com/v1/',
        { uri: 'https://files.example.com', httpMethod: 'get', allowAnonymous: true },
        '/api',
        { uri: 'https://mgmt.example.com/api/v2', audience: 'https://mgmt.example.com/api/v2/', scope: 'read:current_user' },
      ],
      APP_ORIGIN,
    );

    expect(matchers).toEqual([
      { origin: 'https://api.example.com', path: '/v1', httpMethod: undefined, allowAnonymous: false, audience: undefined, scope: undefined },
      { origin: 'https://files.example.com', path: '', httpMethod: 'GET', allowAnonymous: true, audience: undefined, scope: undefined },
      { origin: APP_ORIGIN, path: '/api', httpMethod: undefined, allowAnonymous: false, audience: undefined, scope: undefined },
      {
        origin: 'https://mgmt.example.com',
        path: '/api/v2',
        httpMethod: undefined,
        allowAnonymous: false,
        audience: 'https://mgmt.example.com/api/v2/',
        scope: 'read:current_user',
      },
    ]);
  });

  it('rejects an empty audience or scope on an entry', () => {
    refusedEntry([{ uri: 'https://api.example.com', audience: '' }], 'allowedUrls[0]');
    refusedEntry([{ uri: 'https://api.example.com', scope: ' ' }], 'allowedUrls[0]');
  });

  it('rejects a wildcard entry', () => {
    const err = refusedEntry(['https://*.example.com/v1'], 'allowedUrls[0]');

    expect(err.message).toContain('*');
  });

  it('rejects an entry with credentials', () => {
    refusedEntry(['https://user:secret@api.example.com/v1'], 'allowedUrls[0]');
    refusedEntry(['https://user@api.example.com/v1'], 'allowedUrls[0]');
  });

  it('rejects an entry with a query or fragment', () => {
    refusedEntry(['https://api.example.com/v1?key=1'], 'allowedUrls[0]');
    refusedEntry(['https://api.example.com/v1#frag'], 'allowedUrls[0]');
  });

  it('rejects a bad httpMethod, naming the entry', () => {
    const err = refusedEntry(['https://ok.example.com', { uri: 'https://api.example.com', httpMethod: 'FETCH' }], 'allowedUrls[1]');

    expect(err.message).toContain('FETCH');
  });

  it('rejects entries that are not http(s) URLs', () => {
    refusedEntry(['ftp://files.example.com'], 'allowedUrls[0]');
    refusedEntry(['javascript:alert(1)'], 'allowedUrls[0]');
  });

  it('rejects an unparsable entry', () => {
    refusedEntry(['https://'], 'allowedUrls[0]');
  });

  it('rejects empty and missing URLs', () => {
    refusedEntry([''], 'allowedUrls[0]');
    refusedEntry([{ uri: '  ' }], 'allowedUrls[0]');
    refusedEntry([{} as AllowedUrl], 'allowedUrls[0]');
    refusedEntry([null as unknown as AllowedUrl], 'allowedUrls[0]');
  });

  it('rejects an entry that covers the issuer with invalid_configuration', () => {
    const issuer = 'https://idp.example.com';
    for (const uri of [issuer, `${issuer}/`, 'https://IDP.example.com:443']) {
      const err = thrownBy(() => parseAllowedUrls(['https://api.example.com', uri], APP_ORIGIN, issuer));
      expect(err.code).withContext(uri).toBe('invalid_configuration');
      expect(err.details).withContext(uri).toEqual({ option: 'allowedUrls[1]', actual: uri });
    }
    // An issuer with a path: its origin and any prefix of the path cover it.
    for (const uri of ['https://login.example.com', 'https://login.example.com/tenant', 'https://login.example.com/tenant/v2/']) {
      expect(thrownBy(() => parseAllowedUrls([uri], APP_ORIGIN, 'https://login.example.com/tenant/v2')).code).withContext(uri).toBe('invalid_configuration');
    }
    // The app on the issuer's origin: a relative entry for the whole origin covers it too.
    expect(thrownBy(() => parseAllowedUrls(['/'], 'https://idp.example.com', issuer)).code).toBe('invalid_configuration');
  });

  it("accepts an API path on the issuer's origin that does not cover the issuer", () => {
    expect(parseAllowedUrls(['https://idp.example.com/api'], APP_ORIGIN, 'https://idp.example.com')[0].path).toBe('/api');
    expect(parseAllowedUrls(['https://login.example.com/tenant/v20'], APP_ORIGIN, 'https://login.example.com/tenant/v2')[0].path).toBe('/tenant/v20');
  });

  it('rejects an allowlist that is not an array', () => {
    refusedEntry('https://api.example.com' as unknown as AllowedUrl[], 'allowedUrls');
  });
});

describe('matchAllowedUrl', () => {
  const matchers = parseAllowedUrls(
    ['https://api.example.com/v1', { uri: 'https://upload.example.com/files', httpMethod: 'POST' }, '/api'],
    APP_ORIGIN,
  );
  const match = (url: string, method = 'GET') => matchAllowedUrl(matchers, url, method, APP_ORIGIN);

  it('matches the same origin with the exact prefix path', () => {
    expect(match('https://api.example.com/v1')).toBe(matchers[0]);
  });

  it('matches paths below the prefix on a segment boundary', () => {
    expect(match('https://api.example.com/v1/')).toBe(matchers[0]);
    expect(match('https://api.example.com/v1/users/42?x=1#top')).toBe(matchers[0]);
  });

  it('does not match /v10 for the prefix /v1', () => {
    expect(match('https://api.example.com/v10')).toBeUndefined();
    expect(match('https://api.example.com/v1x/users')).toBeUndefined();
  });

  it('does not match a path outside the prefix', () => {
    expect(match('https://api.example.com/')).toBeUndefined();
    expect(match('https://api.example.com/admin')).toBeUndefined();
  });

  it('compares paths case-sensitively', () => {
    expect(match('https://api.example.com/V1/users')).toBeUndefined();
  });

  it('does not match another scheme', () => {
    expect(match('http://api.example.com/v1/users')).toBeUndefined();
    expect(match('wss://api.example.com/v1/users')).toBeUndefined();
  });

  it('does not match another port', () => {
    expect(match('https://api.example.com:8443/v1/users')).toBeUndefined();
  });

  it('treats an explicit default port as the same origin', () => {
    expect(match('https://api.example.com:443/v1/users')).toBe(matchers[0]);
    const withPort = parseAllowedUrls(['https://api.example.com:443/v1'], APP_ORIGIN);
    expect(matchAllowedUrl(withPort, 'https://api.example.com/v1/users', 'GET', APP_ORIGIN)).toBe(withPort[0]);
  });

  it('matches host names case-insensitively, as URLs do', () => {
    expect(match('https://API.Example.com/v1/users')).toBe(matchers[0]);
  });

  it('does not match a look-alike host that starts with the allowed host', () => {
    expect(match('https://api.example.com.evil.test/v1/users')).toBeUndefined();
  });

  it('does not match a subdomain of the allowed host', () => {
    expect(match('https://evil.api.example.com/v1/users')).toBeUndefined();
  });

  it('never matches a URL with user info, even on the allowed host', () => {
    expect(match('https://user@api.example.com/v1/users')).toBeUndefined();
    expect(match('https://user:pw@api.example.com/v1/users')).toBeUndefined();
  });

  it('does not match https://api.example.com@evil.test/v1', () => {
    expect(match('https://api.example.com@evil.test/v1')).toBeUndefined();
  });

  it('does not match a path that escapes the prefix with ..', () => {
    expect(match('https://api.example.com/v1/../admin')).toBeUndefined();
    expect(match('https://api.example.com/v1/%2e%2e/admin')).toBeUndefined();
  });

  for (const path of ['/v1%2f..%2fadmin', '/v1/%2F..%2Fadmin', '/v1/%5c..%5cadmin', '/v1/%5C', '/v1/..%2fadmin', '/v1/x/%2e%2E%2Fadmin', '/v1/x/.%2e%5cadmin']) {
    it(`does not match ${path}: an encoded slash or backslash right after the prefix, or after ..`, () => {
      expect(match(`https://api.example.com${path}`)).toBeUndefined();
    });
  }

  it('still matches an encoded slash inside a segment below the prefix (an id such as a%2Fb)', () => {
    expect(match('https://api.example.com/v1/projects/group%2Fproject')).toBe(matchers[0]);
  });

  it('resolves relative request URLs against the base it is given (document.baseURI)', () => {
    const base = `${APP_ORIGIN}/app/page`;
    expect(matchAllowedUrl(matchers, 'api/users', 'GET', base)).toBeUndefined();
    expect(matchAllowedUrl(matchers, '../api/users', 'GET', base)).toBe(matchers[2]);
  });

  it('resolves relative entries and relative request URLs against the app origin', () => {
    expect(match('/api/users')).toBe(matchers[2]);
    expect(match('api/users')).toBe(matchers[2]);
    expect(match(`${APP_ORIGIN}/api`)).toBe(matchers[2]);
    expect(match('/apix')).toBeUndefined();
    expect(match('https://other.example.com/api/users')).toBeUndefined();
  });

  it('does not let a protocol-relative request URL reach the app-relative entry', () => {
    expect(match('//evil.test/api/users')).toBeUndefined();
  });

  it('applies the method filter, case-insensitively', () => {
    expect(match('https://upload.example.com/files/1', 'POST')).toBe(matchers[1]);
    expect(match('https://upload.example.com/files/1', 'post')).toBe(matchers[1]);
    expect(match('https://upload.example.com/files/1', 'GET')).toBeUndefined();
  });

  it('matches any method for an entry without a method filter', () => {
    expect(match('https://api.example.com/v1/users', 'DELETE')).toBe(matchers[0]);
  });

  it('matches every path of an origin-only entry', () => {
    const originOnly = parseAllowedUrls(['https://api.example.com'], APP_ORIGIN);
    expect(matchAllowedUrl(originOnly, 'https://api.example.com/anything/at/all', 'GET', APP_ORIGIN)).toBe(originOnly[0]);
  });

  it('returns undefined for an unparsable request URL', () => {
    expect(match('https://')).toBeUndefined();
  });

  it('matches nothing with an empty allowlist', () => {
    expect(matchAllowedUrl([], 'https://api.example.com/v1', 'GET', APP_ORIGIN)).toBeUndefined();
  });
});
