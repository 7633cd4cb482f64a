import { decodeJwt } from 'jose';
import { APP_ORIGIN, CLIENT_ID, createKey, DISCOVERY, FakeProvider, ISSUER, NOW, SCOPE, testConfig, type TestKey } from '../../test-support/fake-provider';
import { ClientRecorder, FakeAuthServer, FakePlatform, ManualClock, TabHub } from '../../test-support/fake-platform';
import { tick } from '../../test-support/tasks';
import { AuthError } from './errors';
import { startLogin, type FlowContext } from './login-flow';
import { LOGOUT_STATE_PREFIX } from './logout-return';
import { createMetadataCache } from './metadata-cache';
import { TRANSACTION_PREFIX } from './pending-logins';
import { POPUP_LOGIN } from './popup-feature';
import { POPUP_STATE_PREFIX } from './popup-login';
import type { Renewer } from './renewer';
import { createRequestAllowlist, type RequestAllowlist } from './request-allowlist';
import { createSessionHolder, type SessionHolder } from './session-holder';
import { saveSession, scopeName, sessionKey, type StoredSession } from './session-store';
import { startUp } from './start-up';
import { MemoryStorage } from './storage';
import { RenewalMarks } from './tab-sync';
import { createTransaction, saveTransaction } from './transaction';
import type { IdTokenClaims, TokenSet } from './types';

const API = 'https://api.example.com';
const HOUR = 3600_000;
const LOGOUT_KEY = LOGOUT_STATE_PREFIX + CLIENT_ID;

/** One page load: start-up's host over real objects, with the renewer scripted. */
interface Page {
  readonly platform: FakePlatform;
  readonly ctx: FlowContext;
  readonly recorder: ClientRecorder;
  readonly holder: SessionHolder;
  readonly allowlist: RequestAllowlist;
  /** The renewals start-up asked for, and the sessions it ended (`expire`). */
  readonly renewals: unknown[][];
  readonly expired: (AuthError | undefined)[];
  protects: number;
  run(): Promise<void>;
}

describe('startUp', () => {
  let key: TestKey;
  let provider: FakeProvider;
  let clock: ManualClock;
  let server: FakeAuthServer;
  /** What survives the redirect (sessionStorage): transactions, the metadata copy, the logout state. */
  let transactions: MemoryStorage;
  /** Where the session is persisted. */
  let storage: MemoryStorage;

  beforeAll(async () => {
    key = await createKey('k1');
  });

  beforeEach(() => {
    provider = new FakeProvider();
    clock = new ManualClock(NOW);
    server = new FakeAuthServer(provider, key, clock);
    transactions = new MemoryStorage();
    storage = new MemoryStorage();
  });

  function page(url = `${APP_ORIGIN}/`, options: { server?: boolean; silent?: boolean; renew?: () => Promise<string>; config?: Record<string, unknown>; hub?: TabHub; popup?: boolean } = {}): Page {
    const platform = new FakePlatform({ provider, clock, url, hub: options.hub });
    if (options.server) Object.assign(platform, { server: true });
    const config = testConfig({ storage, ...options.config });
    const now = () => clock.now;
    const features = options.popup === false ? {} : { popup: POPUP_LOGIN };
    const ctx: FlowContext = { config, fetch: platform.fetch, transactions, now, features, metadata: createMetadataCache(config.authority, platform.fetch, transactions, now) };
    const recorder = new ClientRecorder();
    const holder = createSessionHolder(config, storage, recorder, undefined, new RenewalMarks(undefined, scopeName(SCOPE)), platform.warn, () => undefined);
    const allowlist = createRequestAllowlist(config);
    const renewals: unknown[][] = [];
    const expired: (AuthError | undefined)[] = [];
    const renewer: Renewer = {
      renew: (...args) => {
        renewals.push(args);
        return (options.renew ?? (() => Promise.resolve('renewed')))();
      },
      renewable: () => false,
      canRenewSilently: () => options.silent === true,
      expire: (cause) => {
        expired.push(cause);
        const error = new AuthError('session_expired', 'expired', { cause });
        holder.end('session_expired', error);
        return error;
      },
    };
    const result: Page = {
      platform,
      ctx,
      recorder,
      holder,
      allowlist,
      renewals,
      expired,
      protects: 0,
      run: () =>
        startUp({
          ctx,
          platform,
          listener: recorder,
          holder,
          allowlist,
          renewer,
          storage,
          protect: async () => void result.protects++,
          fail: (err) => {
            const error = err instanceof AuthError ? err : new AuthError('invalid_response', String(err));
            recorder.update({ error });
            return error;
          },
        }),
    };
    return result;
  }

  /** Alice's session, stored by an earlier page load. */
  async function stored(overrides: Partial<TokenSet> = {}): Promise<StoredSession> {
    const idToken = await server.idToken({ nonce: 'login-nonce' });
    const claims = decodeJwt(idToken) as unknown as IdTokenClaims;
    const session: StoredSession = {
      tokens: {
        idToken,
        accessToken: 'access-token-0',
        tokenType: 'Bearer',
        expiresAt: clock.now + HOUR,
        obtainedAt: clock.now,
        refreshToken: 'refresh-token-0',
        scope: 'openid',
        requestedScope: 'openid',
        audience: API,
        claims,
        ...overrides,
      },
      user: { ...claims },
      id: 'g1',
      login: 'l1',
    };
    saveSession(storage, SCOPE, session);
    return JSON.parse(storage.getItem(sessionKey(SCOPE))!) as StoredSession; // as read back (no undefined members)
  }

  /** A login started on an earlier page load, still pending. */
  function pendingLogin(): { nonce: string; state: string } {
    const tx = createTransaction(testConfig(), {}, clock.now);
    saveTransaction(transactions, tx);
    return { nonce: tx.nonce, state: tx.state };
  }

  it('does nothing on a server: no session, no callback, no request, no state update', async () => {
    await stored();
    pendingLogin();
    const p = page(`${APP_ORIGIN}/callback?code=c&state=s`, { server: true });

    await p.run();

    expect(p.holder.current()).toBeNull();
    expect(p.recorder.patches).toEqual([]);
    expect(p.platform.replaced).toEqual([]);
    expect(provider.requests).toEqual([]);
    expect(p.protects).toBe(0);
  });

  it('restores a stored session without announcing it, and protects the provider endpoints in the background', async () => {
    const session = await stored();
    const before = storage.getItem(sessionKey(SCOPE));
    pendingLogin();
    const p = page(`${APP_ORIGIN}/orders`);

    await p.run();

    expect(p.holder.current()).toEqual(session);
    expect(p.recorder.patches).withContext('no pending login shown once someone is logged in').toEqual([{ session }]);
    expect(p.recorder.events).toEqual([]);
    expect(storage.getItem(sessionKey(SCOPE))).withContext('not written again').toBe(before);
    expect(p.protects).toBe(1);
    expect(p.renewals).toEqual([]);
    expect(p.platform.replaced).toEqual([]);
  });

  it("learns the provider's endpoints from the metadata an earlier page kept, without a request", async () => {
    await createMetadataCache(testConfig().authority, provider.fetch, transactions, () => clock.now).load();
    provider.requests.length = 0;
    await stored();
    const p = page();

    await p.run();

    expect(p.allowlist.learned()).toEqual(DISCOVERY);
    expect(p.protects).toBe(0);
    expect(provider.requests).toEqual([]);
  });

  it('protects nothing without an allowlist (no token leaves anyway)', async () => {
    await stored();
    const p = page(undefined, { config: { allowedUrls: [] } });

    await p.run();

    expect(p.protects).toBe(0);
    expect(p.holder.current()).not.toBeNull();
  });

  it('shows the pending login when nobody is logged in', async () => {
    const pending = pendingLogin();
    const p = page();

    await p.run();

    expect(p.recorder.patches).toEqual([{ pending }]);
    expect(p.protects).toBe(0);
  });

  it('drops an expired pending login instead of showing it', async () => {
    pendingLogin();
    clock.advance(testConfig().loginTimeoutSeconds * 1000);
    const p = page();

    await p.run();

    expect(p.recorder.patches).toEqual([]);
    expect(transactions.length).toBe(0);
  });

  it('takes the return from its logout: cleans the address bar, even at the redirect URI, and runs no callback', async () => {
    transactions.setItem(LOGOUT_KEY, 'logout-state');
    const p = page(`${APP_ORIGIN}/callback?state=logout-state&tab=2`);

    await p.run();

    expect(p.platform.replaced).toEqual(['/callback?tab=2']);
    expect(transactions.getItem(LOGOUT_KEY)).toBeNull();
    expect(p.recorder.events).toEqual([]);
    expect(provider.requests).toEqual([]);
  });

  it('completes a login on the redirect URI: address bar cleaned first, session announced under its own login id, return URL', async () => {
    const before = page();
    const { url } = await startLogin(before.ctx, { returnUrl: '/orders?page=2' });
    const q = new URL(url).searchParams;
    const code = server.issueCode({
      status: 200,
      json: { access_token: 'access-token-0', token_type: 'Bearer', expires_in: 3600, id_token: await server.idToken({ nonce: q.get('nonce')! }) },
    });
    const p = page(`${APP_ORIGIN}/callback?code=${code}&state=${q.get('state')}`);

    await p.run();

    expect(p.platform.replaced).toEqual(['/callback', '/orders?page=2']);
    const session = p.holder.current()!;
    expect(session.tokens.accessToken).toBe('access-token-0');
    expect(session.login).toMatch(/^[\w-]{43}$/);
    expect(session.id).toMatch(/^[\w-]{43}$/);
    expect(JSON.parse(storage.getItem(sessionKey(SCOPE))!).login).toBe(session.login);
    expect(p.allowlist.learned()).toEqual(DISCOVERY);
    expect(p.recorder.types).toEqual(['login_completed']);
    expect(p.recorder.state.loginOutcome).toEqual({ type: 'login_completed' });
    expect(p.recorder.state.pending).toBeNull();
  });

  it("learns the provider's endpoints from the callback's discovery when no copy of the metadata was kept", async () => {
    const before = page();
    const { url } = await startLogin(before.ctx);
    transactions.removeItem(`ngx-oidc.metadata.${ISSUER}`);
    const q = new URL(url).searchParams;
    const code = server.issueCode({
      status: 200,
      json: { access_token: 'access-token-0', token_type: 'Bearer', expires_in: 3600, id_token: await server.idToken({ nonce: q.get('nonce')! }) },
    });
    const p = page(`${APP_ORIGIN}/callback?code=${code}&state=${q.get('state')}`);

    await p.run();

    expect(p.recorder.types).toEqual(['login_completed']);
    expect(p.allowlist.learned()).toEqual(DISCOVERY);
  });

  it('installs nothing of a failed callback and keeps the restored session: login_failed, error, address bar back to /', async () => {
    const session = await stored();
    const p = page(`${APP_ORIGIN}/callback?code=forged&state=${'s'.repeat(43)}`);

    await p.run();

    expect(p.holder.current()).toEqual(session);
    expect(p.recorder.types).toEqual(['login_failed']);
    expect(p.recorder.state.error?.code).toBe('state_mismatch');
    expect(p.recorder.state.loginOutcome).toEqual({ type: 'login_failed', error: p.recorder.state.error! });
    expect(p.platform.replaced).toEqual(['/callback', '/']);
    expect(storage.getItem(sessionKey(SCOPE))).not.toBeNull();
  });

  describe("a popup login's callback page", () => {
    let hub: TabHub;
    beforeEach(() => (hub = new TabHub()));

    /** A page on the callback URL with a channel hub and a window it can close. */
    function popupPage(url: string, config: Record<string, unknown> = {}): Page & { closed: () => number } {
      const p = page(url, { hub, config });
      let closed = 0;
      Object.assign(p.platform, { closeWindow: () => void closed++ });
      return Object.assign(p, { closed: () => closed });
    }

    /** Where the opener listens: the channel named by the login's state. */
    function listen(state: string): unknown[] {
      const heard: unknown[] = [];
      hub.channel(state).onMessage((message) => heard.push(message));
      return heard;
    }

    it("hands the whole callback URL to the opener over the channel named by the state, cleans the address bar, closes the window and does nothing else", async () => {
      await stored();
      const state = POPUP_STATE_PREFIX + 'a'.repeat(43);
      const heard = listen(state);
      const href = `${APP_ORIGIN}/callback?code=popup-code&state=${state}`;
      const p = popupPage(href);
      let settled = false;
      void p.run().then(() => (settled = true));
      await hub.flush();

      expect(heard).toEqual([href]);
      expect(p.platform.replaced).toEqual([`${APP_ORIGIN}/callback`]);
      expect(p.closed()).toBe(1);
      // Nothing restored, consumed, fetched or reported; start-up never ends (guards wait).
      expect(p.holder.current()).toBeNull();
      expect(provider.requests).toEqual([]);
      expect(p.recorder.patches).toEqual([]);
      expect(p.recorder.events).toEqual([]);
      await tick();
      expect(settled).toBeFalse();
    });

    it('hands over an answer in the fragment (implicit and hybrid flows)', async () => {
      const state = POPUP_STATE_PREFIX + 'b'.repeat(43);
      const heard = listen(state);
      const href = `${APP_ORIGIN}/callback#id_token=x&state=${state}`;
      const p = popupPage(href);
      void p.run();
      await hub.flush();
      expect(heard).toEqual([href]);
      expect(p.closed()).toBe(1);
    });

    it('hands over nothing without withPopupLogin(): the page treats it as its own callback', async () => {
      const state = POPUP_STATE_PREFIX + 'c'.repeat(43);
      const heard = listen(state);
      const p = page(`${APP_ORIGIN}/callback?code=popup-code&state=${state}`, { hub, popup: false });
      await p.run();
      await hub.flush();

      expect(heard).toEqual([]);
      expect(p.recorder.events.map((e) => e.type)).toEqual(['login_failed']);
    });

    it('completes a redirect login as usual: a state without the popup prefix is not handed over', async () => {
      const before = page();
      const { url } = await startLogin(before.ctx);
      const q = new URL(url).searchParams;
      const heard = listen(q.get('state')!);
      const code = server.issueCode({ status: 200, json: { access_token: 'access-token-0', token_type: 'Bearer', expires_in: 3600, id_token: await server.idToken({ nonce: q.get('nonce')! }) } });
      const p = popupPage(`${APP_ORIGIN}/callback?code=${code}&state=${q.get('state')}`);
      await p.run();
      await hub.flush();
      expect(heard).toEqual([]);
      expect(p.closed()).toBe(0);
      expect(p.recorder.types).toEqual(['login_completed']);
    });

    it('completes the login itself when this page holds the transaction of the popup state', async () => {
      const before = page();
      const { url } = await startLogin(before.ctx, { state: POPUP_STATE_PREFIX + 'c'.repeat(43) });
      const q = new URL(url).searchParams;
      expect(transactions.getItem(TRANSACTION_PREFIX + q.get('state'))).not.toBeNull();
      const heard = listen(q.get('state')!);
      const code = server.issueCode({ status: 200, json: { access_token: 'access-token-0', token_type: 'Bearer', expires_in: 3600, id_token: await server.idToken({ nonce: q.get('nonce')! }) } });
      const p = popupPage(`${APP_ORIGIN}/callback?code=${code}&state=${q.get('state')}`);
      await p.run();
      await hub.flush();
      expect(heard).toEqual([]);
      expect(p.closed()).toBe(0);
      expect(p.holder.current()?.tokens.accessToken).toBe('access-token-0');
    });

    it('hands over nothing away from the redirect URI, or with a malformed popup state', async () => {
      const state = POPUP_STATE_PREFIX + 'd'.repeat(43);
      const heard = listen(state);
      const elsewhere = popupPage(`${APP_ORIGIN}/orders?code=x&state=${state}`);
      await elsewhere.run();
      const short = popupPage(`${APP_ORIGIN}/callback?code=x&state=${POPUP_STATE_PREFIX}short`);
      await short.run();
      await hub.flush();
      expect(heard).toEqual([]);
      expect(elsewhere.closed() + short.closed()).toBe(0);
      expect(short.recorder.state.error?.code).toBe('state_mismatch');
    });
  });

  describe('a restored session whose token expired, without a refresh token', () => {
    async function expiredSession(): Promise<StoredSession> {
      const session = await stored({ refreshToken: undefined, expiresAt: clock.now + HOUR });
      clock.advance(HOUR);
      return session;
    }

    it('ends it (session_expired) without silent authentication; it was never shown', async () => {
      await expiredSession();
      const p = page();

      await p.run();

      expect(p.expired).toEqual([undefined]);
      expect(p.renewals).toEqual([]);
      expect(p.holder.current()).toBeNull();
      expect(p.recorder.patches[0]).withContext('held silently, then ended').toEqual({ session: null, error: jasmine.any(AuthError) });
      expect(p.recorder.types).toEqual(['session_expired']);
    });

    it('renews it by silent authentication, for its audience', async () => {
      const session = await expiredSession();
      const p = page(undefined, { silent: true });

      await p.run();

      expect(p.renewals).toEqual([[{ audience: API }, undefined]]);
      expect(p.expired).toEqual([]);
      expect(p.holder.current()).withContext('held (the renewer installs the renewed one)').toEqual(session);
      expect(p.recorder.patches).withContext('nothing shown until renewed').toEqual([]);
    });

    it('ends it with the failure when silent authentication fails', async () => {
      await expiredSession();
      const failure = new AuthError('timeout', 'no answer');
      const p = page(undefined, { silent: true, renew: () => Promise.reject(failure) });

      await p.run();

      expect(p.renewals.length).toBe(1);
      expect(p.expired).toEqual([failure]);
      expect(p.holder.current()).toBeNull();
    });
  });
});
