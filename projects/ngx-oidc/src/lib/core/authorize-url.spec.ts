import { DISCOVERY, NOW, rejectionOf, testConfig } from '../../test-support/fake-provider';
import { buildAuthorizeUrl, RESERVED_PARAMS, type AuthorizeParams } from './authorize-url';
import type { ResolvedAuthConfig } from './config';
import { createTransaction, type LoginTransaction } from './transaction';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('buildAuthorizeUrl', () => {
  let config: ResolvedAuthConfig;
  let tx: LoginTransaction;

  async function query(params?: AuthorizeParams, cfg = config, transaction = tx): Promise<URLSearchParams> {
    return new URL(await buildAuthorizeUrl(DISCOVERY, cfg, transaction, params)).searchParams;
  }

  beforeEach(() => {
    config = testConfig();
    tx = { ...createTransaction(config, { state: 'the-state-0123456789abcdef', nonce: 'the-nonce-0123456789abcdef' }, NOW), codeVerifier: VERIFIER };
  });

  it('targets the authorization endpoint with every parameter of a code + PKCE request', async () => {
    const url = new URL(await buildAuthorizeUrl(DISCOVERY, config, tx));
    const q = url.searchParams;

    expect(url.origin + url.pathname).toBe(DISCOVERY.authorization_endpoint);
    expect(q.get('client_id')).toBe('spa-client');
    expect(q.get('redirect_uri')).toBe('https://app.example.com/callback');
    expect(q.get('response_type')).toBe('code');
    expect(q.get('scope')).toBe('openid profile email');
    expect(q.get('state')).toBe('the-state-0123456789abcdef');
    expect(q.get('nonce')).toBe('the-nonce-0123456789abcdef');
    expect(q.get('code_challenge')).toBe(CHALLENGE);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('audience')).toBe('https://api.example.com');
  });

  it('never sends the code verifier itself', async () => {
    const url = await buildAuthorizeUrl(DISCOVERY, config, tx);

    expect(url).not.toContain(VERIFIER);
    expect(new URL(url).searchParams.has('code_verifier')).toBeFalse();
  });

  it('sends no optional parameter that was not asked for', async () => {
    const q = await query();

    for (const name of ['prompt', 'login_hint', 'max_age', 'ui_locales', 'acr_values', 'id_token_hint', 'resource', 'response_mode']) {
      expect(q.has(name)).withContext(name).toBeFalse();
    }
  });

  it('keeps a query the authorization endpoint already has', async () => {
    const url = await buildAuthorizeUrl({ ...DISCOVERY, authorization_endpoint: 'https://idp.example.com/authorize?tenant=acme' }, config, tx);

    expect(new URL(url).searchParams.get('tenant')).toBe('acme');
    expect(new URL(url).searchParams.get('client_id')).toBe('spa-client');
  });

  it('sends the audience as "resource" when audienceParameter is resource', async () => {
    const cfg = testConfig({ audienceParameter: 'resource' });
    const q = await query(undefined, cfg, { ...tx });

    expect(q.get('resource')).toBe('https://api.example.com');
    expect(q.has('audience')).toBeFalse();
  });

  it('sends no audience parameter when there is no audience', async () => {
    const cfg = testConfig({ audience: undefined });
    const q = await query(undefined, cfg, createTransaction(cfg, {}, NOW));

    expect(q.has('audience')).toBeFalse();
    expect(q.has('resource')).toBeFalse();
  });

  it('sends the transaction scope and audience of this login', async () => {
    const login = createTransaction(config, { scope: 'openid orders:read', audience: 'https://orders.example.com' }, NOW);
    const q = await query(undefined, config, login);

    expect(q.get('scope')).toBe('openid orders:read');
    expect(q.get('audience')).toBe('https://orders.example.com');
  });

  it('adds the show-time options of this login', async () => {
    const q = await query({ prompt: 'login', loginHint: 'alice@example.com', maxAge: 300, uiLocales: 'de en', acrValues: 'mfa' });

    expect(q.get('prompt')).toBe('login');
    expect(q.get('login_hint')).toBe('alice@example.com');
    expect(q.get('max_age')).toBe('300');
    expect(q.get('ui_locales')).toBe('de en');
    expect(q.get('acr_values')).toBe('mfa');
  });

  it('sends idTokenHint as id_token_hint', async () => {
    expect((await query({ idTokenHint: 'the.id.token' })).get('id_token_hint')).toBe('the.id.token');
  });

  it('sends max_age=0', async () => {
    expect((await query({ maxAge: 0 })).get('max_age')).toBe('0');
  });

  it('rejects a bad maxAge with a TypeError (misuse of login())', async () => {
    for (const maxAge of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const err: unknown = await buildAuthorizeUrl(DISCOVERY, config, tx, { maxAge }).catch((e: unknown) => e);
      expect(err).withContext(String(maxAge)).toBeInstanceOf(TypeError);
      expect((err as Error).message).withContext(String(maxAge)).toContain('maxAge');
    }
  });

  it('adds configured and per-login extraParams, the login ones winning', async () => {
    const cfg = testConfig({ extraParams: { connection: 'github', organization: 'acme' } });
    const q = await query({ extraParams: { connection: 'google' } }, cfg);

    expect(q.get('connection')).toBe('google');
    expect(q.get('organization')).toBe('acme');
  });

  it('does not change the configuration when a login passes extraParams', async () => {
    const cfg = testConfig({ extraParams: { connection: 'github' } });
    await buildAuthorizeUrl(DISCOVERY, cfg, tx, { extraParams: { screen_hint: 'signup' } });

    expect(cfg.extraParams).toEqual({ connection: 'github' });
    expect((await query(undefined, cfg)).has('screen_hint')).toBeFalse();
  });

  for (const name of RESERVED_PARAMS) {
    it(`refuses login extraParams.${name} with reserved_parameter`, async () => {
      const err = await rejectionOf(buildAuthorizeUrl(DISCOVERY, config, tx, { extraParams: { [name]: 'evil' } }));

      expect(err.code).toBe('reserved_parameter');
      expect(err.details.parameter).toBe(name);
      expect(err.message).toContain(name);
    });

    it(`refuses configured extraParams.${name} with reserved_parameter`, async () => {
      const cfg = testConfig({ extraParams: { [name]: 'evil' } });

      const err = await rejectionOf(buildAuthorizeUrl(DISCOVERY, cfg, tx));

      expect(err.code).toBe('reserved_parameter');
      expect(err.details.parameter).toBe(name);
    });
  }

  it('covers every parameter the library computes or checks in RESERVED_PARAMS', () => {
    expect([...RESERVED_PARAMS as readonly string[]].sort()).toEqual(
      [
        'client_id', 'code_challenge', 'code_challenge_method', 'nonce', 'redirect_uri', 'response_mode', 'response_type', 'scope', 'state',
        // max_age only through maxAge (auth_time is checked); a request object could override the rest (RFC 9101).
        'max_age', 'request', 'request_uri',
      ].sort(),
    );
  });

  it('points extraParams.max_age to the maxAge login option, whose auth_time is checked', async () => {
    const err = await rejectionOf(buildAuthorizeUrl(DISCOVERY, config, tx, { extraParams: { max_age: '0' } }));

    expect(err.code).toBe('reserved_parameter');
    expect(err.message).toContain('maxAge');
  });

  for (const audienceParameter of ['audience', 'resource'] as const) {
    it(`refuses extraParams.${audienceParameter} when audienceParameter is ${audienceParameter} (the audience option sets it)`, async () => {
      const cfg = testConfig({ audienceParameter });
      for (const source of ['login', 'config'] as const) {
        const err = await rejectionOf(
          source === 'login'
            ? buildAuthorizeUrl(DISCOVERY, cfg, tx, { extraParams: { [audienceParameter]: 'https://evil.example.com' } })
            : buildAuthorizeUrl(DISCOVERY, testConfig({ audienceParameter, extraParams: { [audienceParameter]: 'https://evil.example.com' } }), tx),
        );
        expect(err.code).withContext(source).toBe('reserved_parameter');
        expect(err.details.parameter).toBe(audienceParameter);
      }
    });
  }

  it('lets extraParams carry the other audience parameter name (RFC 8707 resource next to audience)', async () => {
    const q = await query({ extraParams: { resource: 'https://orders.example.com' } });

    expect(q.get('resource')).toBe('https://orders.example.com');
    expect(q.get('audience')).toBe('https://api.example.com');
  });
});
