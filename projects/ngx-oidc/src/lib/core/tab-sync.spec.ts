import { decodeJwt } from 'jose';
import { createKey, FakeProvider, NOW, rejectionOf, SCOPE, signToken, testConfig, type TestKey } from '../../test-support/fake-provider';
import { ClientRecorder, FakeAuthServer, ManualClock, SharedLock, TabHub } from '../../test-support/fake-platform';
import { AuthError } from './errors';
import { createMetadataCache } from './metadata-cache';
import { createSessionHolder, type SessionHolder } from './session-holder';
import { saveSession, scopeName, type StoredSession } from './session-store';
import { MemoryStorage, type AuthStorage } from './storage';
import { createTabSync, ENDED_KEPT, holderLock, RenewalMarks, renewedLock, TAB_WAIT_MS, type TabMessage, type TabSync } from './tab-sync';
import { findToken, type TokenRequest } from './token-cache';
import type { IdTokenClaims, TokenSet } from './types';
import { until } from '../../test-support/tasks';

const API = 'https://api.example.com';
const MGMT = 'https://mgmt.example.com';
const HOUR = 3600_000;
const LOGIN_SCOPE = 'openid profile email offline_access';
const SCOPE_NAME = scopeName(SCOPE);
const CHANNEL = `ngx-oidc:${SCOPE_NAME}`;

/** One tab: its tab sync over a real session holder, with the client's other jobs scripted. */
interface Tab {
  readonly sync: TabSync;
  readonly holder: SessionHolder;
  readonly recorder: ClientRecorder;
  readonly marks: RenewalMarks;
  readonly warnings: string[];
  /** What other tabs asked this one to renew (`getAccessToken` calls). */
  readonly asked: (TokenRequest & { readonly forceRefresh?: boolean })[];
  /** How `getAccessToken` answers; default: it never settles. */
  renew: (options: TokenRequest & { readonly forceRefresh?: boolean }) => Promise<unknown>;
  /** How often the renewal timer was re-armed (`schedule`). */
  schedules: number;
}


/** Lets promise callbacks run, with jasmine's clock installed (no task can run). */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 40; i++) await Promise.resolve();
}

describe('createTabSync', () => {
  let key: TestKey;
  let provider: FakeProvider;
  let clock: ManualClock;
  let server: FakeAuthServer;
  let hub: TabHub;
  let lock: SharedLock;
  /** Another tab as any script on the origin can be: posts anything, hears everything. */
  let peer: ReturnType<TabHub['channel']>;

  beforeAll(async () => {
    key = await createKey('k1');
  });

  beforeEach(() => {
    provider = new FakeProvider();
    clock = new ManualClock(NOW);
    server = new FakeAuthServer(provider, key, clock);
    hub = new TabHub();
    lock = new SharedLock();
    peer = hub.channel(CHANNEL);
  });

  function newTab(storage: AuthStorage = new MemoryStorage(), config: Record<string, unknown> = {}): Tab {
    const resolved = testConfig({ scope: LOGIN_SCOPE, storage: 'memory', ...config });
    const channel = hub.channel(CHANNEL);
    const marks = new RenewalMarks(lock.locks, SCOPE_NAME);
    const recorder = new ClientRecorder();
    const warnings: string[] = [];
    const warn = (message: string) => void warnings.push(message);
    const metadata = createMetadataCache(resolved.authority, provider.fetch, new MemoryStorage(), () => clock.now);
    const holder = createSessionHolder(resolved, storage, recorder, channel, marks, warn, () => undefined);
    const tab: Tab = {
      holder,
      recorder,
      marks,
      warnings,
      asked: [],
      renew: () => new Promise(() => undefined),
      schedules: 0,
      sync: createTabSync({
        config: resolved,
        channel,
        marks,
        holder,
        listener: recorder,
        storage,
        now: () => clock.now,
        warn,
        metadata: () => metadata.load(),
        cached: (request) => {
          const session = holder.current();
          return session ? findToken(session, request, clock.now, 0) : undefined;
        },
        getAccessToken: (options) => {
          tab.asked.push(options);
          return tab.renew(options);
        },
        schedule: () => void tab.schedules++,
      }),
    };
    return tab;
  }

  /** Alice's session at the clock's time, with an ID token signed by the provider's key. */
  async function aliceSession(overrides: Partial<TokenSet> = {}, extra: Partial<StoredSession> = {}, claims: Record<string, unknown> = {}): Promise<StoredSession> {
    const idToken = await server.idToken({ nonce: 'login-nonce', ...claims });
    const decoded = decodeJwt(idToken) as unknown as IdTokenClaims;
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
      claims: decoded,
      ...overrides,
    };
    return { tokens, user: { ...decoded }, id: 'g1', login: 'l1', ...extra };
  }

  const posted = () => hub.posted.map((p) => p.message as TabMessage);
  const sessionsOf = (tab: Tab) => tab.recorder.types.filter((type) => type === 'session_synced').length;

  /** Posts a session from `peer` and waits until `tab` adopted it. */
  async function adoptedFromPeer(tab: Tab, session: StoredSession, holder = true): Promise<void> {
    const before = sessionsOf(tab);
    peer.post({ type: 'session', session, holder } satisfies TabMessage);
    await until(() => sessionsOf(tab) > before);
  }

  describe('session messages', () => {
    it('adopts a verified session (session_synced) without announcing it again, and never takes a refresh token from the channel', async () => {
      const b = newTab();
      const session = await aliceSession();

      peer.post({ type: 'session', session, holder: true } satisfies TabMessage);
      await until(() => b.recorder.types.length > 0);

      expect(b.recorder.types).toEqual(['session_synced']);
      const current = b.holder.current()!;
      expect(current).toEqual({ ...session, tokens: { ...session.tokens, refreshToken: undefined } });
      expect(current.tokens.refreshToken).toBeUndefined();
      expect(b.holder.delegated).withContext('the sender holds the refresh token and renews for this tab').toBe(true);
      expect(b.recorder.patches).toEqual([{ session: current }, { error: null, pending: null }]);
      expect(posted().length).withContext('only the peer posted').toBe(1);
      expect(b.warnings).toEqual([]);
    });

    it('is not delegated a session whose sender holds no refresh token', async () => {
      const b = newTab();
      await adoptedFromPeer(b, await aliceSession({ refreshToken: undefined }), false);

      expect(b.holder.current()?.tokens.accessToken).toBe('access-token-0');
      expect(b.holder.delegated).toBe(false);
    });

    it('keeps its own refresh token for its login when the sender holds none, and drops it when the sender holds one', async () => {
      const a = newTab();
      a.holder.set(await aliceSession(), false);
      clock.advance(1000);

      await adoptedFromPeer(a, await aliceSession({ accessToken: 'access-token-1', refreshToken: undefined }, { id: 'g2' }), false);
      expect(a.holder.current()?.tokens.accessToken).toBe('access-token-1');
      expect(a.holder.current()?.tokens.refreshToken).toBe('refresh-token-0');
      clock.advance(1000);

      // The sender rotated the refresh token this tab held (a duplicated tab): it renews from now on.
      await adoptedFromPeer(a, await aliceSession({ accessToken: 'access-token-2', refreshToken: undefined }, { id: 'g3' }), true);
      expect(a.holder.current()?.tokens.refreshToken).toBeUndefined();
      expect(a.holder.delegated).toBe(true);
    });

    it('ignores a forged session (ID token x.y.z, sub mallory) with a warning', async () => {
      const b = newTab();
      const forged = await aliceSession({ idToken: 'x.y.z', accessToken: 'mallory-token' });
      const claims = { ...forged.tokens.claims, sub: 'mallory' };

      peer.post({ type: 'session', session: { ...forged, tokens: { ...forged.tokens, claims }, user: claims }, holder: true } satisfies TabMessage);
      await until(() => b.warnings.length > 0);

      expect(b.warnings).toEqual(['ngx-oidc: ignored a session from another tab whose ID token does not verify (invalid_response).']);
      expect(b.holder.current()).toBeNull();
      expect(b.recorder.patches).toEqual([]);
      expect(b.recorder.events).toEqual([]);
    });

    it("ignores a genuine ID token under another user's claims or user, one of another issuer or client, or signed with another key", async () => {
      const b = newTab();
      const genuine = await aliceSession();
      const other = await createKey('k1'); // same kid, another key: not the provider's
      const cases: [string, StoredSession][] = [
        ['invalid_response', { ...genuine, tokens: { ...genuine.tokens, claims: { ...genuine.tokens.claims, sub: 'mallory' } } }],
        ['invalid_response', { ...genuine, user: { ...genuine.user, sub: 'mallory' } }],
        ['invalid_issuer', await aliceSession({}, {}, { iss: 'https://staging.example.com' })],
        ['invalid_audience', await aliceSession({}, {}, { aud: 'another-client' })],
        ['invalid_signature', await aliceSession({ idToken: await signToken(other, decodeJwt(genuine.tokens.idToken)) })],
      ];

      cases.forEach(([, session], i) => peer.post({ type: 'session', session: { ...session, id: `g${i}` }, holder: true } satisfies TabMessage));
      await until(() => b.warnings.length === cases.length);

      expect(b.warnings.map((w) => /\((\w+)\)/.exec(w)?.[1])).toEqual(cases.map(([code]) => code));
      expect(b.holder.current()).toBeNull();
      expect(b.recorder.events).toEqual([]);
    });

    it('ignores an older generation, and the same generation again, of the session it holds', async () => {
      const b = newTab();
      clock.advance(1000);
      await adoptedFromPeer(b, await aliceSession({ accessToken: 'access-token-2' }, { id: 'g2' }));
      clock.advance(1000);

      peer.post({ type: 'session', session: await aliceSession({ accessToken: 'access-token-1', obtainedAt: NOW }, { id: 'g1' }), holder: true } satisfies TabMessage);
      peer.post({ type: 'session', session: await aliceSession({ accessToken: 'access-token-2b' }, { id: 'g2' }), holder: true } satisfies TabMessage);
      // Handled in order: once the newer one is adopted, the two before it were handled.
      await adoptedFromPeer(b, await aliceSession({ accessToken: 'access-token-3' }, { id: 'g3' }));

      expect(b.recorder.types).toEqual(['session_synced', 'session_synced']);
      expect(b.holder.current()?.tokens.accessToken).toBe('access-token-3');
      expect(b.warnings).toEqual([]);
    });

    it('re-reads shared storage on a reload message, refresh token included (the storage-event fallback)', async () => {
      const shared = new MemoryStorage();
      const b = newTab(shared, { storage: 'local' });
      saveSession(shared, SCOPE, await aliceSession());

      peer.post({ type: 'reload' } satisfies TabMessage);
      await until(() => b.recorder.types.length > 0);

      expect(b.recorder.types).toEqual(['session_synced']);
      expect(b.holder.current()?.tokens.refreshToken).toBe('refresh-token-0');
      expect(b.holder.delegated).toBe(false);
    });

    it('adopt() takes over a stored session with its refresh token once it verifies, and refuses a forged one', async () => {
      const b = newTab();
      const forged = await aliceSession({ idToken: 'x.y.z' });

      expect(await b.sync.adopt(forged)).toBe(false);
      expect(b.warnings.length).toBe(1);
      expect(await b.sync.adopt(await aliceSession())).toBe(true);
      expect(b.holder.current()?.tokens.refreshToken).toBe('refresh-token-0');
      expect(b.recorder.events).withContext('the renewer reports what it adopts').toEqual([]);
      expect(await b.sync.adopt(await aliceSession())).withContext('the same generation again').toBe(false);
    });
  });

  describe('logout', () => {
    it('a logout message ends the session (logged_out); late messages of that login are ignored, a new login is adopted', async () => {
      const b = newTab();
      await adoptedFromPeer(b, await aliceSession());

      peer.post({ type: 'logout', login: 'l1' } satisfies TabMessage);
      await until(() => b.holder.current() === null);
      expect(b.recorder.types).toEqual(['session_synced', 'logged_out']);

      // A third tab, still renewing when the logout came, posts that login's session afterwards.
      clock.advance(1000);
      peer.post({ type: 'session', session: await aliceSession({ accessToken: 'late-token' }, { id: 'g-late' }), holder: true } satisfies TabMessage);
      await adoptedFromPeer(b, await aliceSession({ accessToken: 'access-token-new' }, { id: 'g-new', login: 'l2' }));

      expect(b.holder.current()?.login).toBe('l2');
      expect(b.holder.current()?.tokens.accessToken).toBe('access-token-new');
      expect(b.recorder.types).toEqual(['session_synced', 'logged_out', 'session_synced']);
      expect(b.warnings).toEqual([]);
    });

    it('logout() tells the other tabs which login ended, and ignores that login from then on', async () => {
      const a = newTab();
      a.holder.set(await aliceSession(), true);
      a.holder.end('logged_out');

      a.sync.logout('l1');
      expect(posted().at(-1)).toEqual({ type: 'logout', login: 'l1' });

      clock.advance(1000);
      peer.post({ type: 'session', session: await aliceSession({ accessToken: 'late-token' }, { id: 'g-late' }), holder: true } satisfies TabMessage);
      await adoptedFromPeer(a, await aliceSession({ accessToken: 'access-token-new' }, { id: 'g-new', login: 'l2' }));

      expect(a.holder.current()?.tokens.accessToken).toBe('access-token-new');
      expect(a.recorder.types).toEqual(['logged_out', 'session_synced']);
    });

    it(`remembers the last ${ENDED_KEPT} ended logins, not every one (a tab that logs in and out all day)`, async () => {
      const a = newTab();
      a.sync.logout('l1');
      for (let i = 1; i < ENDED_KEPT; i++) a.sync.logout(`later-${i}`);

      // l1 is among the last ENDED_KEPT: its late session is ignored, a newer login adopted.
      clock.advance(1000);
      peer.post({ type: 'session', session: await aliceSession({ accessToken: 'late-token' }, { id: 'g-late' }), holder: true } satisfies TabMessage);
      await adoptedFromPeer(a, await aliceSession({ accessToken: 'access-token-l2' }, { id: 'g-l2', login: 'l2' }));
      expect(a.holder.current()?.tokens.accessToken).toBe('access-token-l2');

      // One more logout and l1 is forgotten: a (newer) session of it is adopted again.
      a.sync.logout('one-more');
      clock.advance(1000);
      await adoptedFromPeer(a, await aliceSession({ accessToken: 'access-token-l1-again' }, { id: 'g-l1' }));
      expect(a.holder.current()?.tokens.accessToken).toBe('access-token-l1-again');
    });

    it('a logout message without a session emits nothing', async () => {
      const b = newTab();
      peer.post({ type: 'logout' } satisfies TabMessage);
      await until(() => b.recorder.patches.length > 0);

      expect(b.recorder.patches).toEqual([{ session: null }]);
      expect(b.recorder.events).toEqual([]);
    });
  });

  describe('renewal requests', () => {
    /** A tab holding alice's refresh token, renewing into `access-token-1` when asked. */
    async function holderTab(): Promise<Tab> {
      const a = newTab();
      a.holder.set(await aliceSession(), true);
      clock.advance(1000);
      const renewed = await aliceSession({ accessToken: 'access-token-1', refreshToken: 'refresh-token-1' });
      a.renew = async () => a.holder.set(renewed, true);
      return a;
    }

    it('are answered by the tab holding the refresh token: it renews and posts its session, without the refresh token', async () => {
      const a = await holderTab();
      const from = a.holder.current()!.id!;

      peer.post({ type: 'renew', from, audience: MGMT, scope: 'read', force: true } satisfies TabMessage);
      // Posted: A's login, the request, A's renewal (announced by its holder) and the answer.
      await until(() => posted().length === 4);

      expect(a.asked).toEqual([{ audience: MGMT, scope: 'read', forceRefresh: true }]);
      const answer = posted()[3];
      const { refreshToken, ...tokens } = a.holder.current()!.tokens;
      expect(refreshToken).toBe('refresh-token-1');
      expect(answer).toEqual({ type: 'session', session: { ...a.holder.current()!, tokens }, holder: true });
      expect(JSON.stringify(hub.posted)).not.toContain('refresh-token');
    });

    it('force renews only the generation the asking tab holds', async () => {
      const a = await holderTab();

      peer.post({ type: 'renew', from: 'an-older-generation', force: true } satisfies TabMessage);
      await until(() => a.asked.length === 1);

      expect(a.asked).toEqual([{ audience: undefined, scope: undefined, forceRefresh: false }]);
    });

    it("are answered with renew_failed and the renewal's code when it fails (invalid_response for anything else)", async () => {
      const a = await holderTab();
      a.renew = () => Promise.reject(new AuthError('login_required', 'the provider requires a new login'));
      peer.post({ type: 'renew', from: 'g-x', force: false } satisfies TabMessage);
      await until(() => posted().length === 3);
      a.renew = () => Promise.reject(new Error('bug'));
      peer.post({ type: 'renew', from: 'g-y', force: false } satisfies TabMessage);
      await until(() => posted().length === 5);

      expect(posted().filter((m) => m.type === 'renew_failed')).toEqual([
        { type: 'renew_failed', from: 'g-x', code: 'login_required' },
        { type: 'renew_failed', from: 'g-y', code: 'invalid_response' },
      ]);
    });

    it('are ignored by a tab without a refresh token', async () => {
      const b = newTab();
      b.holder.set(await aliceSession({ refreshToken: undefined }), false);

      peer.post({ type: 'renew', from: 'g1', force: true } satisfies TabMessage);
      // Its handling is synchronous once delivered; a later message shows it was handled.
      peer.post({ type: 'logout', login: 'l1' } satisfies TabMessage);
      await until(() => b.holder.current() === null);

      expect(b.asked).toEqual([]);
      expect(posted().map((m) => m.type)).toEqual(['renew', 'logout']);
    });
  });

  describe('askHolder', () => {
    /** Tab B, which adopted alice's session from tab A (holding the refresh token and its lock). */
    async function delegatedPair(): Promise<{ a: Tab; b: Tab }> {
      const b = newTab();
      const a = newTab();
      a.holder.set(await aliceSession(), true);
      await until(() => b.holder.current() !== null);
      expect(b.holder.delegated).toBe(true);
      expect(await b.marks.holderExists()).toBe(true);
      return { a, b };
    }

    it('does nothing unless the session came from a tab holding the refresh token', async () => {
      const b = newTab();
      expect(await b.sync.askHolder({}, undefined)).withContext('no session').toBeUndefined();
      b.holder.set(await aliceSession({ refreshToken: undefined }), false);
      expect(await b.sync.askHolder({}, undefined)).withContext('not delegated').toBeUndefined();
      b.holder.set(await aliceSession(), false);
      b.holder.delegated = true;
      expect(await b.sync.askHolder({}, undefined)).withContext('a refresh token of its own').toBeUndefined();

      expect(hub.posted).toEqual([]);
      expect(b.schedules).toBe(0);
    });

    it('falls back, no longer delegated and with the timer re-armed, when no tab holds the refresh token any more', async () => {
      const { a, b } = await delegatedPair();
      a.marks.release(); // the page holding it is closed: its locks go with it
      await until(() => lock.holds.size === 0);

      expect(await b.sync.askHolder({}, 'access-token-0')).toBeUndefined();

      expect(b.holder.delegated).toBe(false);
      expect(b.schedules).toBe(1);
      expect(posted().map((m) => m.type)).toEqual(['session']);
    });

    it('posts renew for its generation and returns the token of the session the holder sends back', async () => {
      const { a, b } = await delegatedPair();
      clock.advance(1000);
      const renewed = await aliceSession({ accessToken: 'access-token-1', refreshToken: 'refresh-token-1' });
      a.renew = async () => a.holder.set(renewed, true);

      const from = b.holder.current()!.id!;

      expect(await b.sync.askHolder({ audience: API }, 'access-token-0')).toBe('access-token-1');

      expect(posted()[1]).toEqual({ type: 'renew', from, audience: API, scope: undefined, force: true });
      expect(a.asked).toEqual([{ audience: API, scope: undefined, forceRefresh: true }]);
      expect(b.holder.current()?.tokens.refreshToken).toBeUndefined();
      expect(b.holder.delegated).toBe(true);
    });

    it("throws the holder's error code when it answers renew_failed for this generation", async () => {
      const { a, b } = await delegatedPair();
      a.renew = () => Promise.reject(new AuthError('login_required', 'the provider requires a new login'));

      const from = b.holder.current()!.id!;

      const error = await rejectionOf(b.sync.askHolder({}, undefined));

      expect(error.code).toBe('login_required');
      expect(posted()[1]).toEqual({ type: 'renew', from, audience: undefined, scope: undefined, force: false });
      expect(b.holder.current()?.tokens.accessToken).withContext('the session stays (the renewer decides)').toBe('access-token-0');
      expect(a.asked).toEqual([{ audience: undefined, scope: undefined, forceRefresh: false }]);
    });

    it('ignores a renew_failed about another generation', async () => {
      const b = newTab();
      const release = await lock.locks.hold(holderLock(SCOPE_NAME)); // the peer holds a refresh token
      await adoptedFromPeer(b, await aliceSession());
      clock.advance(1000);
      const renewed = await aliceSession({ accessToken: 'access-token-1' }, { id: 'g2' });
      peer.onMessage((message) => {
        if ((message as TabMessage).type !== 'renew') return;
        peer.post({ type: 'renew_failed', from: 'g0', code: 'login_required' } satisfies TabMessage);
        peer.post({ type: 'session', session: renewed, holder: true } satisfies TabMessage);
      });

      expect(await b.sync.askHolder({ audience: API }, undefined)).toBe('access-token-1');
      release();
    });

    it('gives up after TAB_WAIT_MS without an answer: the token held, unless it is the rejected one', async () => {
      const { b } = await delegatedPair();
      hub.holding = true; // the holder never hears of it (closed mid-renewal)
      jasmine.clock().install();
      try {
        for (const [rejected, expected] of [['access-token-0', undefined], [undefined, 'access-token-0']] as const) {
          let answer = null as string | undefined | null;
          void b.sync.askHolder({ audience: API }, rejected).then((token) => (answer = token));
          await microtasks();
          jasmine.clock().tick(TAB_WAIT_MS - 1);
          await microtasks();
          expect(answer).withContext(`still waiting (rejected ${rejected})`).toBeNull();

          jasmine.clock().tick(1);
          await microtasks(); // not `await asked`: the clock must be uninstalled even if it never settles
          expect(answer).withContext(`rejected ${rejected}`).toBe(expected);
        }
        expect(posted().filter((m) => m.type === 'renew').length).toBe(2);
      } finally {
        jasmine.clock().uninstall();
      }
    });
  });

  describe('RenewalMarks', () => {
    it('marks a renewed generation for every tab sharing the locks', async () => {
      const mine = new RenewalMarks(lock.locks, SCOPE_NAME);
      const theirs = new RenewalMarks(lock.locks, SCOPE_NAME);

      await mine.mark('g1');

      expect([...lock.holds.keys()]).toEqual([renewedLock(SCOPE_NAME, 'g1')]);
      expect(await theirs.renewed('g1')).toBe(true);
      expect(await theirs.renewed('g2')).toBe(false);
      expect(await new RenewalMarks(lock.locks, 'another client').renewed('g1')).toBe(false);
    });

    it('keeps only its last 4 marks', async () => {
      const marks = new RenewalMarks(lock.locks, SCOPE_NAME);
      for (const id of ['g1', 'g2', 'g3', 'g4', 'g5']) await marks.mark(id);

      expect(await marks.renewed('g1')).toBe(false);
      for (const id of ['g2', 'g3', 'g4', 'g5']) expect(await marks.renewed(id)).withContext(id).toBe(true);
      expect(lock.holds.size).toBe(4);
    });

    it('tells whether any tab holds a refresh token, holding the lock once however often asked', async () => {
      const mine = new RenewalMarks(lock.locks, SCOPE_NAME);
      const theirs = new RenewalMarks(lock.locks, SCOPE_NAME);
      expect(await mine.holderExists()).toBe(false);

      theirs.holdRefreshToken(true);
      theirs.holdRefreshToken(true);
      expect(await mine.holderExists()).toBe(true);
      expect(lock.holds.get(holderLock(SCOPE_NAME))).toBe(1);

      theirs.holdRefreshToken(false);
      await until(() => lock.holds.size === 0);
      expect(await mine.holderExists()).toBe(false);
    });

    it('release() lets go of the refresh token lock and every mark', async () => {
      const marks = new RenewalMarks(lock.locks, SCOPE_NAME);
      marks.holdRefreshToken(true);
      await marks.mark('g1');
      await marks.mark('g2');
      expect(lock.holds.size).toBe(3);

      marks.release();
      await until(() => lock.holds.size === 0);
      expect(await marks.renewed('g1')).toBe(false);
    });

    it('without Web Locks: nothing is marked, and a holder is assumed to exist', async () => {
      const marks = new RenewalMarks(undefined, SCOPE_NAME);

      await marks.mark('g1');
      marks.holdRefreshToken(true);
      marks.release();

      expect(await marks.renewed('g1')).toBe(false);
      expect(await marks.holderExists()).toBe(true);
    });
  });
});
