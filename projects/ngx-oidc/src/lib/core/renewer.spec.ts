import { decodeJwt } from 'jose';
import { APP_ORIGIN, CLIENT_ID, createKey, DISCOVERY, FakeProvider, NOW, SCOPE, testConfig, type TestKey } from '../../test-support/fake-provider';
import { ALL_FEATURES, ClientRecorder, FakeAuthServer, FakePlatform, ManualClock, SharedLock, TOKEN_ENDPOINT } from '../../test-support/fake-platform';
import type { ResolvedAuthConfig } from './config';
import { AuthError } from './errors';
import type { ProtocolFeatures } from './features';
import type { FlowContext } from './login-flow';
import { createMetadataCache } from './metadata-cache';
import type { RenewalTimer } from './renewal-timer';
import { createRenewer, type Renewer } from './renewer';
import { createSessionHolder, type SessionHolder } from './session-holder';
import { saveSession, scopeName, type StoredSession } from './session-store';
import { MemoryStorage, type AuthStorage } from './storage';
import { holderLock, RenewalMarks, renewedLock, TAB_WAIT_MS, type TabSync } from './tab-sync';
import { findToken, type TokenRequest } from './token-cache';
import type { IdTokenClaims, TokenSet } from './types';
import { until } from '../../test-support/tasks';

const API = 'https://api.example.com';
const MGMT = 'https://mgmt.example.com';
const HOUR = 3600_000;
const LOGIN_SCOPE = 'openid profile email offline_access';
const SCOPE_NAME = scopeName(SCOPE);
const RENEW_LOCK = `ngx-oidc:renew:${SCOPE_NAME}`;
const SILENT_URI = `${APP_ORIGIN}/silent-callback.html`;
/** The login's own token, as the client asks for it (its audience filled in, its scope implied). */
const LOGIN: TokenRequest = { audience: API };


/** The renewer's side of tab sync, scripted: what it asked and adopted. */
class FakeTabs implements TabSync {
  /** The `askHolder` calls: request and rejected token. */
  readonly asked: [TokenRequest, string | undefined][] = [];
  /** The sessions `adopt` was given. */
  readonly adopted: StoredSession[] = [];
  /** How the tab holding the refresh token answers; default: there is none (`undefined`). */
  answer: (request: TokenRequest) => Promise<string | undefined> = async () => undefined;

  constructor(private readonly holder: SessionHolder) {}

  askHolder(request: TokenRequest, rejectedToken: string | undefined): Promise<string | undefined> {
    this.asked.push([request, rejectedToken]);
    return this.answer(request);
  }

  /** Takes the session over as the real one does once its ID token verifies. */
  async adopt(session: StoredSession): Promise<boolean> {
    this.adopted.push(session);
    this.holder.set(session, false);
    return true;
  }

  logout(): void {
    throw new Error('the renewer never logs out');
  }
}

/** The renewal timer, recording what it is asked; `retries` follows `schedule` as the real one's does. */
class FakeTimer implements RenewalTimer {
  /** The `schedule` calls: failure and pace. */
  readonly schedules: [AuthError | undefined, number | undefined][] = [];
  failures = 0;

  schedule(failed?: AuthError, pace?: number): void {
    this.schedules.push([failed, pace]);
    this.failures = failed ? (pace ?? this.failures) + 1 : 0;
  }
  retries(): number {
    return this.failures;
  }
  stop(): void {
    // nothing armed
  }
}

/** One client's renewer over a real session holder and metadata cache, with tabs and timer scripted. */
interface Setup {
  readonly renewer: Renewer;
  readonly config: ResolvedAuthConfig;
  readonly platform: FakePlatform;
  readonly holder: SessionHolder;
  readonly recorder: ClientRecorder;
  readonly tabs: FakeTabs;
  readonly timer: FakeTimer;
  readonly marks: RenewalMarks;
  /** What reached the host's `fail`. */
  readonly failures: unknown[];
}

describe('createRenewer', () => {
  let key: TestKey;
  let provider: FakeProvider;
  let clock: ManualClock;
  let server: FakeAuthServer;
  let lock: SharedLock;

  beforeAll(async () => {
    key = await createKey('k1');
  });

  beforeEach(() => {
    provider = new FakeProvider();
    clock = new ManualClock(NOW);
    server = new FakeAuthServer(provider, key, clock);
    lock = new SharedLock();
  });

  function setUp(
    options: { config?: Record<string, unknown>; storage?: AuthStorage; lock?: boolean; silent?: boolean; features?: ProtocolFeatures } = {},
  ): Setup {
    const storage = options.storage ?? new MemoryStorage();
    const config = testConfig({
      scope: LOGIN_SCOPE,
      storage: options.storage ?? 'memory',
      ...(options.silent ? { silentRedirectUri: SILENT_URI } : {}),
      ...options.config,
    });
    const platform = new FakePlatform({ provider, clock, frames: options.silent, lock: options.lock ? lock : undefined });
    const now = () => clock.now;
    const transactions = new MemoryStorage();
    const ctx: FlowContext = {
      config,
      fetch: platform.fetch,
      transactions,
      now,
      features: options.features ?? (options.silent ? ALL_FEATURES : {}),
      metadata: createMetadataCache(config.authority, platform.fetch, transactions, now),
    };
    const recorder = new ClientRecorder();
    const marks = new RenewalMarks(platform.locks, SCOPE_NAME);
    const timer = new FakeTimer();
    // As the client wires it: every change of the session re-arms the timer.
    const holder = createSessionHolder(config, storage, recorder, undefined, marks, platform.warn, () => timer.schedule());
    const tabs = new FakeTabs(holder);
    const failures: unknown[] = [];
    const renewer: Renewer = createRenewer({
      ctx,
      platform,
      listener: recorder,
      holder,
      tabs,
      marks,
      storage,
      scope: SCOPE_NAME,
      timer: () => timer,
      metadata: () => ctx.metadata.load(),
      // The client's lookup: without a way to renew, a token serves until it expires.
      cached: (request, any) => {
        const session = holder.current();
        return session ? findToken(session, request, clock.now, any ? undefined : renewer.renewable(session) ? config.renewLeadSeconds : 0) : undefined;
      },
      fail: (err) => {
        failures.push(err);
        const error = err instanceof AuthError ? err : new AuthError('invalid_response', `Unexpected failure: ${String(err)}`, { cause: err });
        recorder.update({ error });
        return error;
      },
    });
    return { renewer, config, platform, holder, recorder, tabs, timer, marks, failures };
  }

  /** Alice's session (generation g1), ID token signed by the provider; her access token is due for renewal unless overridden. */
  async function aliceSession(overrides: Partial<TokenSet> = {}, extra: Partial<StoredSession> = {}): Promise<StoredSession> {
    const idToken = await server.idToken({ nonce: 'login-nonce' });
    const claims = decodeJwt(idToken) as unknown as IdTokenClaims;
    const tokens: TokenSet = {
      idToken,
      accessToken: 'access-token-0',
      tokenType: 'Bearer',
      // Inside the 60 s renewal lead: stale.
      expiresAt: clock.now + 30_000,
      obtainedAt: clock.now - HOUR,
      refreshToken: 'refresh-token-0',
      scope: LOGIN_SCOPE,
      requestedScope: LOGIN_SCOPE,
      audience: API,
      claims,
      ...overrides,
    };
    return { tokens, user: { ...claims }, id: 'g1', login: 'l1', ...extra };
  }

  /** Sets up a renewer whose holder holds `session` (generation kept), with the set-up's records cleared. */
  async function withSession(session: StoredSession | Promise<StoredSession>, options: Parameters<typeof setUp>[0] = {}): Promise<Setup> {
    const s = setUp(options);
    s.holder.set(await session, false);
    s.recorder.patches.length = 0;
    s.timer.schedules.length = 0;
    return s;
  }

  /** Holds every request to `url` until `release()`. */
  function hold(platform: FakePlatform, url: string): { readonly held: string[]; release(): void } {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held: string[] = [];
    platform.beforeFetch = async (input) => {
      if (input.split('?')[0] !== url) return;
      held.push(input);
      await released;
    };
    return { held, release };
  }

  /** The events as `type`, or `renew_failed:<code>`. */
  function outcomes(s: Setup): string[] {
    return s.recorder.events.map((e) => (e.type === 'renew_failed' ? `renew_failed:${e.error.code}` : e.type));
  }

  /** Awaits a renewal that must fail with an AuthError. */
  async function failure(promise: Promise<unknown>): Promise<AuthError> {
    try {
      await promise;
    } catch (err) {
      if (err instanceof AuthError) return err;
      throw err;
    }
    throw new Error('expected the renewal to fail');
  }

  const tokenRequests = () => provider.requestsTo(TOKEN_ENDPOINT).length;

  describe('single flight', () => {
    it('without Web Locks, keeps both renewed tokens when the login token and another audience renew at once', async () => {
      const s = await withSession(aliceSession());
      const [login, mgmt] = await Promise.all([s.renewer.renew(LOGIN, undefined), s.renewer.renew({ audience: MGMT, scope: 'mgmt:read' }, undefined)]);
      const session = s.holder.current()!;
      expect(session.tokens.accessToken).toBe(login);
      expect(session.extra?.map((e) => e.accessToken)).toEqual([mgmt]);
      expect(session.tokens.refreshToken).toBe('refresh-token-2');
      expect(server.refreshRequests().map((b) => b.get('refresh_token')))
        .withContext('a rotated refresh token is never sent twice')
        .toEqual(['refresh-token-0', 'refresh-token-1']);
    });

    it('shares one refresh request among concurrent renewals of the same audience and scope, whatever the scope order', async () => {
      const s = await withSession(aliceSession());
      const gate = hold(s.platform, TOKEN_ENDPOINT);

      const first = s.renewer.renew({ audience: MGMT, scope: 'mgmt:read mgmt:write' }, undefined);
      await until(() => gate.held.length === 1);
      const second = s.renewer.renew({ audience: MGMT, scope: 'mgmt:write mgmt:read' }, undefined);
      gate.release();

      expect(await first).toBe('access-token-1');
      expect(await second).toBe('access-token-1');
      expect(server.refreshRequests().length).toBe(1);
      expect(s.tabs.asked.length).withContext('the second joined before asking anyone').toBe(1);
      expect(outcomes(s)).toEqual(['token_renewed']);
    });

    it('renews different audiences apart: one refresh request each', async () => {
      const s = await withSession(aliceSession());

      const tokens = await Promise.all([s.renewer.renew(LOGIN, undefined), s.renewer.renew({ audience: MGMT, scope: 'mgmt:read' }, undefined)]);

      expect(new Set(tokens).size).toBe(2);
      expect(server.refreshRequests().map((b) => b.get('audience')).sort()).toEqual([API, MGMT]);
      expect(s.tabs.asked.map(([request]) => request.audience)).toEqual([API, MGMT]);
      expect(outcomes(s)).toEqual(['token_renewed', 'token_renewed']);
    });

    it('starts a new renewal once the shared one settled', async () => {
      const s = await withSession(aliceSession());

      expect(await s.renewer.renew(LOGIN, 'access-token-0')).toBe('access-token-1');
      expect(await s.renewer.renew(LOGIN, 'access-token-1')).toBe('access-token-2');

      expect(server.refreshRequests().map((b) => b.get('refresh_token'))).toEqual(['refresh-token-0', 'refresh-token-1']);
    });
  });

  describe('checking again before renewing', () => {
    it('returns a fresh token that arrived while the metadata loaded, without a token request', async () => {
      const s = await withSession(aliceSession());
      const gate = hold(s.platform, `${DISCOVERY.issuer}/.well-known/openid-configuration`);

      const renewal = s.renewer.renew(LOGIN, undefined);
      await until(() => gate.held.length === 1);
      // Another tab's renewal lands meanwhile.
      s.holder.set(await aliceSession({ accessToken: 'access-token-from-tab-2', expiresAt: clock.now + HOUR, obtainedAt: clock.now }, { id: 'g2' }), false);
      gate.release();

      expect(await renewal).toBe('access-token-from-tab-2');
      expect(tokenRequests()).toBe(0);
      expect(s.recorder.events).toEqual([]);
    });

    it('renews when the fresh token is the one rejected (forced, or refused by an API)', async () => {
      const s = await withSession(aliceSession({ expiresAt: clock.now + HOUR, obtainedAt: clock.now }));

      expect(await s.renewer.renew(LOGIN, undefined)).withContext('not rejected: served as is').toBe('access-token-0');
      expect(tokenRequests()).toBe(0);

      expect(await s.renewer.renew(LOGIN, 'access-token-0')).toBe('access-token-1');
      expect(tokenRequests()).toBe(1);
    });
  });

  describe('by refresh token', () => {
    it("renews the login's token: rotated refresh token kept, token_renewed", async () => {
      const s = await withSession(aliceSession());

      expect(await s.renewer.renew(LOGIN, undefined)).toBe('access-token-1');

      const [body] = server.refreshRequests();
      expect(Object.fromEntries(body)).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-token-0', client_id: CLIENT_ID, audience: API });
      const session = s.holder.current()!;
      expect(session.tokens.accessToken).toBe('access-token-1');
      expect(session.tokens.refreshToken).toBe('refresh-token-1');
      expect(session.tokens.expiresAt).toBe(clock.now + HOUR);
      expect(session.id).withContext('a new generation').not.toBe('g1');
      expect(session.extra).toBeUndefined();
      expect(s.recorder.events).toEqual([{ type: 'token_renewed', audience: API, scope: undefined }]);
      expect(s.timer.schedules).withContext('re-armed through the session set').toEqual([[undefined, undefined]]);
      expect(s.recorder.state.error).toBeNull();
    });

    it('renews another audience into an extra entry, with its scope sent, the login token untouched', async () => {
      const s = await withSession(aliceSession());

      expect(await s.renewer.renew({ audience: MGMT, scope: 'mgmt:read' }, undefined)).toBe('access-token-1');

      const [body] = server.refreshRequests();
      expect(Object.fromEntries(body)).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-token-0', client_id: CLIENT_ID, scope: 'mgmt:read', audience: MGMT });
      const session = s.holder.current()!;
      expect(session.tokens.accessToken).toBe('access-token-0');
      expect(session.tokens.refreshToken).toBe('refresh-token-1');
      expect(session.extra).toEqual([
        { accessToken: 'access-token-1', tokenType: 'Bearer', expiresAt: clock.now + HOUR, obtainedAt: clock.now, audience: MGMT, requestedScope: 'mgmt:read', scope: 'mgmt:read' },
      ]);
      expect(s.recorder.events).toEqual([{ type: 'token_renewed', audience: MGMT, scope: 'mgmt:read' }]);
    });

    it("ends the session on invalid_grant for the login's token: login_required, renew_failed, then session_expired", async () => {
      const s = await withSession(aliceSession());
      server.onRefresh = () => server.error('invalid_grant');

      const error = await failure(s.renewer.renew(LOGIN, undefined));

      expect(error.code).toBe('login_required');
      expect(error.details.error).toBe('invalid_grant');
      expect(outcomes(s)).toEqual(['renew_failed:login_required', 'session_expired']);
      expect(s.holder.current()).toBeNull();
      expect(s.recorder.state.error).toBe(error);
    });

    it("keeps the session on invalid_grant for another audience's token: renew_failed only", async () => {
      const s = await withSession(aliceSession());
      server.onRefresh = () => server.error('invalid_grant');

      const error = await failure(s.renewer.renew({ audience: MGMT }, undefined));

      expect(error.code).toBe('login_required');
      expect(outcomes(s)).toEqual(['renew_failed:login_required']);
      expect(s.recorder.events[0]).toEqual({ type: 'renew_failed', error, audience: MGMT, scope: undefined });
      expect(s.holder.current()?.tokens.refreshToken).toBe('refresh-token-0');
      expect(s.recorder.state.error).toBeNull();
    });

    it('ends the session when the refreshed ID token has a bad signature', async () => {
      const s = await withSession(aliceSession());
      const forger = new FakeAuthServer(new FakeProvider(), await createKey('k1'), clock); // the provider's kid, another key
      const idToken = await forger.idToken({ nonce: 'login-nonce' });
      server.onRefresh = (_body, n) => server.rotation(n, { id_token: idToken });

      const error = await failure(s.renewer.renew(LOGIN, undefined));

      expect(error.code).toBe('invalid_signature');
      // renew_failed first, as on every path that ends the session.
      expect(outcomes(s)).toEqual(['renew_failed:invalid_signature', 'session_expired']);
      expect(s.holder.current()).toBeNull();
      expect(s.recorder.state.error).toBe(error);
    });

    it('ends the session also when the bad ID token came with a refresh for another audience', async () => {
      const s = await withSession(aliceSession());
      const forger = new FakeAuthServer(new FakeProvider(), await createKey('k1'), clock);
      const idToken = await forger.idToken({ nonce: 'login-nonce' });
      server.onRefresh = (_body, n) => server.rotation(n, { id_token: idToken });

      const error = await failure(s.renewer.renew({ audience: MGMT, scope: 'mgmt:read' }, undefined));

      expect(error.code).toBe('invalid_signature');
      expect(outcomes(s)).toEqual(['renew_failed:invalid_signature', 'session_expired']);
      expect(s.holder.current()).toBeNull();
    });

    it('keeps the new tokens when the refreshed ID token cannot be checked (JWKS 503): renew_failed jwks_failed, retried at the pace so far', async () => {
      const s = await withSession(aliceSession());
      const verified = s.holder.current()!.tokens.idToken;
      provider.on(DISCOVERY.jwks_uri, () => ({ status: 503, json: { error: 'unavailable' } }));
      const idToken = await server.idToken({ nonce: 'login-nonce', name: 'Alice L.' });
      server.onRefresh = (_body, n) => server.rotation(n, { id_token: idToken });
      s.timer.failures = 2;

      expect(await s.renewer.renew(LOGIN, undefined)).toBe('access-token-1');

      expect(provider.requestsTo(DISCOVERY.jwks_uri).length).withContext('a GET answered 5xx is tried once more').toBe(2);
      expect(outcomes(s)).toEqual(['renew_failed:jwks_failed', 'token_renewed']);
      const session = s.holder.current()!;
      expect(session.tokens.accessToken).toBe('access-token-1');
      expect(session.tokens.refreshToken).toBe('refresh-token-1');
      expect(session.tokens.idToken).withContext('the unchecked ID token is not taken').toBe(verified);
      expect(session.tokens.claims['name']).toBe('Alice');
      const [failed] = s.recorder.events;
      const jwksError = failed.type === 'renew_failed' ? failed.error : undefined;
      // The pace is read before the session is set (which re-arms the timer and resets it).
      expect(s.timer.schedules).toEqual([
        [undefined, undefined],
        [jwksError, 2],
      ]);
      expect(s.recorder.state.error).toBeNull();
    });

    it('falls back to silent authentication when the refresh grant refuses another audience (token_request_failed)', async () => {
      const s = await withSession(aliceSession(), { silent: true });
      server.onRefresh = () => server.error('invalid_target');
      s.platform.frameScript = server.silentSuccess();

      expect(await s.renewer.renew({ audience: MGMT, scope: 'mgmt:read' }, undefined)).toBe('silent-access-token-1');

      expect(server.refreshRequests().length).toBe(1);
      expect(s.platform.frames.length).toBe(1);
      const q = new URL(s.platform.frames[0].url).searchParams;
      expect(q.get('prompt')).toBe('none');
      expect(q.get('redirect_uri')).toBe(SILENT_URI);
      expect(q.get('audience')).toBe(MGMT);
      expect(q.get('scope')).toBe('openid mgmt:read');
      expect(q.get('id_token_hint')).toBe(s.holder.current()!.tokens.idToken);
      expect(s.holder.current()!.extra?.map((e) => [e.audience, e.requestedScope, e.accessToken])).toEqual([[MGMT, 'mgmt:read', 'silent-access-token-1']]);
      expect(s.holder.current()!.tokens.refreshToken).withContext('the refused grant keeps its refresh token').toBe('refresh-token-0');
      expect(outcomes(s)).toEqual(['token_renewed']);
    });

    it('reports token_request_failed with details.error when another audience is refused and silent authentication is not configured', async () => {
      const s = await withSession(aliceSession());
      server.onRefresh = () => server.error('invalid_target');

      const error = await failure(s.renewer.renew({ audience: MGMT }, undefined));

      expect(error.code).toBe('token_request_failed');
      expect(error.details.error).toBe('invalid_target');
      expect(outcomes(s)).toEqual(['renew_failed:token_request_failed']);
      expect(s.holder.current()?.tokens.accessToken).toBe('access-token-0');
    });

    it('fails with session_ended, and keeps nothing, when the session ends while the refresh is out', async () => {
      const s = await withSession(aliceSession());
      const gate = hold(s.platform, TOKEN_ENDPOINT);

      const renewal = s.renewer.renew(LOGIN, undefined);
      await until(() => gate.held.length === 1);
      s.holder.end('logged_out');
      gate.release();
      const error = await failure(renewal);

      expect(error.code).toBe('session_ended');
      expect(server.refreshRequests().length).toBe(1);
      expect(s.holder.current()).toBeNull();
      expect(outcomes(s)).toEqual(['logged_out', 'renew_failed:session_ended']);
    });

    it('fails with session_ended when the session ends before the renewal could start', async () => {
      const s = await withSession(aliceSession());
      const gate = hold(s.platform, `${DISCOVERY.issuer}/.well-known/openid-configuration`);

      const renewal = s.renewer.renew(LOGIN, undefined);
      await until(() => gate.held.length === 1);
      s.holder.end('logged_out');
      gate.release();

      expect((await failure(renewal)).code).toBe('session_ended');
      expect(tokenRequests()).toBe(0);
    });
  });

  describe('without a refresh token', () => {
    it("ends the session when nothing can renew the login's token: session_expired, no request, no renew_failed", async () => {
      const s = await withSession(aliceSession({ refreshToken: undefined }));

      const error = await failure(s.renewer.renew(LOGIN, 'access-token-0'));

      expect(error.code).toBe('session_expired');
      expect(provider.requests).toEqual([]);
      expect(outcomes(s)).toEqual(['session_expired']);
      expect(s.holder.current()).toBeNull();
      expect(s.recorder.state.error).toBe(error);
    });

    it('answers renewal_unavailable for another audience, and keeps the session', async () => {
      const s = await withSession(aliceSession({ refreshToken: undefined, expiresAt: clock.now + HOUR }));

      const error = await failure(s.renewer.renew({ audience: MGMT }, undefined));

      expect(error.code).toBe('renewal_unavailable');
      expect(provider.requests).toEqual([]);
      expect(outcomes(s)).toEqual(['renew_failed:renewal_unavailable']);
      expect(s.holder.current()?.tokens.accessToken).toBe('access-token-0');
      expect(s.recorder.state.error).toBeNull();
    });

    it("renews the login's token by silent authentication when configured", async () => {
      const s = await withSession(aliceSession({ refreshToken: undefined }), { silent: true });
      s.platform.frameScript = server.silentSuccess();

      expect(await s.renewer.renew(LOGIN, 'access-token-0')).toBe('silent-access-token-1');

      const q = new URL(s.platform.frames[0].url).searchParams;
      expect(q.get('scope')).withContext("the login's").toBe(LOGIN_SCOPE);
      expect(s.holder.current()?.tokens.accessToken).toBe('silent-access-token-1');
      expect(outcomes(s)).toEqual(['token_renewed']);
    });

    it('says what can renew: a refresh token, the tab holding one, silent authentication', async () => {
      const plain = await withSession(aliceSession({ refreshToken: undefined }));
      const session = plain.holder.current()!;
      expect(plain.renewer.renewable(session)).toBe(false);
      expect(plain.renewer.renewable(await aliceSession())).toBe(true);
      plain.holder.delegated = true;
      expect(plain.renewer.renewable(session)).toBe(true);

      const silent = setUp({ silent: true });
      expect(silent.renewer.canRenewSilently()).toBe(true);
      expect(silent.renewer.renewable(session)).toBe(true);
      expect(setUp({ silent: true, features: {} }).renewer.canRenewSilently()).withContext('without withSilentAuthentication()').toBe(false);
      expect(plain.renewer.canRenewSilently()).toBe(false);
    });
  });

  describe('across tabs (Web Lock)', () => {
    it('adopts the session another tab stored in shared storage before deciding, and renews nothing', async () => {
      const shared = new MemoryStorage();
      const s = await withSession(aliceSession(), { lock: true, storage: shared });
      const stored = await aliceSession({ accessToken: 'access-token-from-tab-2', refreshToken: 'refresh-token-7', expiresAt: clock.now + HOUR, obtainedAt: clock.now }, { id: 'g2' });
      saveSession(shared, SCOPE, stored);

      expect(await s.renewer.renew(LOGIN, undefined)).toBe('access-token-from-tab-2');

      expect(s.tabs.adopted).toEqual([stored]);
      expect(lock.granted).toEqual([RENEW_LOCK]);
      expect(tokenRequests()).toBe(0);
      expect(s.recorder.events).toEqual([]);
    });

    it("waits for the session of a generation another tab marked renewed, and returns that tab's token without a request", async () => {
      const s = await withSession(aliceSession(), { lock: true });
      await lock.locks.hold(renewedLock(SCOPE_NAME, 'g1'));
      const waits: [string, number][] = [];
      const wait = s.holder.wait;
      s.holder.wait = (id, ms, done) => {
        waits.push([id, ms]);
        return wait(id, ms, done);
      };

      const renewal = s.renewer.renew(LOGIN, undefined);
      await until(() => waits.length === 1);
      expect(waits).toEqual([['g1', TAB_WAIT_MS]]);
      // The other tab's session arrives (over the channel: no refresh token).
      s.holder.set(await aliceSession({ accessToken: 'access-token-from-tab-2', refreshToken: undefined, expiresAt: clock.now + HOUR, obtainedAt: clock.now }, { id: 'g2' }), false);

      expect(await renewal).toBe('access-token-from-tab-2');
      expect(provider.requests).toEqual([]);
      expect(s.tabs.adopted).withContext("storage 'memory': nothing to adopt").toEqual([]);
      expect(s.recorder.events).toEqual([]);
    });

    it('marks the generation it renewed before releasing the lock', async () => {
      const s = await withSession(aliceSession(), { lock: true });
      expect(await s.marks.renewed('g1')).toBe(false);

      expect(await s.renewer.renew(LOGIN, undefined)).toBe('access-token-1');

      const renewed = s.holder.current()!.id!;
      expect([...lock.holds.keys()].sort()).toEqual([holderLock(SCOPE_NAME), renewedLock(SCOPE_NAME, 'g1')].sort());
      expect(await s.marks.renewed('g1')).toBe(true);
      expect(await s.marks.renewed(renewed)).toBe(false);
      expect(lock.granted).toEqual([RENEW_LOCK]);
    });

    it('renews two audiences one after the other, the second with the rotated refresh token', async () => {
      const s = await withSession(aliceSession(), { lock: true });

      const [login, mgmt] = await Promise.all([s.renewer.renew(LOGIN, undefined), s.renewer.renew({ audience: MGMT, scope: 'mgmt:read' }, undefined)]);

      expect([login, mgmt]).toEqual(['access-token-1', 'access-token-2']);
      expect(server.refreshRequests().map((b) => [b.get('audience'), b.get('refresh_token')])).toEqual([
        [API, 'refresh-token-0'],
        [MGMT, 'refresh-token-1'],
      ]);
      expect(lock.maxActive).toBe(1);
      const session = s.holder.current()!;
      expect(session.tokens.accessToken).toBe('access-token-1');
      expect(session.tokens.refreshToken).toBe('refresh-token-2');
      expect(session.extra?.map((e) => e.accessToken)).toEqual(['access-token-2']);
    });
  });

  describe('the tab holding the refresh token', () => {
    it('returns its answer without the lock or a request', async () => {
      const s = await withSession(aliceSession({ refreshToken: undefined }), { lock: true });
      s.tabs.answer = async () => 'access-token-from-holder';

      expect(await s.renewer.renew(LOGIN, 'access-token-0')).toBe('access-token-from-holder');

      expect(s.tabs.asked).toEqual([[LOGIN, 'access-token-0']]);
      expect(lock.granted).toEqual([]);
      expect(provider.requests).toEqual([]);
    });

    it("ends the session when it refuses the login's token with login_required: renew_failed, then session_expired", async () => {
      const s = await withSession(aliceSession({ refreshToken: undefined }), { lock: true });
      const refusal = new AuthError('login_required', 'refused by the holder');
      s.tabs.answer = () => Promise.reject(refusal);

      const error = await failure(s.renewer.renew(LOGIN, undefined));

      expect(error).toBe(refusal);
      expect(outcomes(s)).toEqual(['renew_failed:login_required', 'session_expired']);
      expect(s.holder.current()).toBeNull();
      expect(s.recorder.state.error).toBe(refusal);
      expect(lock.granted).toEqual([]);
    });

    it("keeps the session when it refuses another audience's token", async () => {
      const s = await withSession(aliceSession({ refreshToken: undefined }), { lock: true });
      s.tabs.answer = () => Promise.reject(new AuthError('login_required', 'refused by the holder'));

      expect((await failure(s.renewer.renew({ audience: MGMT }, undefined))).code).toBe('login_required');

      expect(outcomes(s)).toEqual(['renew_failed:login_required']);
      expect(s.holder.current()?.tokens.accessToken).toBe('access-token-0');
    });

    it("reports a refusal that does not end the session (timeout) as renew_failed only, even for the login's token", async () => {
      const s = await withSession(aliceSession({ refreshToken: undefined }), { lock: true });
      s.tabs.answer = () => Promise.reject(new AuthError('timeout', 'no answer'));

      expect((await failure(s.renewer.renew(LOGIN, undefined))).code).toBe('timeout');

      expect(outcomes(s)).toEqual(['renew_failed:timeout']);
      expect(s.holder.current()).not.toBeNull();
    });
  });
});
