import { APP_ORIGIN, thrownBy } from '../../test-support/fake-provider';
import { checkProvidersApart, normalizeResponseType, normalizeScope, PLACEHOLDER_ORIGIN, rebaseConfig, resolveConfig, type AuthConfig } from './config';

const VALID: AuthConfig = { authority: 'https://idp.example.com', clientId: 'spa-client' };
const NONCE_GENERATOR = (): string => crypto.randomUUID();

function resolve(overrides: Record<string, unknown>): ReturnType<typeof resolveConfig> {
  return resolveConfig({ ...VALID, ...overrides } as AuthConfig, APP_ORIGIN);
}

/** Resolves a config that must be refused and returns the error, asserting the common shape. */
function refused(overrides: Record<string, unknown>, option: string) {
  const err = thrownBy(() => resolve(overrides));
  expect(err.code).withContext(`code for ${option}`).toBe('invalid_configuration');
  expect(err.details.option).withContext('details.option').toBe(option);
  expect(err.message).toContain('ngx-oidc:');
  return err;
}

describe('resolveConfig', () => {
  describe('defaults', () => {
    it('fills in every default from the app origin', () => {
      const config = resolveConfig(VALID, APP_ORIGIN);

      expect(config.authority).toBe('https://idp.example.com');
      expect(config.clientId).toBe('spa-client');
      expect(config.redirectUri).toBe(`${APP_ORIGIN}/callback`);
      expect(config.postLogoutRedirectUri).toBe(`${APP_ORIGIN}/`);
      expect(config.scope).toBe('openid profile email');
      expect(config.audience).toBeUndefined();
      expect(config.audienceParameter).toBe('audience');
      expect(config.responseType).toBe('code');
      expect(config.allowedUrls).toEqual([]);
      expect(config.clockSkewSeconds).toBe(60);
      expect(config.nonce).toBeUndefined();
      expect(config.extraParams).toEqual({});
      expect(config.loadUserInfo).toBeFalse();
      expect(config.storage).toBe('memory');
      expect(config.loginTimeoutSeconds).toBe(600);
      expect(config.loginRoute).toBeUndefined();
      expect(config.appOrigin).toBe(APP_ORIGIN);
    });

    it('keeps explicit valid options', () => {
      const config = resolve({
        redirectUri: 'https://app.example.com/auth/done',
        postLogoutRedirectUri: 'https://app.example.com/bye',
        scope: 'openid offline_access',
        audience: 'https://api.example.com',
        audienceParameter: 'resource',
        clockSkewSeconds: 0,
        loginTimeoutSeconds: 120,
        storage: 'session',
        nonce: NONCE_GENERATOR,
        loadUserInfo: true,
        loginRoute: '/login',
        extraParams: { connection: 'github' },
        allowedUrls: ['https://api.example.com/v1'],
      });

      expect(config.redirectUri).toBe('https://app.example.com/auth/done');
      expect(config.postLogoutRedirectUri).toBe('https://app.example.com/bye');
      expect(config.scope).toBe('openid offline_access');
      expect(config.audience).toBe('https://api.example.com');
      expect(config.audienceParameter).toBe('resource');
      expect(config.clockSkewSeconds).toBe(0);
      expect(config.loginTimeoutSeconds).toBe(120);
      expect(config.storage).toBe('session');
      expect(config.nonce).toBe(NONCE_GENERATOR);
      expect(config.loadUserInfo).toBeTrue();
      expect(config.loginRoute).toBe('/login');
      expect(config.extraParams).toEqual({ connection: 'github' });
      expect(config.allowedUrls).toEqual([
        { origin: 'https://api.example.com', path: '/v1', httpMethod: undefined, allowAnonymous: false, audience: undefined, scope: undefined },
      ]);
    });

    it('copies extraParams so later changes to the app object do not leak in', () => {
      const extraParams: Record<string, string> = { connection: 'github' };
      const config = resolve({ extraParams });
      extraParams['connection'] = 'evil';

      expect(config.extraParams).toEqual({ connection: 'github' });
    });

    it('treats loadUserInfo as true only when it is exactly true', () => {
      expect(resolve({ loadUserInfo: 'yes' }).loadUserInfo).toBeFalse();
    });

    it('normalises whitespace in the scope', () => {
      expect(resolve({ scope: '  openid   profile\temail ' }).scope).toBe('openid profile email');
    });
  });

  describe('config object', () => {
    it('rejects a missing configuration object', () => {
      const err = thrownBy(() => resolveConfig(null as unknown as AuthConfig, APP_ORIGIN));

      expect(err.code).toBe('invalid_configuration');
      expect(err.details.option).toBe('config');
    });
  });

  describe('clientId', () => {
    it('rejects a missing clientId', () => {
      refused({ clientId: undefined }, 'clientId');
    });

    it('rejects a blank clientId', () => {
      refused({ clientId: '   ' }, 'clientId');
    });

    it('rejects a clientId that is not a string', () => {
      refused({ clientId: 42 }, 'clientId');
    });
  });

  describe('authority', () => {
    it('rejects a missing authority', () => {
      refused({ authority: undefined }, 'authority');
    });

    it('rejects an http authority on a non-loopback host, naming it in the message', () => {
      const err = refused({ authority: 'http://idp.example.com' }, 'authority');

      expect(err.message).toContain('http://idp.example.com');
      expect(err.message).toContain('https');
    });

    it('rejects an http authority on a host that merely starts like a loopback name', () => {
      refused({ authority: 'http://localhost.evil.test' }, 'authority');
      refused({ authority: 'http://127.0.0.1.nip.io' }, 'authority');
    });

    it('rejects a relative authority', () => {
      refused({ authority: '/idp' }, 'authority');
    });

    it('rejects a garbage authority', () => {
      refused({ authority: 'not a url' }, 'authority');
      refused({ authority: 'https://' }, 'authority');
    });

    it('rejects an authority with another scheme', () => {
      refused({ authority: 'ftp://idp.example.com' }, 'authority');
      refused({ authority: 'javascript:alert(1)' }, 'authority');
    });

    it('rejects an authority with a query, fragment or credentials', () => {
      refused({ authority: 'https://idp.example.com?tenant=a' }, 'authority');
      refused({ authority: 'https://idp.example.com#x' }, 'authority');
      refused({ authority: 'https://user:pw@idp.example.com' }, 'authority');
    });

    it('allows http on localhost, 127.0.0.1 and [::1]', () => {
      expect(resolve({ authority: 'http://localhost:8080' }).authority).toBe('http://localhost:8080');
      expect(resolve({ authority: 'http://127.0.0.1:3000/realms/dev' }).authority).toBe('http://127.0.0.1:3000/realms/dev');
      expect(resolve({ authority: 'http://[::1]:4000' }).authority).toBe('http://[::1]:4000');
    });

    it('keeps an https authority with a path as given', () => {
      expect(resolve({ authority: 'https://idp.example.com/realms/app/' }).authority).toBe('https://idp.example.com/realms/app/');
    });
  });

  describe('redirect URIs', () => {
    it('rejects a redirectUri that is not an absolute http(s) URL', () => {
      refused({ redirectUri: '/callback' }, 'redirectUri');
      refused({ redirectUri: 'javascript:alert(1)' }, 'redirectUri');
      refused({ redirectUri: 42 }, 'redirectUri');
    });

    it('rejects a redirectUri with a fragment', () => {
      refused({ redirectUri: 'https://app.example.com/callback#x' }, 'redirectUri');
    });

    it('rejects a postLogoutRedirectUri that is not an absolute http(s) URL', () => {
      refused({ postLogoutRedirectUri: 'data:text/html,hi' }, 'postLogoutRedirectUri');
    });
  });

  describe('scope', () => {
    it('rejects a scope without openid', () => {
      const err = refused({ scope: 'profile email' }, 'scope');

      expect(err.message).toContain('openid');
    });

    it('does not accept openid as a substring of another scope', () => {
      refused({ scope: 'openidx profile' }, 'scope');
    });
  });

  describe('responseType', () => {
    it('rejects an unsupported responseType', () => {
      refused({ responseType: 'token' }, 'responseType');
      refused({ responseType: 'code token' }, 'responseType');
      refused({ responseType: 'token' }, 'responseType');
    });

    it('accepts the values of a response type in any order (Lock wrote "token id_token")', () => {
      const resolve2 = (responseType: string) =>
        resolveConfig({ authority: 'https://idp.example.com', clientId: 'c', responseType: responseType as never }, 'https://app.example.com').responseType;
      expect(resolve2('token id_token')).toBe('id_token token');
      expect(resolve2('id_token code')).toBe('code id_token');
    });

    it('accepts the implicit and hybrid response types', () => {
      for (const responseType of ['id_token token', 'id_token', 'code id_token'] as const) {
        expect(resolveConfig({ authority: 'https://idp.example.com', clientId: 'c', responseType }, 'https://app.example.com').responseType).toBe(responseType);
      }
    });
  });

  describe('audience', () => {
    it('rejects an unknown audienceParameter', () => {
      refused({ audienceParameter: 'aud' }, 'audienceParameter');
    });

    it('rejects an empty or non-string audience', () => {
      refused({ audience: '' }, 'audience');
      refused({ audience: 42 }, 'audience');
    });
  });

  describe('timing', () => {
    it('rejects a bad clockSkewSeconds', () => {
      refused({ clockSkewSeconds: -1 }, 'clockSkewSeconds');
      refused({ clockSkewSeconds: Number.NaN }, 'clockSkewSeconds');
      refused({ clockSkewSeconds: Number.POSITIVE_INFINITY }, 'clockSkewSeconds');
      refused({ clockSkewSeconds: '60' }, 'clockSkewSeconds');
    });

    it('caps clockSkewSeconds at 300: a larger tolerance would let expired ID tokens through', () => {
      expect(resolve({ clockSkewSeconds: 300 }).clockSkewSeconds).toBe(300);
      const err = refused({ clockSkewSeconds: 301 }, 'clockSkewSeconds');
      expect(err.details).toEqual({ option: 'clockSkewSeconds', expected: '0..300', actual: 301 });
      refused({ clockSkewSeconds: 1e9 }, 'clockSkewSeconds');
    });

    it('rejects a bad loginTimeoutSeconds', () => {
      refused({ loginTimeoutSeconds: -5 }, 'loginTimeoutSeconds');
      refused({ loginTimeoutSeconds: '600' }, 'loginTimeoutSeconds');
    });

    it('bounds loginTimeoutSeconds to 1..3600', () => {
      expect(resolve({ loginTimeoutSeconds: 1 }).loginTimeoutSeconds).toBe(1);
      expect(resolve({ loginTimeoutSeconds: 3600 }).loginTimeoutSeconds).toBe(3600);
      expect(refused({ loginTimeoutSeconds: 3601 }, 'loginTimeoutSeconds').details['expected']).toBe('1..3600');
      refused({ loginTimeoutSeconds: 0 }, 'loginTimeoutSeconds');
      refused({ loginTimeoutSeconds: 1e9 }, 'loginTimeoutSeconds');
    });
  });

  describe('storage', () => {
    it('rejects an unknown storage kind', () => {
      refused({ storage: 'cookie' }, 'storage');
    });
  });

  describe('nonce', () => {
    it('refuses a constant nonce string, however long, pointing to login({ nonce }) and a generator (OIDC Core §15.5.2)', () => {
      const err = refused({ nonce: 'app-supplied-nonce-0123456789-abcdefghijk' }, 'nonce');
      expect(err.message).toContain('login({ nonce })');
      expect(err.message).toContain('function');
      expect(err.message).toContain('§15.5.2');
      expect(err.details).toEqual({ option: 'nonce' });
    });

    it('rejects a nonce that is neither a string nor a function', () => {
      refused({ nonce: 1234567890123456789 }, 'nonce');
    });

    it('keeps a nonce generator function, called per login', () => {
      expect(resolve({ nonce: NONCE_GENERATOR }).nonce).toBe(NONCE_GENERATOR);
    });
  });

  describe('loginRoute', () => {
    it('rejects a loginRoute without a leading slash', () => {
      const err = refused({ loginRoute: 'login' }, 'loginRoute');

      expect(err.message).toContain('"login"');
    });

    it('rejects a loginRoute that is an absolute URL', () => {
      refused({ loginRoute: 'https://evil.test/login' }, 'loginRoute');
    });

    it('rejects a loginRoute that is not a string', () => {
      refused({ loginRoute: 42 }, 'loginRoute');
    });
  });

  describe('allowedUrls', () => {
    it('reports an invalid allowlist entry with its index as the option', () => {
      refused({ allowedUrls: ['https://api.example.com', 'https://*.example.com'] }, 'allowedUrls[1]');
    });

    it("refuses an entry that covers the authority's origin without a path (the provider's endpoints would get the token)", () => {
      const err = refused({ authority: 'https://idp.example.com', allowedUrls: ['https://api.example.com/v1', 'https://idp.example.com'] }, 'allowedUrls[1]');
      expect(err.details.actual).toBe('https://idp.example.com');
      expect(resolve({ authority: 'https://idp.example.com', allowedUrls: ['https://idp.example.com/api'] }).allowedUrls[0].path).toBe('/api');
    });
  });
});

describe('rebaseConfig', () => {
  const rebased = (config: AuthConfig, origin: string) => rebaseConfig(resolveConfig(config, PLACEHOLDER_ORIGIN), config, origin);

  it('gives what resolving against the app origin gives: default redirect URIs, relative allowlist entries', () => {
    const config: AuthConfig = {
      ...VALID,
      allowedUrls: ['/api', { uri: 'https://api.example.com/v1', httpMethod: 'get' }],
      silentRedirectUri: `${APP_ORIGIN}/silent.html`,
      extraParams: { connection: 'github' },
    };
    const result = rebased(config, APP_ORIGIN);
    expect(result).toEqual(resolveConfig(config, APP_ORIGIN));
    expect(result.redirectUri).toBe(`${APP_ORIGIN}/callback`);
    expect(result.allowedUrls[0].origin).toBe(APP_ORIGIN);
  });

  it('keeps explicit redirect URIs', () => {
    const config = { ...VALID, redirectUri: 'https://app.example.com/auth/done', postLogoutRedirectUri: 'https://app.example.com/bye' };
    expect(rebased(config, 'https://other.example.com')).toEqual(resolveConfig(config, 'https://other.example.com'));
  });

  it('refuses, as resolveConfig does, what only the app origin shows wrong', () => {
    const silent = { ...VALID, silentRedirectUri: 'https://elsewhere.example.com/silent.html' };
    expect(thrownBy(() => rebased(silent, APP_ORIGIN)).details.option).toBe('silentRedirectUri');
    const coversIssuer = { authority: `${APP_ORIGIN}/idp`, clientId: 'c', allowedUrls: ['/'] };
    expect(thrownBy(() => rebased(coversIssuer, APP_ORIGIN)).details.option).toBe('allowedUrls[0]');
    expect(thrownBy(() => resolveConfig(coversIssuer, APP_ORIGIN)).details.option).toBe('allowedUrls[0]');
  });
});

describe('normalizeResponseType', () => {
  it('orders the values and collapses whitespace, so that spellings of one type compare equal', () => {
    expect(normalizeResponseType(' token  id_token ')).toBe('id_token token');
    expect(normalizeResponseType('id_token token')).toBe('id_token token');
    expect(normalizeResponseType('id_token code')).toBe(normalizeResponseType('code id_token'));
  });
});

describe('normalizeScope', () => {
  it('collapses and trims whitespace', () => {
    expect(normalizeScope(' openid \n profile  ')).toBe('openid profile');
  });
});

describe('checkProvidersApart', () => {
  const main = (allowedUrls: AuthConfig['allowedUrls'], more: Partial<AuthConfig> = {}) => ({
    name: 'the main provider',
    config: resolveConfig({ authority: 'https://login.example.com', clientId: 'spa', allowedUrls, ...more }, APP_ORIGIN),
  });
  const partner = (allowedUrls: AuthConfig['allowedUrls'], more: Partial<AuthConfig> = {}) => ({
    name: '"partner"',
    config: resolveConfig({ authority: 'https://idp.partner.example', clientId: 'spa', allowedUrls, ...more }, APP_ORIGIN),
  });

  it('accepts providers with their own clients and API paths (the same client id at two issuers, one origin)', () => {
    expect(() => checkProvidersApart([main(['https://api.example.com/api', '/local']), partner(['https://api.example.com/partner', 'https://api.example.com/apis'])])).not.toThrow();
    expect(() => checkProvidersApart([main([]), partner([])])).not.toThrow();
  });

  it('accepts one path for two providers when each is limited to another HTTP method', () => {
    expect(() => checkProvidersApart([main([{ uri: 'https://api.example.com/x', httpMethod: 'GET' }]), partner([{ uri: 'https://api.example.com/x', httpMethod: 'POST' }])])).not.toThrow();
  });

  for (const [what, a, b] of [
    ['the same URL', ['https://api.example.com/api'], ['https://api.example.com/api/']],
    ['a path under the other', ['https://api.example.com/api'], ['https://api.example.com/api/partner']],
    ['a whole origin', ['https://api.example.com'], ['https://api.example.com/partner']],
    ['a relative entry on the app origin', ['/api'], [`${APP_ORIGIN}/api/v2`]],
    ['one method and any method', [{ uri: 'https://api.example.com/x', httpMethod: 'GET' }], ['https://api.example.com/x']],
  ] as const) {
    it(`refuses allowlists that overlap (${what}) with invalid_configuration naming both`, () => {
      const error = thrownBy(() => checkProvidersApart([main([...a]), partner([...b])]));
      expect(error.code).toBe('invalid_configuration');
      expect(error.details).toEqual(jasmine.objectContaining({ option: 'the main provider, "partner"' }));
    });
  }

  it("refuses an allowlist that covers another provider's issuer", () => {
    expect(thrownBy(() => checkProvidersApart([main(['https://idp.partner.example/']), partner([])])).code).toBe('invalid_configuration');
    expect(thrownBy(() => checkProvidersApart([main([]), partner(['https://login.example.com'])])).code).toBe('invalid_configuration');
  });

  it('refuses the same client (issuer and client id) twice', () => {
    expect(thrownBy(() => checkProvidersApart([main([]), { ...main([]), name: '"again"' }])).code).toBe('invalid_configuration');
  });
});
