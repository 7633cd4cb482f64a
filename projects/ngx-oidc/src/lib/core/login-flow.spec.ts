import {
  APP_ORIGIN,
  CLIENT_ID,
  createKey,
  DISCOVERY,
  FailingStorage,
  FakeProvider,
  idTokenClaims,
  ISSUER,
  NOW,
  quotaExceeded,
  rejectionOf,
  signToken,
  testConfig,
  tokenRoute,
  type TestKey,
} from '../../test-support/fake-provider';
import { calculateCodeChallenge } from './pkce';
import { ALL_FEATURES } from '../../test-support/fake-platform';
import { calculateTokenHash } from './token-hash';
import { buildLogoutUrl, completeLogin, startLogin, type FlowContext } from './login-flow';
import { LOGOUT_STATE_PREFIX, takeLogoutReturn } from './logout-return';
import { createMetadataCache, type MetadataCache } from './metadata-cache';
import { MemoryStorage, keysWithPrefix } from './storage';
import { TRANSACTION_PREFIX } from './pending-logins';
import type { LoginTransaction } from './transaction';

const TOKEN_ENDPOINT = DISCOVERY.token_endpoint!;
const USERINFO = DISCOVERY.userinfo_endpoint!;
const CALLBACK = `${APP_ORIGIN}/callback`;

describe('login flow', () => {
  let key: TestKey;
  let provider: FakeProvider;
  let storage: MemoryStorage;
  let ctx: FlowContext;

  beforeAll(async () => {
    key = await createKey('k1');
  });

  beforeEach(() => {
    provider = new FakeProvider();
    provider.keys = [key.jwk];
    storage = new MemoryStorage();
    ctx = { config: testConfig(), fetch: provider.fetch, transactions: storage, now: () => NOW, metadata: newPage() };
  });

  /** The metadata cache of a new page load (the callback page) over the same storage. */
  function newPage(): MetadataCache {
    return createMetadataCache(ISSUER, provider.fetch, storage, () => NOW);
  }

  function callbackFor(tx: LoginTransaction, extra = ''): string {
    return `${CALLBACK}?code=auth-code-1&state=${encodeURIComponent(tx.state)}${extra}`;
  }

  /** Starts a login and makes the token endpoint answer with an ID token for its nonce. */
  async function startAndServe(nonce?: string): Promise<{ tx: LoginTransaction; idToken: string }> {
    const { transaction } = await startLogin(ctx);
    const idToken = await signToken(key, idTokenClaims(nonce ?? transaction.nonce));
    provider.on(TOKEN_ENDPOINT, tokenRoute(idToken));
    provider.requests.length = 0;
    // The provider redirects back to a new page.
    ctx = { ...ctx, metadata: newPage() };
    return { tx: transaction, idToken };
  }

  describe('startLogin', () => {
    it('returns the authorization URL of a code + PKCE request and stores the transaction', async () => {
      const { url, transaction } = await startLogin(ctx);
      const parsed = new URL(url);
      const q = parsed.searchParams;

      expect(parsed.origin + parsed.pathname).toBe(DISCOVERY.authorization_endpoint);
      expect(q.get('client_id')).toBe(CLIENT_ID);
      expect(q.get('redirect_uri')).toBe(CALLBACK);
      expect(q.get('response_type')).toBe('code');
      expect(q.get('state')).toBe(transaction.state);
      expect(q.get('nonce')).toBe(transaction.nonce);
      expect(q.get('code_challenge')).toBe(await calculateCodeChallenge(transaction.codeVerifier));
      expect(q.get('code_challenge_method')).toBe('S256');
      expect(JSON.parse(storage.getItem(TRANSACTION_PREFIX + transaction.state)!)).toEqual(JSON.parse(JSON.stringify(transaction)));
    });

    it('fetches discovery and the JWKS before the redirect', async () => {
      await startLogin(ctx);

      expect(provider.requests.map((r) => r.url)).toEqual([`${ISSUER}/.well-known/openid-configuration`, DISCOVERY.jwks_uri]);
    });

    it('passes show-time options to this login only', async () => {
      const { url, transaction } = await startLogin(ctx, { prompt: 'login', scope: 'openid orders:read', returnUrl: '/orders', appState: { a: 1 } });

      expect(new URL(url).searchParams.get('prompt')).toBe('login');
      expect(new URL(url).searchParams.get('scope')).toBe('openid orders:read');
      expect(transaction.returnUrl).toBe('/orders');
      expect(transaction.appState).toEqual({ a: 1 });
      expect(ctx.config.scope).toBe('openid profile email');
    });

    it('stores nothing when an option is refused', async () => {
      const err = await rejectionOf(startLogin(ctx, { extraParams: { state: 'evil' } }));

      expect(err.code).toBe('reserved_parameter');
      expect(keysWithPrefix(storage, TRANSACTION_PREFIX)).toEqual([]);
    });

    it('refuses a short app state, a request object and extraParams.max_age, storing nothing', async () => {
      // A login option that can never work is a misuse of login(): a TypeError.
      for (const options of [{ state: 'x' }, { nonce: 'short-nonce' }, { maxAge: -1 }]) {
        const err: unknown = await startLogin(ctx, options).catch((e: unknown) => e);
        expect(err).withContext(JSON.stringify(options)).toBeInstanceOf(TypeError);
      }
      const refused = [
        await rejectionOf(startLogin(ctx, { extraParams: { request: 'eyJhbGciOiJub25lIn0.e30.' } })),
        await rejectionOf(startLogin(ctx, { extraParams: { request_uri: 'urn:example:req' } })),
        await rejectionOf(startLogin(ctx, { extraParams: { max_age: '99999' } })),
      ];

      expect(refused.map((e) => e.code)).toEqual([
        'reserved_parameter', 'reserved_parameter', 'reserved_parameter',
      ]);
      expect(keysWithPrefix(storage, TRANSACTION_PREFIX)).toEqual([]);
    });

    it('fails with storage_error when the transaction cannot be stored', async () => {
      const full = new FailingStorage();
      full.failSet = quotaExceeded();

      const err = await rejectionOf(startLogin({ ...ctx, transactions: full }));

      expect(err.code).toBe('storage_error');
    });

    it('keeps two started logins apart', async () => {
      const first = await startLogin(ctx);
      const second = await startLogin(ctx);

      expect(first.transaction.state).not.toBe(second.transaction.state);
      expect(keysWithPrefix(storage, TRANSACTION_PREFIX).length).toBe(2);
    });
  });

  describe('completeLogin', () => {
    it('exchanges the code with exactly one request and returns tokens and user', async () => {
      const { tx, idToken } = await startAndServe();

      const result = await completeLogin(ctx, callbackFor(tx));

      expect(provider.requests.length).toBe(1);
      expect(provider.requests[0].url).toBe(TOKEN_ENDPOINT);
      const body = new URLSearchParams(provider.requests[0].body);
      expect(body.get('code')).toBe('auth-code-1');
      expect(body.get('code_verifier')).toBe(tx.codeVerifier);
      expect(body.get('redirect_uri')).toBe(CALLBACK);
      expect(body.get('client_id')).toBe(CLIENT_ID);

      expect(result.tokens).toEqual(
        jasmine.objectContaining({
          idToken,
          accessToken: 'access-token-1',
          tokenType: 'Bearer',
          expiresAt: NOW + 3600 * 1000,
          scope: 'openid profile email',
          audience: 'https://api.example.com',
        }),
      );
      expect(result.tokens.claims.sub).toBe('alice');
      expect(result.user['name']).toBe('Alice');
      expect(result.transaction.state).toBe(tx.state);
      expect(result.discovery.issuer).toBe(ISSUER);
      expect(storage.getItem(TRANSACTION_PREFIX + tx.state)).toBeNull();
    });

    it('works on a fresh page without cache: discovery, token and JWKS requests', async () => {
      const { tx } = await startAndServe();
      storage.removeItem(`ngx-oidc.metadata.${ISSUER}`);
      ctx = { ...ctx, metadata: newPage() };

      await completeLogin(ctx, callbackFor(tx));

      expect(provider.requests.map((r) => r.url).sort()).toEqual(
        [`${ISSUER}/.well-known/openid-configuration`, TOKEN_ENDPOINT, DISCOVERY.jwks_uri].sort(),
      );
    });

    it('refuses to replay the same callback with state_mismatch, without a token request', async () => {
      const { tx } = await startAndServe();
      await completeLogin(ctx, callbackFor(tx));
      provider.requests.length = 0;

      const err = await rejectionOf(completeLogin(ctx, callbackFor(tx)));

      expect(err.code).toBe('state_mismatch');
      expect(provider.requests.length).toBe(0);
    });

    it('refuses a tampered state and leaves the genuine transaction untouched', async () => {
      const { tx } = await startAndServe();

      const err = await rejectionOf(completeLogin(ctx, `${CALLBACK}?code=auth-code-1&state=${tx.state}x`));

      expect(err.code).toBe('state_mismatch');
      expect(provider.requests.length).toBe(0);
      expect(storage.getItem(TRANSACTION_PREFIX + tx.state)).not.toBeNull();
      expect((await completeLogin(ctx, callbackFor(tx))).tokens.claims.sub).toBe('alice');
    });

    it('refuses a callback without state', async () => {
      await startAndServe();

      expect((await rejectionOf(completeLogin(ctx, `${CALLBACK}?code=auth-code-1`))).code).toBe('state_mismatch');
      expect(provider.requests.length).toBe(0);
    });

    it('turns a provider error in the callback into authorization_error', async () => {
      const { tx } = await startAndServe();

      const err = await rejectionOf(
        completeLogin(ctx, `${CALLBACK}?error=access_denied&error_description=User%20cancelled&state=${tx.state}`),
      );

      expect(err.code).toBe('authorization_error');
      expect(err.details).toEqual(jasmine.objectContaining({ error: 'access_denied', error_description: 'User cancelled' }));
      expect(provider.requestsTo(TOKEN_ENDPOINT).length).toBe(0);
    });

    it('refuses an error response without state, or with a state no login sent, as state_mismatch, showing none of its text', async () => {
      const { tx } = await startAndServe();
      const text = 'Your account is locked, call +1 555 0100';

      for (const query of [`error=access_denied&error_description=${encodeURIComponent(text)}`, `error=access_denied&error_description=${encodeURIComponent(text)}&state=forged`]) {
        const err = await rejectionOf(completeLogin(ctx, `${CALLBACK}?${query}`));

        expect(err.code).withContext(query).toBe('state_mismatch');
        expect(err.message).withContext(query).not.toContain(text);
        expect(JSON.stringify(err.details)).withContext(query).not.toContain(text);
      }
      expect(provider.requests.length).toBe(0);
      expect(storage.getItem(TRANSACTION_PREFIX + tx.state)).not.toBeNull();
    });

    it('checks iss before state: another issuer is refused without a request, its iss not echoed, the login left pending', async () => {
      const { tx } = await startAndServe();

      for (const state of [tx.state, 'forged']) {
        const err = await rejectionOf(completeLogin(ctx, `${CALLBACK}?error=access_denied&error_description=hostile-words&state=${state}&iss=${encodeURIComponent('https://evil.test')}`));

        expect(err.code).withContext(state).toBe('iss_parameter_mismatch');
        expect(err.message).withContext(state).not.toContain('evil.test');
        expect(err.message).withContext(state).not.toContain('hostile-words');
      }
      expect(provider.requests.length).toBe(0);
      expect((await completeLogin(ctx, callbackFor(tx))).tokens.claims.sub).toBe('alice');
    });

    it('refuses a code response that also carries an id_token or access_token, before redeeming the code', async () => {
      for (const extra of ['&id_token=x.y.z', '&access_token=injected&token_type=Bearer']) {
        const { tx } = await startAndServe();

        const err = await rejectionOf(completeLogin(ctx, callbackFor(tx, extra)));

        expect(err.code).withContext(extra).toBe('invalid_response');
        expect(provider.requestsTo(TOKEN_ENDPOINT).length).withContext(extra).toBe(0);
      }
    });

    it('does not let an ID token added to a code response lift the RFC 9207 iss requirement', async () => {
      provider.discovery = { ...DISCOVERY, authorization_response_iss_parameter_supported: true };
      const { tx, idToken } = await startAndServe();

      const err = await rejectionOf(completeLogin(ctx, callbackFor(tx, `&id_token=${idToken}`)));

      expect(err.code).toBe('iss_parameter_mismatch');
      expect(provider.requestsTo(TOKEN_ENDPOINT).length).toBe(0);
    });

    it('refuses an ID token with the wrong nonce with nonce_mismatch', async () => {
      const { tx } = await startAndServe('nonce-of-another-login');

      const err = await rejectionOf(completeLogin(ctx, callbackFor(tx)));

      expect(err.code).toBe('nonce_mismatch');
      expect(err.details).toEqual(jasmine.objectContaining({ expected: tx.nonce, actual: 'nonce-of-another-login' }));
    });

    it('refuses a token response without ID token', async () => {
      const { tx } = await startAndServe();
      provider.on(TOKEN_ENDPOINT, tokenRoute(undefined));

      const err = await rejectionOf(completeLogin(ctx, callbackFor(tx)));

      expect(err.code).toBe('invalid_response');
      expect(err.details.claim).toBe('id_token');
    });

    it('propagates a refused code exchange', async () => {
      const { tx } = await startAndServe();
      provider.on(TOKEN_ENDPOINT, () => ({ status: 400, json: { error: 'invalid_grant' } }));

      const err = await rejectionOf(completeLogin(ctx, callbackFor(tx)));

      expect(err.code).toBe('token_request_failed');
      expect(err.details.error).toBe('invalid_grant');
      expect(provider.requests.length).toBe(1);
    });

    it('refuses a callback without iss when the provider advertises RFC 9207', async () => {
      provider.discovery = { ...DISCOVERY, authorization_response_iss_parameter_supported: true };
      const { tx } = await startAndServe();

      expect((await rejectionOf(completeLogin(ctx, callbackFor(tx)))).code).toBe('iss_parameter_mismatch');
      expect(provider.requests.length).toBe(0);
    });

    it('refuses a callback whose iss is another provider', async () => {
      const { tx } = await startAndServe();

      const err = await rejectionOf(completeLogin(ctx, callbackFor(tx, `&iss=${encodeURIComponent('https://evil.test')}`)));

      expect(err.code).toBe('iss_parameter_mismatch');
    });

    it('accepts a callback with the right iss when the provider advertises RFC 9207', async () => {
      provider.discovery = { ...DISCOVERY, authorization_response_iss_parameter_supported: true };
      const { tx } = await startAndServe();

      expect((await completeLogin(ctx, callbackFor(tx, `&iss=${encodeURIComponent(ISSUER)}`))).tokens.claims.sub).toBe('alice');
    });

    it('refuses an expired login with state_mismatch', async () => {
      const { tx } = await startAndServe();
      const later: FlowContext = { ...ctx, now: () => tx.expiresAt };

      expect((await rejectionOf(completeLogin(later, callbackFor(tx)))).code).toBe('state_mismatch');
    });

    it('requires auth_time when the login asked for max_age', async () => {
      const { transaction } = await startLogin(ctx, { maxAge: 60 });
      provider.on(TOKEN_ENDPOINT, tokenRoute(await signToken(key, idTokenClaims(transaction.nonce))));

      const err = await rejectionOf(completeLogin(ctx, callbackFor(transaction)));

      expect(err.code).toBe('missing_claim');
      expect(err.details.claim).toBe('auth_time');
    });

    describe('required acr (login({ acrValues, acrRequired: true }))', () => {
      /** Starts a login with `options`; the token endpoint answers with an ID token carrying `acr`. */
      async function loginReturning(acr: string | undefined, options: Parameters<typeof startLogin>[1]): Promise<LoginTransaction> {
        const { transaction, url } = await startLogin(ctx, options);
        expect(new URL(url).searchParams.get('acr_values')).toBe(options?.acrValues ?? null);
        const claims = idTokenClaims(transaction.nonce, acr === undefined ? {} : { acr });
        provider.on(TOKEN_ENDPOINT, tokenRoute(await signToken(key, claims)));
        ctx = { ...ctx, metadata: newPage() };
        return transaction;
      }

      it('completes when the ID token asserts one of the required values', async () => {
        const tx = await loginReturning('urn:example:mfa', { acrValues: 'urn:example:hwk urn:example:mfa', acrRequired: true });

        expect((await completeLogin(ctx, callbackFor(tx))).tokens.claims.acr).toBe('urn:example:mfa');
      });

      it('refuses an ID token without acr with acr_not_satisfied', async () => {
        const tx = await loginReturning(undefined, { acrValues: 'urn:example:mfa', acrRequired: true });

        const err = await rejectionOf(completeLogin(ctx, callbackFor(tx)));

        expect(err.code).toBe('acr_not_satisfied');
        expect(err.details).toEqual({ claim: 'acr', expected: ['urn:example:mfa'], actual: undefined });
      });

      it('refuses an ID token asserting a weaker acr with acr_not_satisfied', async () => {
        const tx = await loginReturning('urn:example:pwd', { acrValues: 'urn:example:mfa', acrRequired: true });

        const err = await rejectionOf(completeLogin(ctx, callbackFor(tx)));

        expect(err.code).toBe('acr_not_satisfied');
        expect(err.details.actual).toBe('urn:example:pwd');
      });

      it('does not check acr when the login only requested it', async () => {
        const tx = await loginReturning('urn:example:pwd', { acrValues: 'urn:example:mfa' });

        expect((await completeLogin(ctx, callbackFor(tx))).tokens.claims.acr).toBe('urn:example:pwd');
      });

      it('refuses acrRequired without acrValues before anything is stored', async () => {
        await expectAsync(startLogin(ctx, { acrRequired: true })).toBeRejectedWithError(TypeError);
        expect(keysWithPrefix(storage, TRANSACTION_PREFIX)).toEqual([]);
      });
    });

    it('merges UserInfo claims when loadUserInfo is set', async () => {
      ctx = { ...ctx, config: testConfig({ loadUserInfo: true }) };
      provider.on(USERINFO, () => ({ status: 200, json: { sub: 'alice', email: 'alice@example.com' } }));
      const { tx } = await startAndServe();

      const result = await completeLogin(ctx, callbackFor(tx));

      expect(result.user['email']).toBe('alice@example.com');
      expect(result.user['name']).toBe('Alice');
      expect(provider.requestsTo(USERINFO)[0].headers['authorization']).toBe('Bearer access-token-1');
    });

    it('refuses UserInfo about another subject', async () => {
      ctx = { ...ctx, config: testConfig({ loadUserInfo: true }) };
      provider.on(USERINFO, () => ({ status: 200, json: { sub: 'mallory' } }));
      const { tx } = await startAndServe();

      expect((await rejectionOf(completeLogin(ctx, callbackFor(tx)))).code).toBe('userinfo_sub_mismatch');
    });
  });

  describe('buildLogoutUrl', () => {
    it('sends the state that takeLogoutReturn recognises on the return', async () => {
      const state = new URL((await buildLogoutUrl(ctx, 'the.id.token'))!).searchParams.get('state')!;

      expect(takeLogoutReturn(ctx, `${APP_ORIGIN}/?state=${state}`)).toBe('/');
      expect(storage.getItem(LOGOUT_STATE_PREFIX + CLIENT_ID)).toBeNull();
    });

    it('builds the end-session URL with id_token_hint, client_id and post_logout_redirect_uri', async () => {
      const url = new URL((await buildLogoutUrl(ctx, 'the.id.token'))!);

      expect(url.origin + url.pathname).toBe(DISCOVERY.end_session_endpoint!);
      expect(url.searchParams.get('id_token_hint')).toBe('the.id.token');
      expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
      expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${APP_ORIGIN}/`);
    });

    it('sends a fresh 256-bit state and keeps it for the return (RP-Initiated Logout 1.0 §2)', async () => {
      const first = new URL((await buildLogoutUrl(ctx, 'the.id.token'))!).searchParams.get('state')!;
      const second = new URL((await buildLogoutUrl(ctx, 'the.id.token'))!).searchParams.get('state')!;

      expect(first).toMatch(/^[\w-]{43}$/);
      expect(second).not.toBe(first);
      expect(storage.getItem(LOGOUT_STATE_PREFIX + CLIENT_ID)).toBe(second);
    });

    it('still builds the URL when the state cannot be stored', async () => {
      const failing = new FailingStorage();
      failing.failSet = quotaExceeded();
      const url = await buildLogoutUrl({ ...ctx, transactions: failing }, 'the.id.token');

      expect(new URL(url!).searchParams.has('state')).toBeTrue();
    });

    it('omits id_token_hint without an ID token', async () => {
      const url = new URL((await buildLogoutUrl(ctx, undefined))!);

      expect(url.searchParams.has('id_token_hint')).toBeFalse();
      expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    });

    it('returns undefined when the provider has no end_session_endpoint', async () => {
      provider.discovery = { ...DISCOVERY, end_session_endpoint: undefined };

      expect(await buildLogoutUrl(ctx, 'the.id.token')).toBeUndefined();
    });

    it('uses the cached discovery document', async () => {
      await startLogin(ctx);
      provider.requests.length = 0;

      await buildLogoutUrl(ctx, 'the.id.token');

      expect(provider.requests.length).toBe(0);
    });
  });

  describe('implicit and hybrid flows', () => {
    const ALL_TYPES = ['code', 'id_token token', 'id_token', 'code id_token'];

    function useResponseType(responseType: string): void {
      provider.discovery = { ...DISCOVERY, response_types_supported: ALL_TYPES };
      ctx = { ...ctx, config: testConfig({ responseType }), features: ALL_FEATURES };
    }

    /** The fragment callback a provider would send for a login. */
    function fragmentCallback(tx: LoginTransaction, params: Record<string, string>): string {
      return `${CALLBACK}#${new URLSearchParams({ state: tx.state, ...params })}`;
    }

    it('sends no PKCE parameters for implicit (no code to protect) and refuses a type the provider does not offer', async () => {
      useResponseType('id_token token');
      const q = new URL((await startLogin(ctx)).url).searchParams;
      expect(q.get('response_type')).toBe('id_token token');
      expect(q.has('code_challenge')).toBeFalse();

      provider.discovery = { ...DISCOVERY, response_types_supported: ['code'] };
      storage = new MemoryStorage();
      ctx = { ...ctx, transactions: storage, metadata: newPage() };
      const err = await rejectionOf(startLogin(ctx));
      expect(err.code).toBe('invalid_configuration');
      expect(err.details.option).toBe('responseType');
      expect(keysWithPrefix(storage, TRANSACTION_PREFIX)).toEqual([]);
    });

    it('finds its response type offered in any order of values (OAuth 2.0 Multiple Response Types §2)', async () => {
      useResponseType('code id_token');
      provider.discovery = { ...DISCOVERY, response_types_supported: ['code', 'id_token code'] };
      const q = new URL((await startLogin(ctx)).url).searchParams;
      expect(q.get('response_type')).toBe('code id_token');

      provider.discovery = { ...DISCOVERY, response_types_supported: ['code', 'id_token token'] };
      storage = new MemoryStorage();
      ctx = { ...ctx, transactions: storage, metadata: newPage() };
      const err = await rejectionOf(startLogin(ctx));
      expect(err.code).toBe('invalid_configuration');
      expect(err.details.expected).toEqual(['code', 'id_token token']);
    });

    it('completes "id_token token" from the fragment with zero requests and checks at_hash', async () => {
      useResponseType('id_token token');
      const { transaction } = await startLogin(ctx);
      const atHash = await calculateTokenHash('implicit-access-token', 'RS256');
      const idToken = await signToken(key, idTokenClaims(transaction.nonce, { at_hash: atHash }));
      provider.requests.length = 0;

      const result = await completeLogin(
        ctx,
        fragmentCallback(transaction, { id_token: idToken, access_token: 'implicit-access-token', token_type: 'Bearer', expires_in: '120' }),
      );

      expect(provider.requests).toEqual([]);
      expect(result.tokens.accessToken).toBe('implicit-access-token');
      expect(result.tokens.expiresAt).toBe(NOW + 120_000);
      expect(result.tokens.idToken).toBe(idToken);
      expect(result.user['sub']).toBe('alice');
    });

    it('rejects an "id_token token" response whose access token was substituted (at_hash)', async () => {
      useResponseType('id_token token');
      const { transaction } = await startLogin(ctx);
      const idToken = await signToken(key, idTokenClaims(transaction.nonce, { at_hash: await calculateTokenHash('genuine', 'RS256') }));
      const err = await rejectionOf(
        completeLogin(ctx, fragmentCallback(transaction, { id_token: idToken, access_token: 'substituted', token_type: 'Bearer' })),
      );
      expect(err.code).toBe('at_hash_mismatch');
    });

    it('rejects an "id_token token" response without at_hash', async () => {
      useResponseType('id_token token');
      const { transaction } = await startLogin(ctx);
      const idToken = await signToken(key, idTokenClaims(transaction.nonce));
      const err = await rejectionOf(
        completeLogin(ctx, fragmentCallback(transaction, { id_token: idToken, access_token: 'at', token_type: 'Bearer' })),
      );
      expect(err.code).toBe('at_hash_mismatch');
    });

    it('rejects an implicit response whose ID token carries another nonce', async () => {
      useResponseType('id_token');
      const { transaction } = await startLogin(ctx);
      const idToken = await signToken(key, idTokenClaims('a-nonce-from-another-login'));
      const err = await rejectionOf(completeLogin(ctx, fragmentCallback(transaction, { id_token: idToken })));
      expect(err.code).toBe('nonce_mismatch');
    });

    it('completes "id_token" with no access token', async () => {
      useResponseType('id_token');
      const { transaction } = await startLogin(ctx);
      const idToken = await signToken(key, idTokenClaims(transaction.nonce));
      const result = await completeLogin(ctx, fragmentCallback(transaction, { id_token: idToken }));
      expect(result.tokens.accessToken).toBeUndefined();
      expect(result.tokens.idToken).toBe(idToken);
    });

    it('refuses an implicit callback that lacks the ID token, or reads the query instead of the fragment', async () => {
      useResponseType('id_token token');
      const { transaction } = await startLogin(ctx);
      const missing = await rejectionOf(completeLogin(ctx, fragmentCallback(transaction, { access_token: 'at', token_type: 'Bearer' })));
      expect(missing.code).toBe('invalid_response');
      expect(missing.details.parameter).toBe('id_token');
    });

    it('surfaces an error returned in the fragment', async () => {
      useResponseType('id_token token');
      const { transaction } = await startLogin(ctx);
      const err = await rejectionOf(completeLogin(ctx, fragmentCallback(transaction, { error: 'login_required', error_description: 'no session' })));
      expect(err.code).toBe('login_required');
      expect(err.details.error).toBe('login_required');
    });

    it('completes "code id_token": c_hash checked, code exchanged with PKCE, same user in both ID tokens', async () => {
      useResponseType('code id_token');
      const { url, transaction } = await startLogin(ctx);
      expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
      const front = await signToken(key, idTokenClaims(transaction.nonce, { c_hash: await calculateTokenHash('hybrid-code', 'RS256') }));
      const back = await signToken(key, idTokenClaims(transaction.nonce));
      provider.on(TOKEN_ENDPOINT, tokenRoute(back));
      provider.requests.length = 0;

      const result = await completeLogin(ctx, fragmentCallback(transaction, { code: 'hybrid-code', id_token: front }));

      expect(provider.requests.map((r) => r.url)).toEqual([TOKEN_ENDPOINT]);
      expect(new URLSearchParams(provider.requests[0].body).get('code_verifier')).toBe(transaction.codeVerifier);
      expect(result.tokens.idToken).toBe(back);
    });

    it('rejects a hybrid response whose code was substituted (c_hash), before redeeming it', async () => {
      useResponseType('code id_token');
      const { transaction } = await startLogin(ctx);
      const front = await signToken(key, idTokenClaims(transaction.nonce, { c_hash: await calculateTokenHash('genuine-code', 'RS256') }));
      provider.requests.length = 0;
      const err = await rejectionOf(completeLogin(ctx, fragmentCallback(transaction, { code: 'injected-code', id_token: front })));
      expect(err.code).toBe('c_hash_mismatch');
      expect(provider.requests).toEqual([]);
    });

    it('rejects a hybrid flow whose two ID tokens describe different users', async () => {
      useResponseType('code id_token');
      const { transaction } = await startLogin(ctx);
      const front = await signToken(key, idTokenClaims(transaction.nonce, { c_hash: await calculateTokenHash('hybrid-code', 'RS256') }));
      provider.on(TOKEN_ENDPOINT, tokenRoute(await signToken(key, idTokenClaims(transaction.nonce, { sub: 'mallory' }))));
      const err = await rejectionOf(completeLogin(ctx, fragmentCallback(transaction, { code: 'hybrid-code', id_token: front })));
      expect(err.code).toBe('invalid_response');
      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'sub', expected: 'alice', actual: 'mallory' }));
    });

    it('checks at_hash in the code flow when the ID token carries one (withImplicitFlow)', async () => {
      ctx = { ...ctx, features: ALL_FEATURES };
      const { transaction } = await startLogin(ctx);
      const idToken = await signToken(key, idTokenClaims(transaction.nonce, { at_hash: await calculateTokenHash('another-token', 'RS256') }));
      provider.on(TOKEN_ENDPOINT, tokenRoute(idToken));
      const err = await rejectionOf(completeLogin(ctx, callbackFor(transaction)));
      expect(err.code).toBe('at_hash_mismatch');
    });

    it('leaves at_hash of the code flow unchecked without withImplicitFlow (OIDC Core 3.1.3.8: optional)', async () => {
      const { transaction } = await startLogin(ctx);
      const idToken = await signToken(key, idTokenClaims(transaction.nonce, { at_hash: await calculateTokenHash('another-token', 'RS256') }));
      provider.on(TOKEN_ENDPOINT, tokenRoute(idToken));

      const result = await completeLogin(ctx, callbackFor(transaction));

      expect(result.tokens.claims.sub).toBe('alice');
    });
  });
});
