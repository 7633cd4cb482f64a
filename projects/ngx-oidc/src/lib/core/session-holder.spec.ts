import { FailingStorage, ISSUER, CLIENT_ID, NOW, quotaExceeded, SCOPE, testConfig } from '../../test-support/fake-provider';
import { ClientRecorder, SharedLock, TabHub } from '../../test-support/fake-platform';
import { ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE } from './config';
import { AuthError } from './errors';
import type { AuthEvent } from './events';
import { createSessionHolder, loginOf, type SessionHolder } from './session-holder';
import { scopeName, sessionKey, type StoredSession } from './session-store';
import { MemoryStorage, type AuthStorage } from './storage';
import { holderLock, RenewalMarks, type TabMessage } from './tab-sync';
import type { TokenSet } from './types';

const HOLDER_LOCK = holderLock(scopeName(SCOPE));
const CHANNEL = `ngx-oidc:${scopeName(SCOPE)}`;

/** A session of alice (the holder never checks the ID token: tab sync and the callback do). */
function aliceSession(overrides: Partial<TokenSet> = {}, extra: Partial<StoredSession> = {}): StoredSession {
  const iat = Math.floor(NOW / 1000);
  const claims = { iss: ISSUER, sub: 'alice', aud: CLIENT_ID, iat, exp: iat + 300 };
  return {
    tokens: {
      idToken: 'id-token-0',
      accessToken: 'access-token-0',
      tokenType: 'Bearer',
      expiresAt: NOW + 3600_000,
      obtainedAt: NOW,
      refreshToken: 'refresh-token-0',
      scope: 'openid offline_access',
      requestedScope: 'openid offline_access',
      claims,
      ...overrides,
    },
    user: { ...claims },
    ...extra,
  };
}

/** A listener that also notes the state each event found (the error must be set before it). */
class Recorder extends ClientRecorder {
  readonly errorAtEvent: (AuthError | null)[] = [];
  override event(event: AuthEvent): void {
    this.errorAtEvent.push(this.state.error);
    super.event(event);
  }
}

describe('createSessionHolder', () => {
  let storage: AuthStorage;
  let recorder: Recorder;
  let hub: TabHub;
  let lock: SharedLock;
  let warnings: string[];
  /** The session each `onChange` call saw. */
  let changes: (StoredSession | null)[];
  let holder: SessionHolder;

  function create(config: Record<string, unknown> = {}, over: AuthStorage = new MemoryStorage()): SessionHolder {
    storage = over;
    const marks = new RenewalMarks(lock.locks, scopeName(SCOPE));
    holder = createSessionHolder(testConfig({ storage: 'session', ...config }), storage, recorder, hub.channel(CHANNEL), marks, (m) => warnings.push(m), () =>
      changes.push(holder.current()),
    );
    return holder;
  }

  beforeEach(() => {
    recorder = new Recorder();
    hub = new TabHub();
    lock = new SharedLock();
    warnings = [];
    changes = [];
  });

  function persisted(): StoredSession | null {
    const raw = storage.getItem(sessionKey(SCOPE));
    return raw === null ? null : (JSON.parse(raw) as StoredSession);
  }

  const posted = () => hub.posted.map((p) => p.message as TabMessage);

  /** Lets the lock releases (promise callbacks) run. */
  const settle = () => hub.flush();

  describe('set(session, announce: true)', () => {
    it('installs the session under a new generation id, then runs onChange', () => {
      create();
      const session = aliceSession({}, { id: 'generation-0', login: 'login-1' });

      holder.set(session, true);
      const first = holder.current()!;
      holder.set(session, true);
      const second = holder.current()!;

      expect(first.id).toMatch(/^[\w-]{43}$/);
      expect(first.id).not.toBe('generation-0');
      expect(second.id).not.toBe(first.id);
      expect(first).toEqual({ ...session, id: first.id });
      expect(first.login).toBe('login-1');
      expect(recorder.patches).toEqual([{ session: first }, { session: second }]);
      expect(changes).toEqual([first, second]);
      expect(recorder.events).toEqual([]);
    });

    it('posts the session without its refresh token, holder: true, to the other tabs', () => {
      create();

      holder.set(aliceSession(), true);

      const { refreshToken, ...tokens } = holder.current()!.tokens;
      expect(refreshToken).toBe('refresh-token-0');
      expect(posted()).toEqual([{ type: 'session', session: { ...holder.current()!, tokens }, holder: true }]);
      expect(JSON.stringify(hub.posted)).not.toContain('refresh-token');
    });

    it('posts holder: false when the session has no refresh token', () => {
      create();

      holder.set(aliceSession({ refreshToken: undefined }), true);

      const { refreshToken, ...tokens } = holder.current()!.tokens;
      expect(refreshToken).toBeUndefined();
      expect(posted()).toEqual([{ type: 'session', session: { ...holder.current()!, tokens }, holder: false }]);
    });

    it("persists it, refresh token included, with storage: 'session' and with an app's own storage", () => {
      create({ storage: 'session' });
      holder.set(aliceSession(), true);
      expect(persisted()).toEqual(holder.current());
      expect(persisted()?.tokens.refreshToken).toBe('refresh-token-0');

      const own = new MemoryStorage();
      create({ storage: own }, own);
      holder.set(aliceSession(), true);
      expect(persisted()?.tokens.refreshToken).toBe('refresh-token-0');
    });

    it("persists it without the refresh token with storage: 'local', unless the app opted in", () => {
      create({ storage: 'local' });
      holder.set(aliceSession(), true);
      const { refreshToken, ...tokens } = holder.current()!.tokens;
      expect(refreshToken).withContext('the tab keeps it in memory').toBe('refresh-token-0');
      expect(persisted()).toEqual({ ...holder.current()!, tokens });

      create({ storage: 'local', refreshTokenInLocalStorage: ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE });
      holder.set(aliceSession(), true);
      expect(persisted()?.tokens.refreshToken).toBe('refresh-token-0');
    });

    it("persists nothing with storage: 'memory'", () => {
      create({ storage: 'memory' });

      holder.set(aliceSession(), true);

      expect(storage.length).toBe(0);
      expect(holder.current()?.tokens.refreshToken).toBe('refresh-token-0');
      expect(posted().length).withContext('the other tabs still hear of it').toBe(1);
    });

    it('warns when the storage refuses the session, and keeps it in memory', () => {
      const failing = new FailingStorage();
      failing.failSet = quotaExceeded();
      create({}, failing);

      holder.set(aliceSession(), true);

      expect(warnings.length).toBe(1);
      expect(warnings[0]).toContain('The session lives in memory only.');
      expect(warnings[0]).toContain(sessionKey(SCOPE));
      expect(holder.current()?.tokens.accessToken).toBe('access-token-0');
      expect(recorder.state.session).toBe(holder.current());
      expect(posted().length).toBe(1);
      expect(changes.length).toBe(1);
    });
  });

  describe('set(session, announce: false)', () => {
    it('installs the session as given: same id, nothing persisted or posted, onChange runs', () => {
      create();
      const session = aliceSession({}, { id: 'generation-7' });

      holder.set(session, false);

      expect(holder.current()).toBe(session);
      expect(recorder.patches).toEqual([{ session }]);
      expect(storage.getItem(sessionKey(SCOPE))).toBeNull();
      expect(hub.posted).toEqual([]);
      expect(changes).toEqual([session]);
    });
  });

  describe('announce()', () => {
    it('posts any session without its refresh token, and without installing it', () => {
      create();
      const session = aliceSession({}, { id: 'g1' });

      holder.announce(session);

      const { refreshToken, ...tokens } = session.tokens;
      expect(refreshToken).toBe('refresh-token-0');
      expect(posted()).toEqual([{ type: 'session', session: { ...session, tokens }, holder: true }]);
      expect(holder.current()).toBeNull();
      expect(recorder.patches).toEqual([]);
    });
  });

  describe('hold()', () => {
    it('keeps a session silently: no state update, no onChange, nothing persisted, posted or locked', async () => {
      create();
      const session = aliceSession({ expiresAt: NOW - 1, refreshToken: undefined });

      holder.hold(session);
      await settle();

      expect(holder.current()).toBe(session);
      expect(recorder.patches).toEqual([]);
      expect(changes).toEqual([]);
      expect(storage.length).toBe(0);
      expect(hub.posted).toEqual([]);
      expect(lock.holds.size).toBe(0);
    });
  });

  describe('end()', () => {
    it('forgets the session, clears storage, runs onChange, then emits the event', () => {
      create();
      holder.set(aliceSession(), true);
      holder.delegated = true;

      holder.end('logged_out');

      expect(holder.current()).toBeNull();
      expect(holder.delegated).toBe(false);
      expect(storage.getItem(sessionKey(SCOPE))).toBeNull();
      expect(recorder.patches.at(-1)).toEqual({ session: null });
      expect(recorder.types).toEqual(['logged_out']);
      expect(changes.at(-1)).toBeNull();
    });

    it('sets the error in the same update as the session, before the event', () => {
      create();
      holder.set(aliceSession(), true);
      const error = new AuthError('session_expired', 'expired');

      holder.end('session_expired', error);

      expect(recorder.patches.at(-1)).toEqual({ session: null, error });
      expect(recorder.types).toEqual(['session_expired']);
      expect(recorder.errorAtEvent).toEqual([error]);
    });

    it('emits nothing when there was no session (or no event was named), and clears storage anyway', () => {
      create();
      storage.setItem(sessionKey(SCOPE), '{"left":"over"}');

      holder.end('session_expired');
      expect(storage.getItem(sessionKey(SCOPE))).toBeNull();
      expect(recorder.patches).toEqual([{ session: null }]);
      holder.set(aliceSession(), true);
      holder.end();

      expect(recorder.events).toEqual([]);
      expect(holder.current()).toBeNull();
    });
  });

  describe('the refresh token lock (marks.holdRefreshToken)', () => {
    it('is held while the session has a refresh token, once, and let go without one or at the end', async () => {
      create();
      holder.set(aliceSession(), true);
      holder.set(aliceSession({ refreshToken: 'refresh-token-1' }), false);
      await settle();
      expect(lock.holds.get(HOLDER_LOCK)).toBe(1);

      holder.set(aliceSession({ refreshToken: undefined }), false);
      await settle();
      expect(lock.holds.has(HOLDER_LOCK)).toBe(false);

      holder.set(aliceSession(), false);
      await settle();
      expect(lock.holds.get(HOLDER_LOCK)).toBe(1);
      holder.end('logged_out');
      await settle();
      expect(lock.holds.size).toBe(0);
    });
  });

  describe('wait()', () => {
    /** A wait and whether it has resolved. */
    function waiting(id: string, ms = 10_000, done?: () => boolean): { readonly resolved: boolean; readonly promise: Promise<void> } {
      const state = { resolved: false, promise: undefined as unknown as Promise<void> };
      state.promise = holder.wait(id, ms, done).then(() => void (state.resolved = true));
      return state;
    }

    beforeEach(() => {
      create();
      holder.set(aliceSession(), true);
    });

    it('resolves at once when the generation is not the current one, or there is no session', async () => {
      await holder.wait('another-generation', 10_000);
      holder.end();
      await holder.wait('', 10_000);
      expect(holder.current()).toBeNull();
    });

    it('resolves once a new generation is set, not before', async () => {
      const id = holder.current()!.id!;
      const wait = waiting(id);
      await settle();
      expect(wait.resolved).toBe(false);

      holder.set(holder.current()!, false); // the same generation again (a tab re-installing it)
      holder.wake();
      await settle();
      expect(wait.resolved).toBe(false);

      holder.set(aliceSession({ accessToken: 'access-token-1' }), true);
      await wait.promise;
      expect(holder.current()!.id).not.toBe(id);
    });

    it('resolves on end()', async () => {
      const wait = waiting(holder.current()!.id!);
      holder.end('logged_out');
      await wait.promise;
      expect(wait.resolved).toBe(true);
    });

    it('resolves when done() holds at a wake()', async () => {
      let done = false;
      const wait = waiting(holder.current()!.id!, 10_000, () => done);
      holder.wake();
      await settle();
      expect(wait.resolved).toBe(false);

      done = true;
      holder.wake();
      await wait.promise;
      expect(holder.current()?.tokens.accessToken).withContext('the session stays').toBe('access-token-0');
    });

    it('resolves after the bounded time when nothing happens', async () => {
      jasmine.clock().install();
      try {
        const wait = waiting(holder.current()!.id!, 10_000);
        jasmine.clock().tick(9_999);
        for (let i = 0; i < 5; i++) await Promise.resolve();
        expect(wait.resolved).toBe(false);

        jasmine.clock().tick(1);
        for (let i = 0; i < 5; i++) await Promise.resolve();
        expect(wait.resolved).toBe(true);
      } finally {
        jasmine.clock().uninstall();
      }
    });
  });

  it('loginOf names the login, or the generation for a session without one', () => {
    expect(loginOf(aliceSession({}, { id: 'g1', login: 'l1' }))).toBe('l1');
    expect(loginOf(aliceSession({}, { id: 'g1' }))).toBe('g1');
    expect(loginOf(aliceSession())).toBeUndefined();
  });
});
