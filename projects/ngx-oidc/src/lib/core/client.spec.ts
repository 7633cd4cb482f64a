import { decodeJwt } from 'jose';
import { APP_ORIGIN, CLIENT_ID, createKey, DISCOVERY, FakeProvider, NOW, ISSUER, rejectionOf, SCOPE, testConfig, type FakeRoute, type TestKey } from '../../test-support/fake-provider';
import {
  ALL_FEATURES,
  ClientRecorder,
  FakeAuthServer,
  FakePlatform,
  ManualClock,
  SharedLock,
  TabHub,
  TOKEN_ENDPOINT,
  type FakePlatformOptions,
} from '../../test-support/fake-platform';
import { OidcClient } from './client';
import { ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE } from './config';
import type { AuthError } from './errors';
import type { AuthEvent } from './events';
import { loadSession, saveSession, scopeName, sessionKey, type StoredSession } from './session-store';
import { TAB_WAIT_MS } from './tab-sync';
import { JWKS_REFETCH_MS } from './jwks';
import { METADATA_TTL_MS } from './metadata-cache';
import { MemoryStorage, type AuthStorage } from './storage';
import type { IdTokenClaims, TokenSet } from './types';
import { tick, until } from '../../test-support/tasks';

const API = 'https://api.example.com';
const MGMT = 'https://mgmt.example.com';
const SILENT_URI = `${APP_ORIGIN}/silent-callback.html`;
const LOGIN_SCOPE = 'openid profile email offline_access';
const HOUR = 3600_000;
const LEAD = 60_000;

interface Tab {
  readonly client: OidcClient;
  readonly platform: FakePlatform;
  readonly recorder: ClientRecorder;
  /** Where the client persists its session ('memory': a storage it never writes). */
  readonly storage: AuthStorage;
}

describe('OidcClient', () => {
  let key: TestKey;
  let provider: FakeProvider;
  let clock: ManualClock;
  let server: FakeAuthServer;
  let clients: OidcClient[];

  beforeAll(async () => {
    key = await createKey('k1');
  });

  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
    provider = new FakeProvider();
    clock = new ManualClock(NOW);
    server = new FakeAuthServer(provider, key, clock);
    clients = [];
  });

  afterEach(() => {
    clients.forEach((client) => client.destroy());
    sessionStorage.clear();
    localStorage.clear();
  });

  /** A logged-in session of alice at the clock's time: access-token-0, refresh-token-0, one hour. */
  async function aliceSession(overrides: Partial<TokenSet> = {}): Promise<StoredSession> {
    const idToken = await server.idToken({ nonce: 'login-nonce' });
    const claims = decodeJwt(idToken) as unknown as IdTokenClaims;
    const tokens: TokenSet = {
      idToken,
      accessToken: 'access-token-0',
      tokenType: 'Bearer',
      expiresAt: clock.now + HOUR,
      obtainedAt: clock.now,
      refreshToken: 'refresh-token-0',
      scope: LOGIN_SCOPE,
      requestedScope: LOGIN_SCOPE,
      audience: API,
      claims,
      ...overrides,
    };
    return { tokens, user: { ...claims } };
  }

  function newTab(config: Record<string, unknown>, platform: Partial<FakePlatformOptions> = {}): Tab {
    const kind = config['storage'] ?? new MemoryStorage();
    const storage = kind === 'local' ? localStorage : kind === 'session' ? sessionStorage : kind === 'memory' ? new MemoryStorage() : (kind as AuthStorage);
    const fake = new FakePlatform({ provider, clock, timers: true, ...platform });
    const recorder = new ClientRecorder();
    const client = new OidcClient(testConfig({ scope: LOGIN_SCOPE, ...config, storage: kind }), fake, recorder, ALL_FEATURES);
    clients.push(client);
    return { client, platform: fake, recorder, storage };
  }

  /**
   * A client started on a storage holding alice's session (the restore path). `session: null`
   * starts it logged out.
   */
  async function restored(
    options: { session?: Partial<TokenSet> | null; config?: Record<string, unknown>; platform?: Partial<FakePlatformOptions> } = {},
  ): Promise<Tab> {
    const storage = new MemoryStorage();
    if (options.session !== null) saveSession(storage, SCOPE, await aliceSession(options.session));
    const tab = newTab({ storage, ...options.config }, options.platform);
    await tab.client.initialize();
    provider.requests.length = 0;
    return tab;
  }

  /**
   * A real login: `login()` on one app instance, then `initialize()` on a new instance loaded
   * on the callback URL, the token endpoint answering with `tokenExtra` merged in.
   */
  async function loggedIn(
    config: Record<string, unknown> = {},
    platform: Partial<FakePlatformOptions> = {},
    tokenExtra: Record<string, unknown> = {},
  ): Promise<Tab> {
    const before = newTab(config, { url: `${APP_ORIGIN}/orders?page=2` });
    await before.client.initialize();
    await before.client.login();
    const q = new URL(before.platform.assigned[0]).searchParams;
    const idToken = await server.idToken({ nonce: q.get('nonce')! });
    const code = server.issueCode({
      status: 200,
      json: { access_token: 'access-token-0', token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-token-0', id_token: idToken, scope: LOGIN_SCOPE, ...tokenExtra },
    });
    const tab = newTab(config, { url: `${APP_ORIGIN}/callback?code=${code}&state=${q.get('state')}`, ...platform });
    await tab.client.initialize();
    provider.requests.length = 0;
    return tab;
  }

  function tokens(tab: Tab): TokenSet {
    const session = tab.recorder.state.session;
    if (!session) throw new Error('expected a session');
    return session.tokens;
  }

  function persisted(tab: Tab): StoredSession | null {
    const raw = tab.storage.getItem(sessionKey(SCOPE));
    return raw === null ? null : (JSON.parse(raw) as StoredSession);
  }

  /** Moves the clock to the renewal time of the login's token. */
  function makeStale(): void {
    clock.now = NOW + HOUR - LEAD;
  }

  describe('allowlist answers', () => {
    it('stay right past the bounds of their cache (per URL and per method)', () => {
      const { client } = newTab({ allowedUrls: [{ uri: `${API}/v1`, httpMethod: 'GET' }, MGMT] });
      const check = (round: number) => {
        for (let i = 0; i < 600; i++) {
          expect(client.matchAllowedUrl(`${API}/v1/items/${i}`, 'GET')?.path).withContext(`round ${round}, GET ${i}`).toBe('/v1');
          expect(client.matchAllowedUrl(`${API}/v1/items/${i}`, 'POST')).withContext(`round ${round}, POST ${i}`).toBeUndefined();
          expect(client.matchAllowedUrl(`${API}/v10/items/${i}`, 'GET')).withContext(`round ${round}, /v10 ${i}`).toBeUndefined();
        }
        for (let m = 0; m < 20; m++) {
          expect(client.matchAllowedUrl(`${MGMT}/users`, `M${m}`)?.origin).withContext(`round ${round}, method M${m}`).toBe(MGMT);
          expect(client.matchAllowedUrl(`${API}/v1/items/1`, `M${m}`)).withContext(`round ${round}, API with M${m}`).toBeUndefined();
        }
      };
      check(1);
      check(2);
    });

    /** Entries on the provider's origin that do not cover the issuer but cover its endpoints. */
    const IDP = new URL(TOKEN_ENDPOINT).origin;
    const IDP_ENTRIES = [`${IDP}/oauth`, `${IDP}/.well-known`, `${IDP}/userinfo`, `${IDP}/logout`, `${IDP}/api`];
    const PROVIDER_URLS = [
      TOKEN_ENDPOINT,
      `${IDP}/.well-known/openid-configuration`,
      `${IDP}/.well-known/jwks.json`,
      `${IDP}/userinfo`,
      `${IDP}/logout`,
      // Spellings a server may route to the same endpoint.
      `${IDP}/oauth/token/`,
      `${IDP}//oauth//token`,
      `${IDP}/oauth/token;x`,
      `${IDP}/oauth/%74oken`,
      `${IDP}/oauth%2ftoken`,
    ];

    function expectProtected(tab: Tab): void {
      for (const url of PROVIDER_URLS) expect(tab.client.matchAllowedUrl(url, 'POST')).withContext(url).toBeUndefined();
      expect(tab.client.matchAllowedUrl(`${IDP}/api/orders`, 'GET')?.path).toBe('/api');
    }

    it("never match the provider's endpoints learned at the callback, under any spelling", async () => {
      const before = newTab({ allowedUrls: IDP_ENTRIES });
      // Before discovery only the discovery document is known to be the provider's.
      expect(before.client.matchAllowedUrl(TOKEN_ENDPOINT, 'POST')?.path).toBe('/oauth');
      expectProtected(await loggedIn({ allowedUrls: IDP_ENTRIES }));
    });

    it("protect the provider's endpoints after a reload: no token until they are known", async () => {
      const tab = await restored({ config: { allowedUrls: IDP_ENTRIES } });

      expect(await tab.client.getAccessToken()).toBe('access-token-0');
      expectProtected(tab);
      expect(tab.client.peekAccessToken()).toBe('access-token-0');
    });

    it("learn the provider's endpoints before handing out the token when start-up could not", async () => {
      provider.on(`${IDP}/.well-known/openid-configuration`, () => 'network-error');
      const tab = await restored({ config: { allowedUrls: IDP_ENTRIES } });
      // The interceptor's fast path has no token for anyone while the endpoints are unknown.
      expect(tab.client.peekAccessToken()).toBeUndefined();
      expect((await rejectionOf(tab.client.getAccessToken())).code).toBe('network_error');

      provider.on(`${IDP}/.well-known/openid-configuration`, () => ({ status: 200, json: DISCOVERY }));
      expect(await tab.client.getAccessToken()).toBe('access-token-0');
      expectProtected(tab);
    });

    it("protect the provider's endpoints in a tab that received the session from another tab", async () => {
      const hub = new TabHub();
      const other = newTab({ allowedUrls: IDP_ENTRIES, storage: 'memory' }, { hub });
      await other.client.initialize();
      const synced = other.recorder.nextEvent('session_synced');
      await loggedIn({ allowedUrls: IDP_ENTRIES, storage: 'memory' }, { hub });
      await synced;

      expect(await other.client.getAccessToken()).toBe('access-token-0');
      expectProtected(other);
    });

    it('forget what they knew once the callback names the endpoints', async () => {
      const before = newTab({ allowedUrls: IDP_ENTRIES });
      await before.client.initialize();
      await before.client.login();
      const q = new URL(before.platform.assigned[0]).searchParams;
      const code = server.issueCode({
        status: 200,
        json: { access_token: 'access-token-0', token_type: 'Bearer', expires_in: 3600, id_token: await server.idToken({ nonce: q.get('nonce')! }), scope: LOGIN_SCOPE },
      });
      const tab = newTab({ allowedUrls: IDP_ENTRIES }, { url: `${APP_ORIGIN}/callback?code=${code}&state=${q.get('state')}` });
      // Asked (and remembered) before the callback ran.
      expect(tab.client.matchAllowedUrl(TOKEN_ENDPOINT, 'POST')?.path).toBe('/oauth');
      await tab.client.initialize();
      expect(tab.recorder.state.session).not.toBeNull();
      expect(tab.client.matchAllowedUrl(TOKEN_ENDPOINT, 'POST')).toBeUndefined();
    });
  });

  describe('start-up and callback', () => {
    it('restores a stored session without any request and arms the renewal timer', async () => {
      const tab = await restored();

      expect(tab.recorder.state.isLoading).toBeFalse();
      expect(tokens(tab).accessToken).toBe('access-token-0');
      expect(tab.recorder.state.session?.user['sub']).toBe('alice');
      expect(provider.requests.length).toBe(0);
      expect(tab.platform.timers!.pending.map((t) => t.dueAt)).toEqual([NOW + HOUR - LEAD]);
    });

    it('completes a login on the callback URL: session, login_completed, return URL', async () => {
      const tab = await loggedIn();

      expect(tokens(tab).accessToken).toBe('access-token-0');
      expect(tokens(tab).refreshToken).toBe('refresh-token-0');
      expect(tab.recorder.types).toEqual(['login_completed']);
      expect(tab.recorder.state.error).toBeNull();
      expect(tab.platform.replaced).toEqual(['/callback', '/orders?page=2']);
    });

    it("hands the login's appState back on login_completed, after the redirect", async () => {
      const appState = { cart: ['book-1'], step: 3 };
      const before = newTab({ storage: 'memory' });
      await before.client.initialize();
      await before.client.login({ appState });
      const q = new URL(before.platform.assigned[0]).searchParams;
      const code = server.issueCode({
        status: 200,
        json: { access_token: 'access-token-0', token_type: 'Bearer', expires_in: 3600, id_token: await server.idToken({ nonce: q.get('nonce')! }) },
      });
      // A new page (a new client) after the redirect, as in a browser.
      const tab = newTab({ storage: 'memory' }, { url: `${APP_ORIGIN}/callback?code=${code}&state=${q.get('state')}` });

      await tab.client.initialize();

      expect(tab.recorder.events).toEqual([{ type: 'login_completed', appState }]);
    });

    it('installs nothing of a failed callback: no session, login_failed and its error, also on loginOutcome', async () => {
      const before = newTab({}, {});
      await before.client.initialize();
      await before.client.login();
      const q = new URL(before.platform.assigned[0]).searchParams;
      const forged = await server.idToken({ nonce: 'not-the-login-nonce' });
      const code = server.issueCode({ status: 200, json: { access_token: 'evil', token_type: 'Bearer', id_token: forged } });
      const tab = newTab({}, { url: `${APP_ORIGIN}/callback?code=${code}&state=${q.get('state')}` });

      await tab.client.initialize();

      expect(tab.recorder.state.session).toBeNull();
      expect(tab.recorder.state.error?.code).toBe('nonce_mismatch');
      expect(tab.recorder.events).toEqual([{ type: 'login_failed', error: tab.recorder.state.error! }]);
      expect(tab.recorder.state.loginOutcome).toEqual({ type: 'login_failed', error: tab.recorder.state.error! });
      expect(persisted(tab)).toBeNull();
      expect(tab.platform.replaced).toEqual(['/callback', '/']);
      expect(tab.platform.timers!.pending).toEqual([]);
      expect(await tab.client.getAccessToken()).toBeNull();
    });

    it('keeps the session found at start-up when the callback fails: the failed login installs nothing', async () => {
      const storage = new MemoryStorage();
      saveSession(storage, SCOPE, await aliceSession());
      const before = newTab({}, {});
      await before.client.initialize();
      await before.client.login();
      const q = new URL(before.platform.assigned[0]).searchParams;
      const forged = await server.idToken({ nonce: 'not-the-login-nonce' });
      const code = server.issueCode({ status: 200, json: { access_token: 'evil', token_type: 'Bearer', id_token: forged } });
      const tab = newTab({ storage }, { url: `${APP_ORIGIN}/callback?code=${code}&state=${q.get('state')}` });

      await tab.client.initialize();

      expect(tab.recorder.state.error?.code).toBe('nonce_mismatch');
      expect(tab.recorder.types).toEqual(['login_failed']);
      expect(tokens(tab).accessToken).toBe('access-token-0');
      expect(persisted(tab)?.tokens.accessToken).toBe('access-token-0');
      expect(await tab.client.getAccessToken()).toBe('access-token-0');
    });

    // RFC 6749 §10.12: anyone can send a user to the redirect URI; a response that matches no
    // login of this browser must not cost the user their session (issue 11, item 1).
    for (const [title, query] of [
      ['a code and a state no login sent', 'code=x&state=y'],
      ['a state alone', 'state=y'],
      ['an error without state', 'error=access_denied&error_description=Your%20account%20is%20locked'],
      ['an error with a state no login sent', 'error=access_denied&error_description=Your%20account%20is%20locked&state=y'],
    ]) {
      it(`keeps the session on a crafted link with ${title}: state_mismatch, address bar cleaned, nothing of its text shown`, async () => {
        const storage = new MemoryStorage();
        saveSession(storage, SCOPE, await aliceSession());
        const hub = new TabHub();
        const other = newTab({ storage }, { url: `${APP_ORIGIN}/orders`, hub });
        await other.client.initialize();
        const tab = newTab({ storage }, { url: `${APP_ORIGIN}/callback?${query}`, hub });

        await tab.client.initialize();
        await hub.flush();

        expect(tab.recorder.state.error?.code).toBe('state_mismatch');
        expect(tab.recorder.state.error?.message).not.toContain('locked');
        expect(tab.recorder.types).toEqual(['login_failed']);
        expect(tab.platform.replaced).toEqual(['/callback', '/']);
        expect(tokens(tab).accessToken).toBe('access-token-0');
        expect(persisted(tab)?.tokens.accessToken).toBe('access-token-0');
        expect(tab.platform.timers!.pending.map((t) => t.dueAt)).toEqual([NOW + HOUR - LEAD]);
        expect(tokens(other).accessToken).toBe('access-token-0');
        expect(other.recorder.types).toEqual([]);
        expect(hub.posted).toEqual([]);
        expect(provider.requestsTo(DISCOVERY.token_endpoint!)).toEqual([]);
      });
    }

    it('keeps the outcome of a completed callback on loginOutcome, appState included', async () => {
      const appState = { step: 3 };
      const before = newTab({ storage: 'memory' });
      await before.client.initialize();
      await before.client.login({ appState });
      const q = new URL(before.platform.assigned[0]).searchParams;
      const code = server.issueCode({
        status: 200,
        json: { access_token: 'access-token-0', token_type: 'Bearer', expires_in: 3600, id_token: await server.idToken({ nonce: q.get('nonce')! }) },
      });
      const tab = newTab({ storage: 'memory' }, { url: `${APP_ORIGIN}/callback?code=${code}&state=${q.get('state')}` });

      await tab.client.initialize();

      expect(tab.recorder.state.loginOutcome).toEqual({ type: 'login_completed', appState });
    });
  });

  it('peeks at a fresh cached token without waiting or renewing, and only after start-up', async () => {
    const storage = new MemoryStorage();
    saveSession(storage, SCOPE, await aliceSession());
    // The discovery document an earlier page cached: the provider's endpoints are known at once.
    sessionStorage.setItem(`ngx-oidc.metadata.${DISCOVERY.issuer}`, JSON.stringify({ authority: DISCOVERY.issuer, discovery: DISCOVERY, fetchedAt: NOW }));
    const tab = newTab({ storage });
    expect(tab.client.peekAccessToken()).toBeUndefined();
    await tab.client.initialize();
    expect(tab.client.peekAccessToken()).toBe('access-token-0');
    expect(tab.client.peekAccessToken({ audience: 'https://other.example.com' })).toBeUndefined();
    clock.advance(3600_000);
    expect(tab.client.peekAccessToken()).toBeUndefined();
    expect(provider.requests).toEqual([]);
  });

  it('refuses to look for an access token with responseType id_token, which never has one', async () => {
    const tab = await restored({ session: { accessToken: undefined }, config: { responseType: 'id_token' } });

    const err: unknown = await tab.client.getAccessToken().catch((e: unknown) => e);

    // Misuse of the API: a TypeError, not an AuthError of the session.
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toContain('responseType');
    expect(provider.requests).toEqual([]);
  });

  it('answers renewal_unavailable for another audience nothing can get without the user, and keeps the session', async () => {
    const tab = await restored({ session: { refreshToken: undefined } });

    const err = await rejectionOf(tab.client.getAccessToken({ audience: MGMT }));

    expect(err.code).toBe('renewal_unavailable');
    expect(tab.recorder.state.session).not.toBeNull();
    expect(tab.recorder.types).toEqual(['renew_failed']);
    expect(provider.requests).toEqual([]);
  });

  it('throws a TypeError for a login() state too short, storing nothing and leaving error alone', async () => {
    const tab = newTab({});
    await tab.client.initialize();

    const err: unknown = await tab.client.login({ state: 'x' }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(TypeError);
    expect(tab.platform.assigned).toEqual([]);
    expect(tab.recorder.state.error ?? null).toBeNull();
    expect(Object.keys(sessionStorage).filter((k) => k.startsWith('ngx-oidc.tx'))).toEqual([]);
  });

  describe('getAccessToken with a refresh token', () => {
    it('returns the cached token without any request while it is fresh', async () => {
      const tab = await restored();
      clock.now = NOW + HOUR - LEAD - 1;

      expect(await tab.client.getAccessToken()).toBe('access-token-0');
      expect(await tab.client.getAccessToken({ scope: 'profile' })).toBe('access-token-0');
      expect(provider.requests.length).toBe(0);
    });

    it('refreshes a stale token with one POST, stores the rotated refresh token and emits token_renewed', async () => {
      const tab = await restored();
      makeStale();

      expect(await tab.client.getAccessToken()).toBe('access-token-1');

      const refreshes = server.refreshRequests();
      expect(provider.requestsTo(TOKEN_ENDPOINT).length).toBe(1);
      expect(refreshes[0].get('refresh_token')).toBe('refresh-token-0');
      expect(refreshes[0].get('client_id')).toBe(CLIENT_ID);
      expect(refreshes[0].has('scope')).toBeFalse();
      expect(tokens(tab).accessToken).toBe('access-token-1');
      expect(tokens(tab).refreshToken).toBe('refresh-token-1');
      expect(tokens(tab).expiresAt).toBe(clock.now + HOUR);
      expect(persisted(tab)?.tokens.refreshToken).toBe('refresh-token-1');
      expect(persisted(tab)?.tokens.accessToken).toBe('access-token-1');
      expect(tab.recorder.events).toEqual([{ type: 'token_renewed', audience: API, scope: undefined }]);
    });

    it('uses the rotated refresh token for the next renewal', async () => {
      const tab = await restored();
      makeStale();
      await tab.client.getAccessToken();
      clock.advance(HOUR);

      expect(await tab.client.getAccessToken()).toBe('access-token-2');

      expect(server.refreshRequests().map((b) => b.get('refresh_token'))).toEqual(['refresh-token-0', 'refresh-token-1']);
      expect(tokens(tab).refreshToken).toBe('refresh-token-2');
    });

    it('keeps the refresh token when the provider does not rotate it', async () => {
      const tab = await restored();
      server.onRefresh = () => ({ status: 200, json: { access_token: 'access-token-x', token_type: 'Bearer', expires_in: 3600 } });
      makeStale();

      await tab.client.getAccessToken();

      expect(tokens(tab).refreshToken).toBe('refresh-token-0');
    });

    it('returns null without any request when nobody is logged in', async () => {
      const tab = await restored({ session: null });

      expect(await tab.client.getAccessToken()).toBeNull();
      expect(await tab.client.getAccessToken({ forceRefresh: true })).toBeNull();
      expect(provider.requests.length).toBe(0);
    });

    it('shares one refresh among 20 concurrent forced renewals', async () => {
      const tab = await restored();

      const results = await Promise.all(Array.from({ length: 20 }, () => tab.client.getAccessToken({ forceRefresh: true })));

      expect(provider.requestsTo(TOKEN_ENDPOINT).length).toBe(1);
      expect(new Set(results)).toEqual(new Set(['access-token-1']));
      expect(tab.recorder.types.filter((t) => t === 'token_renewed').length).toBe(1);
    });

    it('renews again on a later forced renewal', async () => {
      const tab = await restored();
      await tab.client.getAccessToken({ forceRefresh: true });

      expect(await tab.client.getAccessToken({ forceRefresh: true })).toBe('access-token-2');
      expect(server.refreshRequests().length).toBe(2);
    });

    it('ends the session on invalid_grant: login_required, session_expired, error set, then null without requests', async () => {
      const tab = await restored();
      server.onRefresh = () => server.error('invalid_grant');
      makeStale();

      const err = await rejectionOf(tab.client.getAccessToken());

      expect(err.code).toBe('login_required');
      expect(err.details.error).toBe('invalid_grant');
      expect(tab.recorder.state.session).toBeNull();
      expect(tab.recorder.patches).toContain(jasmine.objectContaining({ session: null }));
      expect(tab.recorder.types).toEqual(['renew_failed', 'session_expired']);
      expect(tab.recorder.state.error).toBe(err);
      expect(persisted(tab)).toBeNull();
      expect(tab.platform.timers!.pending).toEqual([]);

      provider.requests.length = 0;
      expect(await tab.client.getAccessToken()).toBeNull();
      expect(provider.requests.length).toBe(0);
    });

    it('keeps the session when the refresh fails for a passing reason (network error)', async () => {
      const tab = await restored();
      server.onRefresh = () => 'network-error';
      makeStale();

      const err = await rejectionOf(tab.client.getAccessToken());

      expect(err.code).toBe('network_error');
      expect(provider.requestsTo(TOKEN_ENDPOINT).length).toBe(1);
      expect(tokens(tab).refreshToken).toBe('refresh-token-0');
      expect(tab.recorder.types).toEqual(['renew_failed']);
    });

    it('does not bring a logged-out session back when a refresh in flight completes', async () => {
      const tab = await restored();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let reached!: () => void;
      const atTokenEndpoint = new Promise<void>((resolve) => (reached = resolve));
      tab.platform.beforeFetch = (url) => {
        if (url !== TOKEN_ENDPOINT) return undefined;
        reached();
        return held;
      };
      const renewal = tab.client.getAccessToken({ forceRefresh: true }).catch((e: unknown) => e);
      await atTokenEndpoint;

      await tab.client.logout({ localOnly: true });
      release();

      expect((await renewal) as AuthError).toEqual(jasmine.objectContaining({ code: 'session_ended' }));
      expect(tab.recorder.state.session).toBeNull();
      expect(tab.recorder.state.error).toBeNull();
      expect(tab.recorder.types).toEqual(['logged_out', 'renew_failed']);
      expect(persisted(tab)).toBeNull();
      expect(await tab.client.getAccessToken()).toBeNull();
      expect(tab.platform.timers!.pending).toEqual([]);
    });
  });

  describe('another audience', () => {
    it('refreshes with the audience and scope, caches the token apart and leaves the login token untouched', async () => {
      const tab = await restored();

      expect(await tab.client.getAccessToken({ audience: MGMT, scope: 'read:current_user' })).toBe('access-token-1');

      const [body] = server.refreshRequests();
      expect(body.get('audience')).toBe(MGMT);
      expect(body.get('scope')).toBe('read:current_user');
      expect(body.get('refresh_token')).toBe('refresh-token-0');
      expect(tokens(tab).accessToken).toBe('access-token-0');
      expect(tokens(tab).audience).toBe(API);
      expect(tokens(tab).refreshToken).toBe('refresh-token-1');
      expect(tab.recorder.events).toEqual([{ type: 'token_renewed', audience: MGMT, scope: 'read:current_user' }]);
      expect(persisted(tab)?.extra?.map((e) => [e.audience, e.requestedScope, e.accessToken])).toEqual([[MGMT, 'read:current_user', 'access-token-1']]);

      provider.requests.length = 0;
      expect(await tab.client.getAccessToken({ audience: MGMT, scope: 'read:current_user' })).toBe('access-token-1');
      expect(await tab.client.getAccessToken({ audience: MGMT })).toBe('access-token-1');
      expect(await tab.client.getAccessToken()).toBe('access-token-0');
      expect(provider.requests.length).toBe(0);
    });

    it('renews the login token, without narrowing it, for a scope the login covers', async () => {
      const tab = await restored();

      expect(await tab.client.getAccessToken({ scope: 'profile', forceRefresh: true })).toBe('access-token-1');

      const [body] = server.refreshRequests();
      expect(body.has('scope')).toBeFalse();
      expect(tokens(tab).accessToken).toBe('access-token-1');
      expect(persisted(tab)?.extra ?? []).toEqual([]);
    });

    it('keeps a token for a scope beyond the login apart, for the same audience', async () => {
      const tab = await restored();

      expect(await tab.client.getAccessToken({ scope: 'write:orders' })).toBe('access-token-1');

      const [body] = server.refreshRequests();
      expect(body.get('scope')).toBe('write:orders');
      expect(body.get('audience')).toBe(API);
      expect(tokens(tab).accessToken).toBe('access-token-0');
      expect(await tab.client.getAccessToken()).toBe('access-token-0');
      expect(await tab.client.getAccessToken({ scope: 'write:orders' })).toBe('access-token-1');
      expect(server.refreshRequests().length).toBe(1);
    });

    it('sends the audience as "resource" when audienceParameter is resource', async () => {
      const tab = await restored({ config: { audienceParameter: 'resource' } });

      await tab.client.getAccessToken({ audience: MGMT, scope: 'read:current_user' });

      const [body] = server.refreshRequests();
      expect(body.get('resource')).toBe(MGMT);
      expect(body.has('audience')).toBeFalse();
    });

    it('renews the other audience token when it goes stale, with the rotated refresh token', async () => {
      const tab = await restored();
      await tab.client.getAccessToken({ audience: MGMT, scope: 'read:current_user' });
      clock.advance(HOUR);

      expect(await tab.client.getAccessToken({ audience: MGMT, scope: 'read:current_user' })).toBe('access-token-2');
      expect(server.refreshRequests().map((b) => b.get('refresh_token'))).toEqual(['refresh-token-0', 'refresh-token-1']);
      expect(persisted(tab)?.extra?.length).toBe(1);
    });

    it('falls back to silent authentication when the refresh grant refuses the audience (invalid_target)', async () => {
      const tab = await restored({ config: { silentRedirectUri: SILENT_URI }, platform: { frames: true } });
      server.onRefresh = () => server.error('invalid_target');
      tab.platform.frameScript = server.silentSuccess();

      expect(await tab.client.getAccessToken({ audience: MGMT, scope: 'read:current_user' })).toBe('silent-access-token-1');

      expect(server.refreshRequests().length).toBe(1);
      expect(tab.platform.frames.length).toBe(1);
      const q = new URL(tab.platform.frames[0].url).searchParams;
      expect(q.get('prompt')).toBe('none');
      expect(q.get('redirect_uri')).toBe(SILENT_URI);
      expect(q.get('audience')).toBe(MGMT);
      expect(q.get('scope')!.split(' ')).toContain('read:current_user');
      expect(tokens(tab).accessToken).toBe('access-token-0');
      expect(tokens(tab).refreshToken).toBe('refresh-token-0');

      provider.requests.length = 0;
      expect(await tab.client.getAccessToken({ audience: MGMT, scope: 'read:current_user' })).toBe('silent-access-token-1');
      expect(provider.requests.length).toBe(0);
    });

    it('asks for openid in the silent fallback: prompt=none is an OpenID Connect request that must return an ID token', async () => {
      const tab = await restored({ config: { silentRedirectUri: SILENT_URI }, platform: { frames: true } });
      server.onRefresh = () => server.error('invalid_target');
      tab.platform.frameScript = server.silentSuccess();

      await tab.client.getAccessToken({ audience: MGMT, scope: 'read:current_user' });

      expect(new URL(tab.platform.frames[0].url).searchParams.get('scope')!.split(' ')).toContain('openid');
    });

    it('fails with token_request_failed when the audience is refused and silent authentication is not configured', async () => {
      const tab = await restored();
      server.onRefresh = () => server.error('invalid_target');

      const err = await rejectionOf(tab.client.getAccessToken({ audience: MGMT, scope: 'read:current_user' }));

      expect(err.code).toBe('token_request_failed');
      expect(err.details.error).toBe('invalid_target');
      expect(tab.platform.frames).toEqual([]);
      expect(tokens(tab).accessToken).toBe('access-token-0');
      expect(tab.recorder.types).toEqual(['renew_failed']);
    });

    it('fails with token_request_failed without a frame when silentRedirectUri is set but the platform cannot frame', async () => {
      const tab = await restored({ config: { silentRedirectUri: SILENT_URI } });
      server.onRefresh = () => server.error('invalid_target');

      const err = await rejectionOf(tab.client.getAccessToken({ audience: MGMT, scope: 'read:current_user' }));

      expect(err.code).toBe('token_request_failed');
      expect(tab.recorder.state.session).not.toBeNull();
    });
  });

  describe('silent renewal (no refresh token)', () => {
    function silentTab(): Promise<Tab> {
      return restored({ session: { refreshToken: undefined }, config: { silentRedirectUri: SILENT_URI }, platform: { frames: true } });
    }

    it('renews through the frame: new access token, same user, no refresh request', async () => {
      const tab = await silentTab();
      tab.platform.frameScript = server.silentSuccess({ name: 'Alice Liddell' });
      makeStale();

      expect(await tab.client.getAccessToken()).toBe('silent-access-token-1');

      expect(tab.platform.frames.length).toBe(1);
      expect(tab.platform.frames[0].timeoutMs).toBe(10_000);
      const q = new URL(tab.platform.frames[0].url).searchParams;
      expect(q.get('prompt')).toBe('none');
      expect(q.get('redirect_uri')).toBe(SILENT_URI);
      expect(q.get('audience')).toBe(API);
      expect(server.refreshRequests()).toEqual([]);
      expect(tokens(tab).accessToken).toBe('silent-access-token-1');
      expect(tokens(tab).claims.sub).toBe('alice');
      expect(tokens(tab).refreshToken).toBeUndefined();
      expect(tab.recorder.state.session?.user['name']).toBe('Alice Liddell');
      expect(persisted(tab)?.tokens.accessToken).toBe('silent-access-token-1');
      expect(tab.recorder.types).toEqual(['token_renewed']);
    });

    it("sends the session's ID token as id_token_hint with prompt=none (OIDC Core 1.0 §3.1.2.1)", async () => {
      const tab = await silentTab();
      const hints = [tokens(tab).idToken];
      tab.platform.frameScript = server.silentSuccess();
      makeStale();

      await tab.client.getAccessToken();
      // The renewal brought a new ID token; the next silent request (another audience) sends it.
      hints.push(tokens(tab).idToken);
      await tab.client.getAccessToken({ audience: MGMT, scope: 'read:current_user' });

      expect(hints[1]).not.toBe(hints[0]);
      expect(tab.platform.frames.length).toBe(2);
      tab.platform.frames.forEach((frame, i) => {
        const q = new URL(frame.url).searchParams;
        expect(q.get('prompt')).toBe('none');
        expect(q.get('id_token_hint')).withContext(`frame ${i}`).toBe(hints[i]);
      });
    });

    it('ends the session when the frame returns another user', async () => {
      const tab = await silentTab();
      tab.platform.frameScript = server.silentSuccess({ sub: 'mallory' });
      makeStale();

      const err = await rejectionOf(tab.client.getAccessToken());

      expect(err.code).toBe('user_changed');
      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'sub', expected: 'alice', actual: 'mallory' }));
      expect(tab.recorder.state.session).toBeNull();
      expect(tab.recorder.types).toEqual(['renew_failed', 'session_expired']);
      expect(persisted(tab)).toBeNull();
    });

    it('ends the session when the provider answers login_required', async () => {
      const tab = await silentTab();
      tab.platform.frameScript = server.silentError('login_required');
      makeStale();

      const err = await rejectionOf(tab.client.getAccessToken());

      expect(err.code).toBe('login_required');
      expect(tab.recorder.state.session).toBeNull();
      expect(tab.recorder.state.error?.code).toBe('login_required');
      expect(tab.recorder.types).toEqual(['renew_failed', 'session_expired']);
    });

    it('ends the session when the provider answers consent_required', async () => {
      const tab = await silentTab();
      tab.platform.frameScript = server.silentError('consent_required');
      makeStale();

      expect((await rejectionOf(tab.client.getAccessToken())).code).toBe('consent_required');
      expect(tab.recorder.state.session).toBeNull();
      expect(tab.recorder.types).toEqual(['renew_failed', 'session_expired']);
    });

    it('keeps the session when the frame times out, so a later renewal can succeed', async () => {
      const tab = await silentTab();
      makeStale();

      const renewal = tab.client.getAccessToken();
      // The frame's own timer (silentTimeoutSeconds) fires: no answer.
      await until(() => tab.platform.timers!.pending.some((t) => t.ms === 10_000));
      tab.platform.timers!.pending.find((t) => t.ms === 10_000)!.fn();
      const err = await rejectionOf(renewal);

      expect(err.code).toBe('timeout');
      expect(tab.recorder.state.session).not.toBeNull();
      expect(tab.recorder.types).toEqual(['renew_failed']);

      tab.platform.frameScript = server.silentSuccess();
      expect(await tab.client.getAccessToken()).toBe('silent-access-token-1');
    });
  });

  describe('session end at expiry', () => {
    /** What the listener held when each event came: the event, the error code, whether a session was left. */
    function stateAtEvents(tab: Tab): [string, string | undefined, boolean][] {
      const seen: [string, string | undefined, boolean][] = [];
      const event = tab.recorder.event.bind(tab.recorder);
      tab.recorder.event = (e) => {
        seen.push([e.type, tab.recorder.state.error?.code, tab.recorder.state.session !== null]);
        event(e);
      };
      return seen;
    }

    /** The session is gone everywhere: state, storage, timers; no token is handed out. */
    async function expectEnded(tab: Tab): Promise<void> {
      expect(tab.recorder.state.session).toBeNull();
      expect(persisted(tab)).toBeNull();
      expect(tab.platform.timers!.pending).toEqual([]);
      const before = provider.requests.length;
      expect(await tab.client.getAccessToken()).toBeNull();
      expect(tab.client.peekAccessToken()).toBeUndefined();
      expect(provider.requests.length).toBe(before);
    }

    it('no refresh token, no silent authentication: the timer ends it at expiry with session_expired, error first', async () => {
      const tab = await restored({ session: { refreshToken: undefined } });
      const seen = stateAtEvents(tab);

      expect(tab.platform.timers!.pending.map((t) => t.dueAt)).toEqual([NOW + HOUR]);
      tab.platform.timers!.fireNext();

      expect(seen).toEqual([['session_expired', 'session_expired', false]]);
      const error = tab.recorder.state.error!;
      expect(error.code).toBe('session_expired');
      // Development mode says why nothing could renew it.
      expect(error.message).toContain('The access token expired and nothing can renew it');
      expect(error.message).toContain('the provider issued none for offline_access');
      expect(error.message).toContain('silentRedirectUri');
      expect(provider.requests.length).toBe(0);
      await expectEnded(tab);
    });

    it('says the scope has no offline_access when the login did not ask for it', async () => {
      const tab = await restored({ session: { refreshToken: undefined, requestedScope: 'openid profile' } });

      tab.platform.timers!.fireNext();

      expect(tab.recorder.state.error?.message).toContain('the scope has no offline_access');
    });

    it('ends it the same way when the token is asked for after expiry, before the timer ran (no renew_failed: nothing was tried)', async () => {
      const tab = await restored({ session: { refreshToken: undefined } });
      const seen = stateAtEvents(tab);
      clock.now = NOW + HOUR + 1000; // a throttled tab: the timer is late

      const err = await rejectionOf(tab.client.getAccessToken());

      expect(err.code).toBe('session_expired');
      expect(tab.recorder.state.error).toBe(err);
      expect(seen).toEqual([['session_expired', 'session_expired', false]]);
      expect(provider.requests.length).toBe(0);
      await expectEnded(tab);
    });

    it('an API refusing the token (401) when nothing can renew it ends the session the same way, before expiry', async () => {
      const tab = await restored({ session: { refreshToken: undefined } });

      const err = await rejectionOf(tab.client.renewAfterRejection('access-token-0', {}));

      expect(err.code).toBe('session_expired');
      expect(err.message).toContain('The access token had to be renewed');
      expect(tab.recorder.types).toEqual(['session_expired']);
      await expectEnded(tab);
    });

    it('a refresh the provider refuses for good (invalid_grant) on the timer: renew_failed, then session_expired with login_required set', async () => {
      const tab = await restored();
      server.onRefresh = () => server.error('invalid_grant');
      const seen = stateAtEvents(tab);

      const ended = tab.recorder.nextEvent('session_expired');
      tab.platform.timers!.fireNext();
      await ended;

      expect(seen).toEqual([
        ['renew_failed', undefined, true],
        ['session_expired', 'login_required', false],
      ]);
      expect(tab.recorder.state.error?.details.error).toBe('invalid_grant');
      await expectEnded(tab);
    });

    it('a silent renewal that fails on the timer (timeout): the session lasts until expiry, then ends with session_expired naming the failure', async () => {
      const tab = await restored({ session: { refreshToken: undefined }, config: { silentRedirectUri: SILENT_URI }, platform: { frames: true } });
      const timers = tab.platform.timers!;
      const seen = stateAtEvents(tab);

      // The renewal a minute before expiry, then its retries after 5 s, 10 s and 20 s (#11
      // item 9; the next wait, 40 s, would end past expiry) all time out.
      const due: number[] = [];
      while (timers.pending[0].dueAt < NOW + HOUR) {
        const failed = tab.recorder.nextEvent('renew_failed');
        due.push(timers.fireNext().dueAt);
        // The frame's own timer (silentTimeoutSeconds) fires: no answer.
        await until(() => timers.pending.some((t) => t.ms === 10_000));
        const frame = timers.pending.find((t) => t.ms === 10_000)!;
        frame.fired = true;
        frame.fn();
        await failed;
        await until(() => timers.pending.length === 1);
      }
      expect(due).toEqual([60, 55, 45, 25].map((s) => NOW + HOUR - s * 1000));

      // Still usable until it expires; the end is armed at expiry.
      expect(tab.recorder.state.session).not.toBeNull();
      expect(tab.recorder.state.error).toBeNull();
      expect(timers.pending.map((t) => t.dueAt)).toEqual([NOW + HOUR]);

      timers.fireNext();

      expect(seen).toEqual([
        ...Array(4).fill(['renew_failed', undefined, true]),
        ['session_expired', 'session_expired', false],
      ]);
      const error = tab.recorder.state.error!;
      expect((error.details.cause as AuthError).code).toBe('timeout');
      expect(error.message).toContain('its renewal failed (timeout');
      await expectEnded(tab);
    });

    it('a silent renewal that fails on the timer, then succeeds on demand before expiry: no session_expired', async () => {
      const tab = await restored({ session: { refreshToken: undefined }, config: { silentRedirectUri: SILENT_URI }, platform: { frames: true } });
      const timers = tab.platform.timers!;
      tab.platform.frameScript = server.silentError('temporarily_unavailable');
      const failed = tab.recorder.nextEvent('renew_failed');
      timers.fireNext();
      await failed;
      await until(() => timers.pending.length === 1);

      tab.platform.frameScript = server.silentSuccess();
      expect(await tab.client.getAccessToken()).toBe('silent-access-token-1');

      // The retry (#11 item 9) gave way to the renewal of the new token.
      expect(timers.pending.map((t) => t.dueAt)).toEqual([clock.now + HOUR - LEAD]);
      expect(tab.recorder.types).toEqual(['renew_failed', 'token_renewed']);
      expect(tab.recorder.state.error).toBeNull();
    });

    it('a refresh that fails on the timer for a passing reason keeps the session: the refresh token renews on demand', async () => {
      const tab = await restored();
      server.onRefresh = () => 'network-error';
      const failed = tab.recorder.nextEvent('renew_failed');
      tab.platform.timers!.fireNext();
      await failed;
      await tick();

      // Retried 5 s later (#11 item 9: backoff, never past expiry).
      expect(tab.platform.timers!.pending.map((t) => t.dueAt)).toEqual([clock.now + 5000]);
      clock.now = NOW + HOUR + 1000;
      server.onRefresh = () => server.rotation(1);
      expect(await tab.client.getAccessToken()).toBe('access-token-1');
      expect(tab.recorder.types).toEqual(['renew_failed', 'token_renewed']);
    });

    it('renewal available: the token is renewed at the timer, and the session never expires', async () => {
      const tab = await restored({ session: { expiresAt: NOW + 10_000 } });
      const timers = tab.platform.timers!;

      for (let i = 1; i <= 3; i++) {
        const renewed = tab.recorder.nextEvent('token_renewed', 'renew_failed', 'session_expired');
        timers.fireNext();
        expect((await renewed).type).toBe('token_renewed');
        await tick();
      }
      clock.now += 2 * HOUR;
      expect(await tab.client.getAccessToken()).toBe('access-token-4');

      expect(tab.recorder.types).toEqual(['token_renewed', 'token_renewed', 'token_renewed', 'token_renewed']);
      expect(tab.recorder.state.error).toBeNull();
      expect(persisted(tab)?.tokens.accessToken).toBe('access-token-4');
    });
  });

  describe('renewal timer', () => {
    it('serves the token until it expires when nothing can renew it', async () => {
      const tab = await restored({ session: { refreshToken: undefined } });
      clock.now = NOW + HOUR - 1000;

      expect(await tab.client.getAccessToken()).toBe('access-token-0');
      expect(tab.recorder.state.session).not.toBeNull();
      expect(tab.recorder.types).toEqual([]);
    });

    it('renews ahead of expiry with one refresh and re-arms for the new token', async () => {
      const tab = await restored();
      const timers = tab.platform.timers!;

      const renewed = tab.recorder.nextEvent('token_renewed', 'renew_failed');
      expect(timers.fireNext().dueAt).toBe(NOW + HOUR - LEAD);
      expect((await renewed).type).toBe('token_renewed');
      await tick();

      expect(server.refreshRequests().length).toBe(1);
      expect(tokens(tab).accessToken).toBe('access-token-1');
      expect(timers.pending.map((t) => t.dueAt)).toEqual([clock.now + HOUR - LEAD]);

      const again = tab.recorder.nextEvent('token_renewed', 'renew_failed');
      timers.fireNext();
      expect((await again).type).toBe('token_renewed');
      expect(server.refreshRequests().map((b) => b.get('refresh_token'))).toEqual(['refresh-token-0', 'refresh-token-1']);
    });

    it('renews a short-lived token at half its lifetime', async () => {
      const tab = await restored({ session: { expiresAt: NOW + 10_000 } });

      expect(tab.platform.timers!.pending.map((t) => t.dueAt)).toEqual([NOW + 5_000]);
    });

    it('renews silently on the timer when there is no refresh token', async () => {
      const tab = await restored({ session: { refreshToken: undefined }, config: { silentRedirectUri: SILENT_URI }, platform: { frames: true } });
      tab.platform.frameScript = server.silentSuccess();

      const renewed = tab.recorder.nextEvent('token_renewed', 'renew_failed');
      expect(tab.platform.timers!.fireNext().dueAt).toBe(NOW + HOUR - LEAD);
      expect((await renewed).type).toBe('token_renewed');

      expect(tokens(tab).accessToken).toBe('silent-access-token-1');
    });

    it('with autoRenew: false arms no timer, yet getAccessToken still renews on demand', async () => {
      const tab = await restored({ config: { autoRenew: false } });

      expect(tab.platform.timers!.pending).toEqual([]);
      makeStale();
      expect(await tab.client.getAccessToken()).toBe('access-token-1');
      expect(server.refreshRequests().length).toBe(1);
      expect(tab.platform.timers!.pending).toEqual([]);
    });

    it('destroy() cancels the timer', async () => {
      const tab = await restored();
      const [timer] = tab.platform.timers!.pending;

      tab.client.destroy();

      expect(timer.cancelled).toBeTrue();
      expect(tab.platform.timers!.pending).toEqual([]);
    });

    it('waits in steps for a token living longer than setTimeout can wait (~24.8 days)', async () => {
      const MAX_TIMEOUT = 2 ** 31 - 1;
      const tab = await restored({ session: { expiresAt: NOW + 30 * 24 * HOUR } });
      const timers = tab.platform.timers!;

      expect(timers.pending.length).toBe(1);
      expect(timers.pending[0].ms).toBeLessThanOrEqual(MAX_TIMEOUT);
      timers.fireNext();
      await tick();

      expect(server.refreshRequests().length).toBe(0);
      expect(tab.recorder.types).toEqual([]);
      expect(timers.pending.map((t) => t.dueAt)).toEqual([NOW + 30 * 24 * HOUR - LEAD]);
    });

    it('never hands setTimeout a delay it would overflow when the platform has no timers', async () => {
      const delays: number[] = [];
      const realSetTimeout = window.setTimeout.bind(window);
      spyOn(window, 'setTimeout').and.callFake(((fn: () => void, ms?: number) => {
        delays.push(ms ?? 0);
        // Run only short timers for real; a long one is recorded, not armed.
        return ms !== undefined && ms > 60_000 ? 0 : realSetTimeout(fn, ms);
      }) as typeof window.setTimeout);
      await restored({ session: { expiresAt: NOW + 30 * 24 * HOUR }, platform: { timers: false } });

      expect(delays.some((ms) => ms > 60_000)).toBeTrue();
      expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
    });
  });

  describe('renewAfterRejection', () => {
    it('renews once for 20 requests rejected with the same token', async () => {
      const tab = await restored();

      const results = await Promise.all(Array.from({ length: 20 }, () => tab.client.renewAfterRejection('access-token-0', {})));

      expect(provider.requestsTo(TOKEN_ENDPOINT).length).toBe(1);
      expect(new Set(results)).toEqual(new Set(['access-token-1']));
    });

    it('returns the current token without any request when it already differs from the rejected one', async () => {
      const tab = await restored();

      expect(await tab.client.renewAfterRejection('an-older-token', {})).toBe('access-token-0');
      expect(provider.requests.length).toBe(0);
    });

    it('does not renew twice when a request fails with the token renewed a moment ago', async () => {
      const tab = await restored();
      await tab.client.renewAfterRejection('access-token-0', {});

      expect(await tab.client.renewAfterRejection('access-token-0', {})).toBe('access-token-1');
      expect(server.refreshRequests().length).toBe(1);
    });

    it('returns null when nobody is logged in', async () => {
      const tab = await restored({ session: null });

      expect(await tab.client.renewAfterRejection('access-token-0', {})).toBeNull();
      expect(provider.requests.length).toBe(0);
    });
  });

  describe('refreshed ID token', () => {
    it('takes over a valid refreshed ID token for the same user', async () => {
      const tab = await restored();
      const idToken = await server.idToken({ name: 'Alice L.' });
      server.onRefresh = (_body, n) => server.rotation(n, { id_token: idToken });

      await tab.client.getAccessToken({ forceRefresh: true });

      expect(tokens(tab).idToken).toBe(idToken);
      expect(tokens(tab).claims['name']).toBe('Alice L.');
    });

    it('ends the session on a refreshed ID token for another user: nothing of that response is kept', async () => {
      const tab = await restored();
      const idToken = await server.idToken({ sub: 'mallory' });
      server.onRefresh = (_body, n) => server.rotation(n, { id_token: idToken });

      const err = await rejectionOf(tab.client.getAccessToken({ forceRefresh: true }));

      expect(err.code).toBe('invalid_response');
      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'sub', expected: 'alice', actual: 'mallory' }));
      // The provider has rotated the refresh token already and its answer cannot be trusted.
      expect(tab.recorder.types).toEqual(['renew_failed', 'session_expired']);
      expect(tab.recorder.state.session).toBeNull();
      expect(persisted(tab)).toBeNull();
      expect(tab.recorder.state.error?.code).toBe('invalid_response');
    });

    it('ends the session on a refreshed ID token carrying another nonce (nonce_mismatch)', async () => {
      const tab = await restored();
      const idToken = await server.idToken({ nonce: 'another-nonce' });
      server.onRefresh = (_body, n) => server.rotation(n, { id_token: idToken });

      const err = await rejectionOf(tab.client.getAccessToken({ forceRefresh: true }));

      expect(err.code).toBe('nonce_mismatch');
      expect(tab.recorder.state.session).toBeNull();
    });
  });

  describe('logout', () => {
    it('forgets the session, clears storage, emits logged_out and goes to the end-session endpoint', async () => {
      const tab = await restored();
      const idToken = tokens(tab).idToken;

      await tab.client.logout();

      expect(tab.recorder.state.session).toBeNull();
      expect(persisted(tab)).toBeNull();
      expect(tab.recorder.types).toEqual(['logged_out']);
      expect(tab.platform.timers!.pending).toEqual([]);
      expect(tab.platform.assigned.length).toBe(1);
      const url = new URL(tab.platform.assigned[0]);
      expect(url.origin + url.pathname).toBe(DISCOVERY.end_session_endpoint!);
      expect(url.searchParams.get('id_token_hint')).toBe(idToken);
      expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${APP_ORIGIN}/`);
    });

    it('stays in the app with localOnly', async () => {
      const tab = await restored();

      await tab.client.logout({ localOnly: true });

      expect(tab.recorder.state.session).toBeNull();
      expect(tab.platform.assigned).toEqual([]);
      // No request: discovery, read at start-up, says there is no revocation endpoint.
      expect(provider.requests).toEqual([]);
    });

    it('sends no request at all with localOnly when there is no refresh token to revoke', async () => {
      const tab = await restored({ session: { refreshToken: undefined } });

      await tab.client.logout({ localOnly: true });

      expect(tab.recorder.state.session).toBeNull();
      expect(provider.requests).toEqual([]);
    });

    it('sends a state and, back at post_logout_redirect_uri with it, only cleans the address bar', async () => {
      const tab = await restored();
      await tab.client.logout();
      const state = new URL(tab.platform.assigned[0]).searchParams.get('state')!;
      // RP-Initiated Logout 1.0 §2: an opaque value, as unguessable as a login's.
      expect(state).toMatch(/^[\w-]{43}$/);

      const back = newTab({}, { url: `${APP_ORIGIN}/?state=${state}` });
      await back.client.initialize();

      expect(back.platform.replaced).toEqual(['/']);
      expect(back.recorder.state.error).toBeNull();
      expect(back.recorder.types).toEqual([]);
      // Consumed: the same URL again is no longer recognised (and nothing else happens there).
      const again = newTab({}, { url: `${APP_ORIGIN}/?state=${state}` });
      await again.client.initialize();
      expect(again.platform.replaced).toEqual([]);
    });

    it('never takes the post-logout return for a login callback, even at the redirect URI', async () => {
      const config = { postLogoutRedirectUri: `${APP_ORIGIN}/callback` };
      const tab = await restored({ config });
      await tab.client.logout();
      const url = new URL(tab.platform.assigned[0]);
      expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${APP_ORIGIN}/callback`);
      provider.requests.length = 0;

      const back = newTab(config, { url: `${APP_ORIGIN}/callback?state=${url.searchParams.get('state')}&lang=de` });
      await back.client.initialize();

      expect(back.platform.replaced).toEqual(['/callback?lang=de']);
      expect(back.recorder.state.error).toBeNull();
      expect(back.recorder.types).toEqual([]);
      expect(provider.requests).toEqual([]);
    });

    it('still treats a state it did not send at the redirect URI as a callback', async () => {
      const tab = await restored();
      await tab.client.logout();

      const other = newTab({}, { url: `${APP_ORIGIN}/callback?state=${'x'.repeat(43)}` });
      await other.client.initialize();

      expect(other.recorder.state.error?.code).toBe('state_mismatch');
    });

    describe('refresh token revocation (RFC 7009)', () => {
      const REVOCATION = `${DISCOVERY.issuer}/token/revocation`;
      let revocations: URLSearchParams[];

      beforeEach(() => {
        provider.discovery = { ...DISCOVERY, revocation_endpoint: REVOCATION };
        revocations = [];
        provider.on(REVOCATION, (req) => {
          revocations.push(new URLSearchParams(req.body));
          return { status: 200, text: '' };
        });
      });

      it('revokes the refresh token with token_type_hint and client_id, then goes to the end-session endpoint', async () => {
        const tab = await restored();

        await tab.client.logout();

        expect(revocations.map((body) => Object.fromEntries(body))).toEqual([{ token: 'refresh-token-0', token_type_hint: 'refresh_token', client_id: CLIENT_ID }]);
        const revocation = provider.requestsTo(REVOCATION)[0];
        expect(revocation.method).toBe('POST');
        expect(revocation.body as unknown).toBeInstanceOf(URLSearchParams);
        expect(revocation.headers['authorization']).toBeUndefined();
        expect(tab.platform.assigned.length).toBe(1);
        expect(tab.recorder.types).toEqual(['logged_out']);
      });

      it('revokes with localOnly too', async () => {
        const tab = await restored();

        await tab.client.logout({ localOnly: true });

        expect(revocations.map((body) => body.get('token'))).toEqual(['refresh-token-0']);
        expect(tab.platform.assigned).toEqual([]);
      });

      it('revokes when the provider has no end_session_endpoint', async () => {
        provider.discovery = { ...provider.discovery, end_session_endpoint: undefined };
        const tab = await restored();

        await tab.client.logout();

        expect(revocations.map((body) => body.get('token'))).toEqual(['refresh-token-0']);
        expect(tab.platform.assigned).toEqual([]);
      });

      it('sends nothing without a refresh token, or when the provider advertises no revocation_endpoint', async () => {
        const noRefresh = await restored({ session: { refreshToken: undefined } });
        await noRefresh.client.logout({ localOnly: true });
        provider.discovery = DISCOVERY;
        const noEndpoint = await restored();
        await noEndpoint.client.logout({ localOnly: true });

        expect(provider.requestsTo(REVOCATION)).toEqual([]);
        expect(noEndpoint.recorder.types).toEqual(['logged_out']);
      });

      const failures: [string, FakeRoute, string, Record<string, unknown>][] = [
        ['refused (invalid_client)', () => ({ status: 400, json: { error: 'invalid_client' } }), 'token_request_failed', { status: 400, error: 'invalid_client' }],
        ['unavailable (503, no JSON)', () => ({ status: 503, text: 'down' }), 'token_request_failed', { status: 503 }],
        ['unreachable', () => 'network-error', 'network_error', {}],
      ];
      for (const [what, route, code, details] of failures) {
        it(`logs out anyway when the revocation is ${what}, reporting revoke_failed with ${code}`, async () => {
          provider.on(REVOCATION, route);
          const tab = await restored();

          await tab.client.logout();

          expect(tab.recorder.state.session).toBeNull();
          expect(persisted(tab)).toBeNull();
          expect(tab.recorder.types).toEqual(['logged_out', 'revoke_failed']);
          const event = tab.recorder.events[1] as { error: AuthError };
          expect(event.error.code).toBe(code);
          expect(event.error.details).toEqual(jasmine.objectContaining(details));
          // The provider's session still ends.
          expect(new URL(tab.platform.assigned[0]).origin + new URL(tab.platform.assigned[0]).pathname).toBe(DISCOVERY.end_session_endpoint!);
        });
      }

      it('logs out anyway when discovery fails at logout, reporting revoke_failed', async () => {
        provider.on(`${DISCOVERY.issuer}/.well-known/openid-configuration`, () => ({ status: 500, text: 'down' }));
        const tab = await restored();

        await tab.client.logout({ localOnly: true });

        expect(tab.recorder.state.session).toBeNull();
        expect(tab.recorder.types).toEqual(['logged_out', 'revoke_failed']);
      });
    });

    it("restores no session of the same client id at another issuer, and sends its token nowhere (staging vs production)", async () => {
      const storage = new MemoryStorage();
      const staging = { authority: 'https://staging.idp.example.com', clientId: CLIENT_ID };
      const session = await aliceSession();
      saveSession(storage, staging, { ...session, tokens: { ...session.tokens, claims: { ...session.tokens.claims, iss: staging.authority } } });
      // Also under this issuer's key, as an older version keyed by client id alone left it.
      saveSession(storage, SCOPE, { ...session, tokens: { ...session.tokens, claims: { ...session.tokens.claims, iss: staging.authority } } });
      const tab = newTab({ storage });
      await tab.client.initialize();

      expect(tab.recorder.state.session).toBeNull();
      expect(await tab.client.getAccessToken()).toBeNull();
      expect(storage.getItem(sessionKey(staging))).not.toBeNull();
      expect(storage.getItem(sessionKey(SCOPE))).toBeNull();
    });

    it('talks to the other tabs on a channel and lock named by issuer and client id', async () => {
      const hub = new TabHub();
      const lock = new SharedLock();
      const tab = await restored({ platform: { hub, lock } });
      const staging = newTab({ authority: 'https://staging.idp.example.com' }, { hub, lock });
      await staging.client.initialize();

      await tab.client.getAccessToken({ forceRefresh: true });
      await tab.client.logout({ localOnly: true });
      await hub.flush();

      expect(lock.granted).toEqual([`ngx-oidc:renew:${ISSUER} ${CLIENT_ID}`]);
      expect(new Set(hub.posted.map((p) => p.name))).toEqual(new Set([`ngx-oidc:${ISSUER} ${CLIENT_ID}`]));
      expect(staging.recorder.types).toEqual([]);
    });

    it('posts logout to the other tabs', async () => {
      const hub = new TabHub();
      const tab = await restored({ platform: { hub } });

      await tab.client.logout({ localOnly: true });

      // A session stored before login ids existed names no login.
      expect(hub.posted).toEqual([{ name: `ngx-oidc:${scopeName(SCOPE)}`, message: { type: 'logout', login: undefined } }]);
    });
  });

  describe('tabs', () => {
    let hub: TabHub;
    let lock: SharedLock;
    const CHANNEL = () => `ngx-oidc:${scopeName(SCOPE)}`;

    beforeEach(() => {
      hub = new TabHub();
      lock = new SharedLock();
    });

    /** Tab A logs in; tab B was open, logged out, on the same hub and lock, and adopts A's session. */
    async function twoTabs(config: Record<string, unknown> = {}): Promise<{ a: Tab; b: Tab }> {
      const b = newTab({ storage: 'memory', ...config }, { hub, lock });
      await b.client.initialize();
      const a = await loggedIn({ storage: 'memory', ...config }, { hub, lock });
      await until(() => b.recorder.state.session !== null && b.recorder.state.session !== undefined);
      provider.requests.length = 0;
      return { a, b };
    }

    /** The session messages posted so far, as sent. */
    function sessionMessages(): { session: StoredSession; holder?: boolean }[] {
      return hub.posted.map((p) => p.message as { type: string; session: StoredSession; holder?: boolean }).filter((m) => m.type === 'session');
    }

    it('hands a login in one tab to the other (session_synced), without the refresh token', async () => {
      const { a, b } = await twoTabs();

      expect(b.recorder.types).toEqual(['session_synced']);
      const { refreshToken, ...shared } = tokens(a);
      expect(refreshToken).toBe('refresh-token-0');
      expect(tokens(b)).toEqual({ ...shared, refreshToken: undefined });
      expect(await b.client.getAccessToken()).toBe('access-token-0');
      expect(provider.requests.length).toBe(0);
      // RFC 9700 §4.14: a script listening to the channel gets no refresh token.
      expect(JSON.stringify(hub.posted)).not.toContain('refresh-token');
      expect(sessionMessages().map((m) => m.holder)).toEqual([true]);
    });

    it('hands a renewal in one tab to the other', async () => {
      const { a, b } = await twoTabs();

      await a.client.getAccessToken({ forceRefresh: true });
      await until(() => b.recorder.types.length === 2);

      expect(tokens(b).accessToken).toBe('access-token-1');
      expect(tokens(b).refreshToken).toBeUndefined();
      expect(b.recorder.types).toEqual(['session_synced', 'session_synced']);
      expect(JSON.stringify(hub.posted)).not.toContain('refresh-token');
    });

    it('asks the tab holding the refresh token to renew, and gets its session', async () => {
      const { a, b } = await twoTabs();

      expect(await b.client.getAccessToken({ forceRefresh: true })).toBe('access-token-1');

      expect(server.refreshRequests().map((body) => body.get('refresh_token'))).toEqual(['refresh-token-0']);
      expect(tokens(a).refreshToken).toBe('refresh-token-1');
      expect(tokens(b).refreshToken).toBeUndefined();
      expect(a.recorder.types).toContain('token_renewed');
      expect(b.recorder.types).withContext('the tab that renewed says token_renewed, not this one').toEqual(['session_synced', 'session_synced']);
      // And again: the holder renews with the rotated refresh token.
      expect(await b.client.getAccessToken({ forceRefresh: true })).toBe('access-token-2');
      expect(server.refreshRequests().map((body) => body.get('refresh_token'))).toEqual(['refresh-token-0', 'refresh-token-1']);
    });

    it('asks for another audience too: the answer carries it in the session', async () => {
      const { b } = await twoTabs();

      expect(await b.client.getAccessToken({ audience: MGMT })).toBe('access-token-1');
      expect(server.refreshRequests()[0].get('audience')).toBe(MGMT);
      expect(await b.client.getAccessToken({ audience: MGMT })).withContext('cached now').toBe('access-token-1');
      expect(server.refreshRequests().length).toBe(1);
    });

    it("reports the holder's failure: invalid_grant ends the session in both tabs", async () => {
      const { a, b } = await twoTabs();
      server.onRefresh = () => ({ status: 400, json: { error: 'invalid_grant' } });

      const error = await rejectionOf(b.client.getAccessToken({ forceRefresh: true }));

      expect(error.code).toBe('login_required');
      expect(b.recorder.state.session).toBeNull();
      expect(b.recorder.types).toEqual(['session_synced', 'renew_failed', 'session_expired']);
      expect(a.recorder.state.session).toBeNull();
    });

    it("reports the holder's passing failure and keeps the session (network error)", async () => {
      const { b } = await twoTabs();
      server.onRefresh = () => 'network-error';

      const error = await rejectionOf(b.client.getAccessToken({ forceRefresh: true }));

      expect(error.code).toBe('network_error');
      expect(b.recorder.state.session).not.toBeNull();
      expect(b.recorder.types).toEqual(['session_synced', 'renew_failed']);
    });

    it('without a tab holding the refresh token: the token serves until it expires, then the session ends', async () => {
      const { a, b } = await twoTabs();
      expect([...lock.holds.keys()]).toEqual([`ngx-oidc:holder:${scopeName(SCOPE)}`]);
      a.client.destroy(); // the page that logged in is closed: its locks go with it
      await until(() => lock.holds.size === 0);

      expect(await b.client.getAccessToken()).toBe('access-token-0');
      const error = await rejectionOf(b.client.getAccessToken({ forceRefresh: true }));

      expect(error.code).toBe('session_expired');
      expect(server.refreshRequests().length).toBe(0);
      expect(b.recorder.state.session).toBeNull();
    });

    it('refreshes once when both tabs renew at once, and both end with the same new token', async () => {
      const { a, b } = await twoTabs();

      const [tokenA, tokenB] = await Promise.all([a.client.getAccessToken({ forceRefresh: true }), b.client.getAccessToken({ forceRefresh: true })]);

      expect(provider.requestsTo(TOKEN_ENDPOINT).length).toBe(1);
      expect(tokenA).toBe('access-token-1');
      expect(tokenB).toBe('access-token-1');
      expect(lock.maxActive).toBe(1);
    });

    it('refreshes once when both tabs renewal timers fire together', async () => {
      const { a, b } = await twoTabs();
      const renewedA = a.recorder.nextEvent('token_renewed', 'renew_failed');

      a.platform.timers!.fireNext();
      b.platform.timers!.fireNext();
      expect((await renewedA).type).toBe('token_renewed');
      await until(() => tokens(b).accessToken === 'access-token-1');

      expect(server.refreshRequests().length).toBe(1);
      expect(b.recorder.types).not.toContain('renew_failed');
    });

    describe('two tabs holding the refresh token (a duplicated tab)', () => {
      /** Both tabs restored the same session, refresh token included, each from its own storage. */
      async function twoHolders(): Promise<{ a: Tab; b: Tab }> {
        const session = { ...(await aliceSession()), id: 'generation-x', login: 'login-1' };
        const [sa, sb] = [new MemoryStorage(), new MemoryStorage()];
        saveSession(sa, SCOPE, session);
        saveSession(sb, SCOPE, session);
        const a = newTab({ storage: sa }, { hub, lock });
        const b = newTab({ storage: sb }, { hub, lock });
        await Promise.all([a.client.initialize(), b.client.initialize()]);
        provider.requests.length = 0;
        return { a, b };
      }

      it('waits for the renewal of its generation (marked by a lock) instead of reusing a rotated refresh token', async () => {
        const { a, b } = await twoHolders();
        hub.holding = true; // A's session message is slow (another renderer on a busy machine)

        expect(await a.client.getAccessToken({ forceRefresh: true })).toBe('access-token-1');
        expect([...lock.holds.keys()]).toContain(`ngx-oidc:renewed:${scopeName(SCOPE)} generation-x`);
        const tokenB = b.client.getAccessToken({ forceRefresh: true });
        await tick();
        await tick();
        expect(server.refreshRequests().length).withContext('B waits').toBe(1);
        hub.release();

        expect(await tokenB).toBe('access-token-1');
        expect(server.refreshRequests().map((body) => body.get('refresh_token'))).toEqual(['refresh-token-0']);
        // A holds the rotated refresh token: B dropped its own, and asks A from now on.
        expect(tokens(b).refreshToken).toBeUndefined();
        expect(await b.client.getAccessToken({ forceRefresh: true })).toBe('access-token-2');
        expect(server.refreshRequests().map((body) => body.get('refresh_token'))).toEqual(['refresh-token-0', 'refresh-token-1']);
      });

      it('renews after a bounded wait when the renewed session never arrives', async () => {
        const { a, b } = await twoHolders();
        hub.holding = true;
        await a.client.getAccessToken({ forceRefresh: true });
        jasmine.clock().install();
        let tokenB: Promise<string | null>;
        try {
          tokenB = b.client.getAccessToken({ forceRefresh: true });
          for (let i = 0; i < 40; i++) await Promise.resolve();
          jasmine.clock().tick(TAB_WAIT_MS - 1);
          for (let i = 0; i < 40; i++) await Promise.resolve();
          expect(server.refreshRequests().length).withContext('refresh requests within the wait').toBe(1);
          jasmine.clock().tick(1);
        } finally {
          jasmine.clock().uninstall();
        }
        await tokenB;
        expect(server.refreshRequests().length).toBe(2);
      });
    });

    describe('refuses what any script on the origin can post', () => {
      it('a session whose ID token is forged (x.y.z, sub mallory)', async () => {
        const b = newTab({ storage: 'memory' }, { hub, lock });
        await b.client.initialize();
        const forged = await aliceSession({ idToken: 'x.y.z', accessToken: 'mallory-token' });
        const claims = { ...forged.tokens.claims, sub: 'mallory' };

        hub.channel(CHANNEL()).post({ type: 'session', session: { ...forged, tokens: { ...forged.tokens, claims }, user: claims, id: 'g1' }, holder: true });
        await until(() => b.platform.warnings.length > 0);

        expect(b.recorder.state.session ?? null).toBeNull();
        expect(b.recorder.types).toEqual([]);
        expect(await b.client.getAccessToken()).toBeNull();
      });

      it("a genuine ID token under another user's claims, or signed for another issuer", async () => {
        const b = newTab({ storage: 'memory' }, { hub, lock });
        await b.client.initialize();
        const genuine = await aliceSession();
        const otherIssuer = await aliceSession({ idToken: await server.idToken({ iss: 'https://staging.example.com' }) });

        hub.channel(CHANNEL()).post({ type: 'session', session: { ...genuine, tokens: { ...genuine.tokens, claims: { ...genuine.tokens.claims, sub: 'mallory' } }, id: 'g1' } });
        hub.channel(CHANNEL()).post({ type: 'session', session: { ...otherIssuer, id: 'g2' } });
        await until(() => b.platform.warnings.length === 2);

        expect(b.recorder.state.session ?? null).toBeNull();
        expect(b.platform.warnings.join(' ')).toContain('invalid_issuer');
      });

      it('a refresh token in a session message is never taken', async () => {
        const b = newTab({ storage: 'memory' }, { hub, lock });
        await b.client.initialize();

        hub.channel(CHANNEL()).post({ type: 'session', session: { ...(await aliceSession()), id: 'g1' } });
        await until(() => b.recorder.types.length === 1);

        expect(tokens(b).accessToken).toBe('access-token-0');
        expect(tokens(b).refreshToken).toBeUndefined();
      });

      it('after a logout, a late session message of that login', async () => {
        const { a, b } = await twoTabs();
        const late = sessionMessages()[0];

        await b.client.logout({ localOnly: true });
        await until(() => a.recorder.state.session === null);
        // A third tab, still renewing when the logout came, posts that login's session afterwards.
        hub.channel(CHANNEL()).post({ type: 'session', session: { ...late.session, id: 'g-late', tokens: { ...late.session.tokens, obtainedAt: clock.now + 1 } }, holder: true });
        await tick();
        await tick();

        for (const tab of [a, b]) expect(tab.recorder.state.session).toBeNull();
        expect(b.recorder.types).toEqual(['session_synced', 'logged_out']);
      });

      it('but adopts the session of a new login after a logout', async () => {
        const { a, b } = await twoTabs();
        await a.client.logout({ localOnly: true });
        await until(() => b.recorder.state.session === null);

        const again = await loggedIn({ storage: 'memory' }, { hub, lock });
        await until(() => b.recorder.state.session !== null);

        expect(tokens(b).accessToken).toBe(tokens(again).accessToken);
      });
    });

    it('re-reads shared storage on a reload message (the storage-event fallback, which carries no token)', async () => {
      const b = newTab({ storage: 'local' }, { hub, lock });
      await b.client.initialize();
      // Another tab (without BroadcastChannel) logged in and wrote the session to localStorage.
      saveSession(localStorage, SCOPE, await aliceSession());

      hub.channel(CHANNEL()).post({ type: 'reload' });
      await until(() => b.recorder.types.length === 1);

      expect(b.recorder.types).toEqual(['session_synced']);
      expect(tokens(b).accessToken).toBe((await aliceSession()).tokens.accessToken);
    });

    it('logs the other tab out (logged_out), naming the login', async () => {
      const { a, b } = await twoTabs();

      await a.client.logout({ localOnly: true });
      await until(() => b.recorder.state.session === null);

      expect(b.recorder.types).toEqual(['session_synced', 'logged_out']);
      expect(await b.client.getAccessToken()).toBeNull();
      const logout = hub.posted.map((p) => p.message as { type: string; login?: string }).find((m) => m.type === 'logout');
      expect(logout?.login).toEqual(jasmine.any(String));
    });

    it('does not sync or answer after destroy()', async () => {
      const { a, b } = await twoTabs();
      b.client.destroy();

      await a.client.logout({ localOnly: true });
      await tick();
      await tick();

      expect(b.recorder.state.session).not.toBeNull();
    });
  });

  describe('storage', () => {
    it("keeps the refresh token out of localStorage with storage: 'local'", async () => {
      const tab = await loggedIn({ storage: 'local' });

      const stored = loadSession(localStorage, SCOPE, clock.now);
      expect(stored?.tokens.accessToken).toBe('access-token-0');
      expect(stored?.tokens.refreshToken).toBeUndefined();
      expect(localStorage.getItem(sessionKey(SCOPE))).not.toContain('refresh-token-0');
      // The tab itself still holds it, and renews with it.
      expect(tokens(tab).refreshToken).toBe('refresh-token-0');
      expect(await tab.client.getAccessToken({ forceRefresh: true })).toBe('access-token-1');
      expect(localStorage.getItem(sessionKey(SCOPE))).not.toContain('refresh-token-1');
      expect(loadSession(localStorage, SCOPE, clock.now)?.tokens.accessToken).toBe('access-token-1');
    });

    it("keeps the refresh token in localStorage with ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE", async () => {
      await loggedIn({ storage: 'local', refreshTokenInLocalStorage: ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE });

      expect(loadSession(localStorage, SCOPE, clock.now)?.tokens.refreshToken).toBe('refresh-token-0');
    });

    it("keeps the refresh token in sessionStorage with storage: 'session', and in an app's own storage", async () => {
      await loggedIn({ storage: 'session' });
      expect(loadSession(sessionStorage, SCOPE, clock.now)?.tokens.refreshToken).toBe('refresh-token-0');

      const own = new MemoryStorage();
      await loggedIn({ storage: own });
      expect(loadSession(own, SCOPE, clock.now)?.tokens.refreshToken).toBe('refresh-token-0');
    });

    it("persists nothing with storage: 'memory'", async () => {
      const tab = await loggedIn({ storage: 'memory' });

      expect(tokens(tab).accessToken).toBe('access-token-0');
      expect(Object.keys(sessionStorage).some((k) => k.startsWith('ngx-oidc.session.'))).toBeFalse();
      expect(Object.keys(localStorage).some((k) => k.startsWith('ngx-oidc.session.'))).toBeFalse();
    });
  });

  describe('refreshed ID token the provider cannot vouch for right now (#11 item 9)', () => {
    const JWKS = DISCOVERY.jwks_uri;
    const SECOND = 1000;

    /** The events so far, with the code of each failed renewal. */
    function outcomes(tab: Tab): string[] {
      return tab.recorder.events.map((e) => (e.type === 'renew_failed' ? `renew_failed:${e.error.code}` : e.type));
    }

    /** The next refreshes answer with an ID token for alice (plus `claims`), signed by `signer` at the clock's time. */
    async function withIdToken(signer: FakeAuthServer = server, claims: Record<string, unknown> = {}): Promise<void> {
      const idToken = await signer.idToken(claims);
      server.onRefresh = (_body, n) => server.rotation(n, { id_token: idToken });
    }

    /** A server signing with a key of its own (not the provider's published one). */
    async function otherSigner(kid: string): Promise<FakeAuthServer> {
      return new FakeAuthServer(new FakeProvider(), await createKey(kid), clock);
    }

    /**
     * Fires the next timer (a renewal) at its time, the refresh answering as `answer` sets up
     * (by default with a new ID token signed by the provider), and waits for its outcome.
     */
    async function fireRenewal(tab: Tab, answer: () => Promise<void> = () => withIdToken()): Promise<AuthEvent> {
      const timers = tab.platform.timers!;
      clock.now = Math.max(clock.now, timers.pending[0].dueAt);
      await answer();
      const outcome = tab.recorder.nextEvent('token_renewed', 'session_expired', 'renew_failed');
      timers.fireNext();
      const event = await outcome;
      await tick();
      return event;
    }

    it('keeps the session and the rotated refresh token when the JWKS answers 503 for a rotated key: renew_failed jwks_failed, no session_expired', async () => {
      const tab = await restored();
      // The client holds the provider's keys (k1) from an earlier renewal.
      await withIdToken();
      await tab.client.getAccessToken({ forceRefresh: true });
      const verified = tokens(tab).idToken;
      // The provider rotates its signing key (k2); its JWKS answers 503 meanwhile.
      provider.on(JWKS, () => ({ status: 503, json: { error: 'unavailable' } }));
      makeStale();
      await withIdToken(await otherSigner('k2'));
      provider.requests.length = 0;
      tab.recorder.events.length = 0;

      // The caller gets the new access token: the token endpoint issued it.
      expect(await tab.client.getAccessToken()).toBe('access-token-2');

      expect(provider.requestsTo(JWKS).length).toBeGreaterThan(0);
      expect(outcomes(tab)).toEqual(['renew_failed:jwks_failed', 'token_renewed']);
      expect(tab.recorder.state.error).toBeNull();
      expect(tokens(tab).accessToken).toBe('access-token-2');
      expect(tokens(tab).refreshToken).toBe('refresh-token-2');
      // The unverified ID token is not adopted.
      expect(tokens(tab).idToken).toBe(verified);
      expect(persisted(tab)?.tokens.refreshToken).toBe('refresh-token-2');
      expect(persisted(tab)?.tokens.idToken).toBe(verified);
      // Retried 5 s later; the next refresh sends the rotated refresh token.
      expect(tab.platform.timers!.pending.map((t) => t.dueAt)).toEqual([clock.now + 5 * SECOND]);
      server.onRefresh = (_body, n) => server.rotation(n);
      await tab.client.getAccessToken({ forceRefresh: true });
      expect(server.refreshRequests().map((b) => b.get('refresh_token'))).toEqual(['refresh-token-1', 'refresh-token-2']);
    });

    it('keeps the session when the JWKS cannot be reached (network error): renew_failed network_error, old ID token kept', async () => {
      const tab = await restored();
      const verified = tokens(tab).idToken;
      provider.on(JWKS, () => 'network-error');
      await withIdToken(server, { name: 'Alice L.' });

      expect(await tab.client.getAccessToken({ forceRefresh: true })).toBe('access-token-1');

      expect(outcomes(tab)).toEqual(['renew_failed:network_error', 'token_renewed']);
      expect(tab.recorder.state.session).not.toBeNull();
      expect(tokens(tab).idToken).toBe(verified);
      expect(tokens(tab).claims['name']).toBe('Alice');
      expect(tokens(tab).refreshToken).toBe('refresh-token-1');
      expect(persisted(tab)?.tokens.refreshToken).toBe('refresh-token-1');
      expect(tab.platform.timers!.pending.map((t) => t.dueAt)).toEqual([clock.now + 5 * SECOND]);

      provider.on(JWKS, () => ({ status: 200, json: { keys: [key.jwk] } }));
      expect((await fireRenewal(tab)).type).toBe('token_renewed');
      expect(server.refreshRequests().map((b) => b.get('refresh_token'))).toEqual(['refresh-token-0', 'refresh-token-1']);
      expect(tokens(tab).idToken).not.toBe(verified);
    });

    it('retries an unreachable JWKS after 5 s, 10 s, 20 s, …, and a success resets the pace', async () => {
      const tab = await restored();
      provider.on(JWKS, () => ({ status: 502, json: {} }));
      await withIdToken();
      await tab.client.getAccessToken({ forceRefresh: true });
      const timers = tab.platform.timers!;

      const waits = [timers.pending[0].dueAt - clock.now];
      for (let i = 0; i < 3; i++) {
        const event = await fireRenewal(tab);
        expect(event.type === 'renew_failed' && event.error.code).toBe('jwks_failed');
        waits.push(timers.pending[0].dueAt - clock.now);
      }
      expect(waits).toEqual([5, 10, 20, 40].map((s) => s * SECOND));
      expect(tokens(tab).refreshToken).toBe('refresh-token-4');

      provider.on(JWKS, () => ({ status: 200, json: { keys: [key.jwk] } }));
      expect((await fireRenewal(tab)).type).toBe('token_renewed');
      expect(timers.pending.map((t) => t.dueAt)).toEqual([clock.now + HOUR - LEAD]);

      // A later outage (a key the client has not seen, the JWKS unreachable) starts again at 5 s.
      provider.on(JWKS, () => 'network-error');
      const rotated = await otherSigner('k3');
      const event = await fireRenewal(tab, () => withIdToken(rotated));
      expect(event.type === 'renew_failed' && event.error.code).toBe('network_error');
      expect(timers.pending.map((t) => t.dueAt - clock.now)).toEqual([5 * SECOND]);
      expect(tab.recorder.types).not.toContain('session_expired');
    });

    it('retries a timer renewal that failed at the token endpoint (network error, 503) with backoff, never past expiry', async () => {
      const tab = await restored();
      const failing = async () => void (server.onRefresh = (_body, n) => (n % 2 ? 'network-error' : server.error('server_error', 503)));
      const timers = tab.platform.timers!;
      const expiry = NOW + HOUR;

      const due: number[] = [];
      for (;;) {
        const event = await fireRenewal(tab, failing);
        expect(event.type).toBe('renew_failed');
        if (!timers.pending.length) break;
        due.push(timers.pending[0].dueAt - expiry);
      }

      // The first renewal is a minute before expiry; the wait after the third retry (40 s) is past it.
      expect(due).toEqual([-55, -45, -25].map((s) => s * SECOND));
      expect(tab.recorder.state.session).not.toBeNull();
      expect(tab.recorder.state.error).toBeNull();
      // The refresh token still renews on demand.
      server.onRefresh = (_body, n) => server.rotation(n);
      clock.now = expiry + SECOND;
      expect(await tab.client.getAccessToken()).toBe('access-token-5');
      expect(timers.pending.map((t) => t.dueAt)).toEqual([clock.now + HOUR - LEAD]);
    });

    /** Refreshed ID tokens that fail a check: the session ends at once, as before. */
    const FAILED_CHECKS: [string, AuthError['code'], () => Promise<FakeAuthServer>, Record<string, unknown>][] = [
      ['a signature that does not verify', 'invalid_signature', () => otherSigner('k1'), {}],
      ['a key the provider does not publish (JWKS fetched)', 'unknown_kid', () => otherSigner('k9'), {}],
      ['another subject', 'invalid_response', async () => server, { sub: 'mallory' }],
      ['another audience', 'invalid_audience', async () => server, { aud: 'another-client' }],
      ['another issuer', 'invalid_issuer', async () => server, { iss: 'https://evil.example.com' }],
    ];
    for (const [what, code, signer, claims] of FAILED_CHECKS) {
      it(`still ends the session on a refreshed ID token with ${what}: ${code}, session_expired`, async () => {
        const tab = await restored();
        await withIdToken(await signer(), claims);

        const err = await rejectionOf(tab.client.getAccessToken({ forceRefresh: true }));

        expect(err.code).toBe(code);
        expect(outcomes(tab)).toEqual([`renew_failed:${code}`, 'session_expired']);
        expect(tab.recorder.state.session).toBeNull();
        expect(tab.recorder.state.error?.code).toBe(code);
        expect(persisted(tab)).toBeNull();
        expect(tab.platform.timers!.pending).toEqual([]);
      });
    }
  });

  describe('reload with an expired token and no refresh token (#11 item 12)', () => {
    /** A page load on a storage holding alice's session whose access token expired a second ago, without refresh token. */
    async function reload(silent: boolean): Promise<Tab> {
      const storage = new MemoryStorage();
      saveSession(storage, SCOPE, await aliceSession({ refreshToken: undefined, expiresAt: clock.now - 1000 }));
      return newTab({ storage, ...(silent ? { silentRedirectUri: SILENT_URI } : {}) }, { frames: silent });
    }

    /** What the listener held when each event came: the event, the error code, whether a session was left. */
    function stateAtEvents(tab: Tab): [string, string | undefined, boolean][] {
      const seen: [string, string | undefined, boolean][] = [];
      const event = tab.recorder.event.bind(tab.recorder);
      tab.recorder.event = (e) => {
        seen.push([e.type, tab.recorder.state.error?.code, tab.recorder.state.session !== null]);
        event(e);
      };
      return seen;
    }

    it('renews it by silent authentication before start-up ends: isLoading until then, token_renewed, no login', async () => {
      const tab = await reload(true);
      const stored = persisted(tab)!.tokens.idToken;
      let answer!: () => void;
      const answered = new Promise<void>((resolve) => (answer = resolve));
      const success = server.silentSuccess();
      tab.platform.frameScript = async (url, ms) => {
        await answered;
        return success(url, ms);
      };

      const started = tab.client.initialize();
      await until(() => tab.platform.frames.length === 1);
      expect(tab.recorder.state.isLoading).toBeTrue();
      expect(tab.client.peekAccessToken()).toBeUndefined();
      answer();
      await started;

      expect(tab.recorder.state.isLoading).toBeFalse();
      expect(tokens(tab).accessToken).toBe('silent-access-token-1');
      expect(tab.recorder.state.session?.user['sub']).toBe('alice');
      expect(tab.recorder.state.error).toBeNull();
      expect(tab.recorder.types).toEqual(['token_renewed']);
      expect(tab.platform.assigned).toEqual([]);
      const q = new URL(tab.platform.frames[0].url).searchParams;
      expect(q.get('prompt')).toBe('none');
      expect(q.get('id_token_hint')).toBe(stored);
      expect(persisted(tab)?.tokens.accessToken).toBe('silent-access-token-1');
      expect(await tab.client.getAccessToken()).toBe('silent-access-token-1');
      expect(tab.platform.timers!.pending.map((t) => t.dueAt)).toEqual([clock.now + HOUR - LEAD]);
    });

    it('ends it when the provider answers login_required: renew_failed, then session_expired with login_required set', async () => {
      const tab = await reload(true);
      tab.platform.frameScript = server.silentError('login_required');
      const seen = stateAtEvents(tab);

      await tab.client.initialize();

      expect(seen).toEqual([
        ['renew_failed', undefined, false],
        ['session_expired', 'login_required', false],
      ]);
      expect(tab.recorder.state.isLoading).toBeFalse();
      expect(tab.recorder.state.session).toBeNull();
      expect(persisted(tab)).toBeNull();
      expect(tab.platform.timers!.pending).toEqual([]);
      expect(await tab.client.getAccessToken()).toBeNull();
    });

    it('ends it when silent authentication gets no answer in silentTimeoutSeconds: start-up does not hang', async () => {
      const tab = await reload(true);
      const timers = tab.platform.timers!;

      const started = tab.client.initialize();
      // The frame's own timer (silentTimeoutSeconds) fires: no answer.
      await until(() => timers.pending.some((t) => t.ms === 10_000));
      timers.fireNext();
      await started;

      expect(tab.recorder.state.isLoading).toBeFalse();
      expect(tab.recorder.types).toEqual(['renew_failed', 'session_expired']);
      const error = tab.recorder.state.error!;
      expect(error.code).toBe('session_expired');
      expect((error.details.cause as AuthError).code).toBe('timeout');
      expect(tab.recorder.state.session).toBeNull();
      expect(persisted(tab)).toBeNull();
    });

    it('without silent authentication ends it with session_expired (error, then event) instead of dropping it silently', async () => {
      const tab = await reload(false);
      const seen = stateAtEvents(tab);

      await tab.client.initialize();

      expect(seen).toEqual([['session_expired', 'session_expired', false]]);
      const error = tab.recorder.state.error!;
      expect(error.message).toContain('The access token expired and nothing can renew it');
      expect(error.message).toContain('silentRedirectUri');
      expect(tab.recorder.state.isLoading).toBeFalse();
      expect(tab.recorder.state.session).toBeNull();
      expect(persisted(tab)).toBeNull();
      expect(server.tokenRequests()).toEqual([]);
      expect(tab.platform.timers!.pending).toEqual([]);
    });

    it('lets a login completing on the same page load take its place: nothing is tried for the expired one', async () => {
      const config = { storage: 'session', silentRedirectUri: SILENT_URI };
      saveSession(sessionStorage, SCOPE, await aliceSession({ refreshToken: undefined, expiresAt: clock.now - 1000 }));
      const before = newTab(config, { url: `${APP_ORIGIN}/orders` });
      await before.client.login();
      const q = new URL(before.platform.assigned[0]).searchParams;
      const idToken = await server.idToken({ nonce: q.get('nonce')! });
      const code = server.issueCode({ status: 200, json: { access_token: 'access-token-9', token_type: 'Bearer', expires_in: 3600, id_token: idToken } });
      const callback = newTab(config, { url: `${APP_ORIGIN}/callback?code=${code}&state=${q.get('state')}`, frames: true });

      await callback.client.initialize();

      expect(callback.platform.frames).toEqual([]);
      expect(tokens(callback).accessToken).toBe('access-token-9');
      expect(callback.recorder.types).toEqual(['login_completed']);
    });
  });

  describe('provider metadata (one discovery document and one key store per client)', () => {
    const DISCOVERY_URL = `${ISSUER}/.well-known/openid-configuration`;

    /** A page load of the app: a new client on the same sessionStorage. */
    function page(url: string, config: Record<string, unknown> = {}): { client: OidcClient; platform: FakePlatform } {
      const platform = new FakePlatform({ provider, clock, timers: true, url });
      const client = new OidcClient(testConfig({ scope: 'openid profile email offline_access', storage: new MemoryStorage(), ...config }), platform, new ClientRecorder(), ALL_FEATURES);
      clients.push(client);
      return { client, platform };
    }

    /** A real login (login page, then the callback page) with a refresh token. */
    async function loggedInPage(config: Record<string, unknown> = {}): Promise<OidcClient> {
      const before = page(`${APP_ORIGIN}/`, config);
      await before.client.initialize();
      await before.client.login();
      const q = new URL(before.platform.assigned[0]).searchParams;
      const idToken = await server.idToken({ nonce: q.get('nonce')! });
      const code = server.issueCode({
        status: 200,
        json: { access_token: 'access-token-0', token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-token-0', id_token: idToken },
      });
      const { client } = page(`${APP_ORIGIN}/callback?code=${code}&state=${q.get('state')}`, config);
      await client.initialize();
      return client;
    }

    /** A forced renewal whose answer carries a refreshed ID token, validated with the provider's keys. */
    async function renew(client: OidcClient, signer = server): Promise<void> {
      const idToken = await signer.idToken();
      server.onRefresh = (_body, n) => server.rotation(n, { id_token: idToken });
      const expected = `access-token-${server.refreshCount + 1}`;
      expect(await client.getAccessToken({ forceRefresh: true })).toBe(expected);
    }

    const urls = () => provider.requests.map((r) => r.url);

    it('costs discovery and JWKS before the redirect, then one token request per login and per renewal', async () => {
      const client = await loggedInPage();
      expect(urls()).toEqual([DISCOVERY_URL, DISCOVERY.jwks_uri, TOKEN_ENDPOINT]);
      provider.requests.length = 0;

      for (let i = 0; i < 5; i++) await renew(client);

      expect(urls()).toEqual(Array(5).fill(TOKEN_ENDPOINT));
    });

    it('reads discovery and the keys again once an hour: discovery, token and JWKS requests once, then the token request', async () => {
      const client = await loggedInPage();
      await renew(client);
      provider.requests.length = 0;

      clock.advance(METADATA_TTL_MS);
      await renew(client);
      await renew(client);

      expect(urls()).toEqual([DISCOVERY_URL, TOKEN_ENDPOINT, DISCOVERY.jwks_uri, TOKEN_ENDPOINT]);
    });

    it('protects an endpoint the hourly discovery moved (never sends the token there)', async () => {
      const moved = `${ISSUER}/v2/userinfo`;
      const client = await loggedInPage({ allowedUrls: [`${ISSUER}/v2`] });
      expect(client.matchAllowedUrl(moved, 'GET')).withContext('not a provider endpoint yet').toBeDefined();

      clock.advance(METADATA_TTL_MS);
      provider.discovery = { ...DISCOVERY, userinfo_endpoint: moved };
      await renew(client);

      expect(client.matchAllowedUrl(moved, 'GET')).toBeUndefined();
    });

    it('fetches the JWKS once when the provider signs with a key the client has not seen', async () => {
      const client = await loggedInPage();
      const rotated = new FakeAuthServer(new FakeProvider(), await createKey('k2'), clock);
      provider.keys = [key.jwk, rotated.key.jwk];
      clock.advance(JWKS_REFETCH_MS);
      provider.requests.length = 0;

      await renew(client, rotated);
      await renew(client, rotated);
      await renew(client);

      expect(urls()).toEqual([TOKEN_ENDPOINT, DISCOVERY.jwks_uri, TOKEN_ENDPOINT, TOKEN_ENDPOINT]);
    });
  });
});

