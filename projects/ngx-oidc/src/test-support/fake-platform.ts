import type { JWTPayload } from 'jose';
import type { ClientListener, ClientSnapshot } from '../lib/core/client';
import { AuthError } from '../lib/core/errors';
import type { AuthEvent } from '../lib/core/events';
import type { ProtocolFeatures } from '../lib/core/features';
import { POPUP_LOGIN } from '../lib/core/popup-feature';
import { SILENT_RENEWAL } from '../lib/core/silent-auth';
import { validateTokenHash } from '../lib/core/token-hash';
import type { AuthPlatform, TabChannel } from '../lib/core/platform';
import type { TabLocks } from '../lib/core/tab-sync';
import type { FetchLike } from '../lib/core/types';
import { APP_ORIGIN, CLIENT_ID, DISCOVERY, ISSUER, NOW, signToken, type FakeProvider, type RecordedRequest, type TestKey } from './fake-provider';

/** Every optional protocol part, as `withImplicitFlow()` and `withSilentAuthentication()` give them. */
export const ALL_FEATURES: ProtocolFeatures = { tokenHash: validateTokenHash, silent: SILENT_RENEWAL, popup: POPUP_LOGIN };

/** The fake provider's token endpoint. */
export const TOKEN_ENDPOINT = DISCOVERY.token_endpoint!;

/** A clock the test moves by hand; shared by every platform of one test (tabs of one browser). */
export class ManualClock {
  constructor(public now: number = NOW) {}

  advance(ms: number): void {
    this.now += ms;
  }
}

/** A timer scheduled through {@link ManualTimers}. */
export interface ScheduledTimer {
  readonly fn: () => void;
  readonly ms: number;
  /** Clock time at which it is due. */
  readonly dueAt: number;
  cancelled: boolean;
  fired: boolean;
}

/** `setTimer` of a scripted platform: nothing runs until the test fires it. */
export class ManualTimers {
  readonly all: ScheduledTimer[] = [];

  constructor(private readonly clock: ManualClock) {}

  readonly setTimer = (fn: () => void, ms: number): (() => void) => {
    const timer: ScheduledTimer = { fn, ms, dueAt: this.clock.now + ms, cancelled: false, fired: false };
    this.all.push(timer);
    return () => void (timer.cancelled = true);
  };

  /** Timers neither fired nor cancelled, earliest first. */
  get pending(): ScheduledTimer[] {
    return this.all.filter((t) => !t.cancelled && !t.fired).sort((a, b) => a.dueAt - b.dueAt);
  }

  /** Moves the clock to the earliest pending timer's due time (never backwards) and runs it. */
  fireNext(): ScheduledTimer {
    const timer = this.pending[0];
    if (!timer) throw new Error('no pending timer to fire');
    this.clock.now = Math.max(this.clock.now, timer.dueAt);
    timer.fired = true;
    timer.fn();
    return timer;
  }
}

/**
 * Tab channels of one browser, delivering like BroadcastChannel: asynchronously (a task later),
 * as a structured clone, to every other open channel of the same name, never to the sender.
 */
export class TabHub {
  private readonly open = new Set<{ name: string; listeners: ((message: unknown) => void)[] }>();
  /** Every message posted, in order. */
  readonly posted: { readonly name: string; readonly message: unknown }[] = [];
  /** While true, deliveries wait for {@link release} (a slow BroadcastChannel across processes). */
  holding = false;
  private readonly held: (() => void)[] = [];

  /** Delivers the messages held so far, a task later each. */
  release(): void {
    this.holding = false;
    this.held.splice(0).forEach((deliver) => setTimeout(deliver, 0));
  }

  channel(name: string): TabChannel {
    const me = { name, listeners: [] as ((message: unknown) => void)[] };
    let closed = false;
    this.open.add(me);
    return {
      post: (message) => {
        if (closed) throw new DOMException('Broadcast channel is closed.', 'InvalidStateError');
        this.posted.push({ name, message });
        const copy = structuredClone(message);
        const targets = [...this.open].filter((c) => c !== me && c.name === name);
        const deliver = () => {
          for (const target of targets) {
            if (this.open.has(target)) target.listeners.forEach((listener) => listener(structuredClone(copy)));
          }
        };
        if (this.holding) this.held.push(deliver);
        else setTimeout(deliver, 0);
      },
      onMessage: (listener) => void me.listeners.push(listener),
      close: () => {
        closed = true;
        this.open.delete(me);
      },
    };
  }

  /** Waits until the messages posted so far were delivered. */
  flush(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** An exclusive lock shared by several platforms (tabs), granting in request order like Web Locks. */
export class SharedLock {
  private readonly tails = new Map<string, Promise<unknown>>();
  /** Names of the locks granted, in order. */
  readonly granted: string[] = [];
  private active = 0;
  /** The most callbacks that ever held a lock at once: 1 when the lock serializes. */
  maxActive = 0;

  readonly withLock = <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const previous = this.tails.get(name) ?? Promise.resolve();
    const run = previous.then(async () => {
      this.granted.push(name);
      this.active++;
      this.maxActive = Math.max(this.maxActive, this.active);
      try {
        return await fn();
      } finally {
        this.active--;
      }
    });
    this.tails.set(
      name,
      run.catch(() => undefined),
    );
    return run;
  };

  /** Shared holds, per name (several tabs may hold one name). */
  readonly holds = new Map<string, number>();

  /** The Web Locks facts (`AuthPlatform.locks`) of the tabs sharing this lock. */
  readonly locks: TabLocks = {
    hold: async (name) => {
      this.holds.set(name, (this.holds.get(name) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = this.holds.get(name)! - 1;
        if (left) this.holds.set(name, left);
        else this.holds.delete(name);
      };
    },
    held: async () => [...this.holds.keys()],
  };
}

/** Answers a silent authentication frame: resolves with the URL the silent-callback page reports. */
export type FrameScript = (url: string, timeoutMs: number) => Promise<string>;

/** What {@link FakePlatform} offers; every capability not given is absent, as in a limited browser. */
export interface FakePlatformOptions {
  readonly provider: FakeProvider;
  readonly url?: string;
  readonly clock?: ManualClock;
  /** Gives the platform a scripted `setTimer`. Without it the client falls back to `setTimeout`. */
  readonly timers?: boolean;
  /** Gives the platform a scripted `runFrame`. */
  readonly frames?: boolean;
  /** Gives the platform `openChannel` on this hub. */
  readonly hub?: TabHub;
  /** Gives the platform `withLock` on this lock. */
  readonly lock?: SharedLock;
}

/** A scripted {@link AuthPlatform} for the core client. */
export class FakePlatform implements AuthPlatform {
  readonly origin = APP_ORIGIN;
  url: string;
  readonly clock: ManualClock;
  readonly provider: FakeProvider;
  readonly assigned: string[] = [];
  readonly replaced: string[] = [];
  readonly warnings: string[] = [];
  /** Frames loaded by `runFrame`, in order. */
  readonly frames: { readonly url: string; readonly timeoutMs: number }[] = [];
  /** How the provider answers the next frames; default: never (the frame times out). */
  frameScript: FrameScript;
  /** Runs before a request reaches the fake provider: await something here to hold it. */
  beforeFetch?: (url: string) => Promise<void> | void;
  readonly timers?: ManualTimers;
  readonly setTimer?: (fn: () => void, ms: number) => () => void;
  readonly runFrame?: (url: string, timeoutMs: number) => Promise<string>;
  readonly openChannel?: (name: string) => TabChannel | undefined;
  readonly withLock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  readonly locks?: TabLocks;

  constructor(options: FakePlatformOptions) {
    this.provider = options.provider;
    this.url = options.url ?? `${APP_ORIGIN}/`;
    this.clock = options.clock ?? new ManualClock();
    this.frameScript = this.noAnswer();
    if (options.timers) {
      this.timers = new ManualTimers(this.clock);
      this.setTimer = this.timers.setTimer;
    }
    if (options.frames) {
      this.runFrame = (url, timeoutMs) => {
        this.frames.push({ url, timeoutMs });
        return this.frameScript(url, timeoutMs);
      };
    }
    if (options.hub) {
      const hub = options.hub;
      this.openChannel = (name) => hub.channel(name);
    }
    if (options.lock) {
      this.withLock = options.lock.withLock;
      this.locks = options.lock.locks;
    }
  }

  readonly warn = (message: string): void => void this.warnings.push(message);

  now(): number {
    return this.clock.now;
  }
  href(): string {
    return this.url;
  }
  assign(url: string): void {
    this.assigned.push(url);
  }
  replaceUrl(url: string): void {
    this.replaced.push(url);
    this.url = new URL(url, this.origin).toString();
  }

  readonly fetch: FetchLike = async (input, init) => {
    await this.beforeFetch?.(input);
    return this.provider.fetch(input, init);
  };

  /**
   * A frame that never reports back: like the browser's, it rejects with `timeout` once its
   * timer (scripted when the platform has timers) fires.
   */
  noAnswer(): FrameScript {
    return (_url, timeoutMs) =>
      new Promise<string>((_resolve, reject) => {
        const fail = () => reject(new AuthError('timeout', `Silent authentication got no answer within ${timeoutMs / 1000} s.`));
        if (this.timers) this.timers.setTimer(fail, timeoutMs);
        else setTimeout(fail, 0);
      });
  }
}

/** A token endpoint answer: status and JSON body. */
export interface TokenAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

/**
 * The fake provider's token endpoint and session, scripted per grant: refresh grants (rotating
 * by default), codes issued by silent-authentication frames, and ID tokens signed with a real key
 * at the test clock's time.
 */
export class FakeAuthServer {
  /** Number of refresh grants answered so far. */
  refreshCount = 0;
  /** Answers the n-th refresh grant (1-based). Default: a new access token and a rotated refresh token. */
  onRefresh: (body: URLSearchParams, n: number) => TokenAnswer | 'network-error';
  private readonly codes = new Map<string, TokenAnswer>();
  private codeCount = 0;

  constructor(
    readonly provider: FakeProvider,
    readonly key: TestKey,
    readonly clock: ManualClock,
  ) {
    provider.keys = [key.jwk];
    provider.on(TOKEN_ENDPOINT, (req) => this.answer(req));
    this.onRefresh = (_body, n) => this.rotation(n);
  }

  /** The default refresh answer: `access-token-<n>`, `refresh-token-<n>`, one hour. */
  rotation(n: number, extra: Record<string, unknown> = {}): TokenAnswer {
    return {
      status: 200,
      json: { access_token: `access-token-${n}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `refresh-token-${n}`, ...extra },
    };
  }

  /** An OAuth error answer. */
  error(error: string, status = 400): TokenAnswer {
    return { status, json: { error, error_description: `${error} (fake provider)` } };
  }

  /** A signed ID token for alice at the clock's time. */
  idToken(claims: JWTPayload = {}): Promise<string> {
    const now = Math.floor(this.clock.now / 1000);
    return signToken(this.key, { iss: ISSUER, sub: 'alice', aud: CLIENT_ID, iat: now, exp: now + 300, name: 'Alice', ...claims });
  }

  /** Requests that reached the token endpoint, optionally only one grant type. */
  tokenRequests(grantType?: string): URLSearchParams[] {
    return this.provider
      .requestsTo(TOKEN_ENDPOINT)
      .map((r) => new URLSearchParams(r.body))
      .filter((body) => grantType === undefined || body.get('grant_type') === grantType);
  }

  /** Refresh grants the token endpoint received. */
  refreshRequests(): URLSearchParams[] {
    return this.tokenRequests('refresh_token');
  }

  /** Registers the answer to the redemption of a new code and returns the code. */
  issueCode(answer: TokenAnswer): string {
    const code = `code-${++this.codeCount}`;
    this.codes.set(code, answer);
    return code;
  }

  /**
   * A provider that has a session for the user: answers `prompt=none` with a code, whose
   * redemption returns an ID token for the request's nonce (plus `claims`) and
   * `silent-access-token-<n>`.
   */
  silentSuccess(claims: JWTPayload = {}, extra: Record<string, unknown> = {}): FrameScript {
    return async (url) => {
      const q = new URL(url).searchParams;
      const idToken = await this.idToken({ nonce: q.get('nonce')!, ...claims });
      const code = this.issueCode({
        status: 200,
        json: { access_token: `silent-access-token-${this.codeCount + 1}`, token_type: 'Bearer', expires_in: 3600, id_token: idToken, ...extra },
      });
      return `${q.get('redirect_uri')}?${new URLSearchParams({ code, state: q.get('state')! })}`;
    };
  }

  /** A provider answering `prompt=none` with an OAuth error (`login_required`, `consent_required`, …). */
  silentError(error: string): FrameScript {
    return async (url) => {
      const q = new URL(url).searchParams;
      return `${q.get('redirect_uri')}?${new URLSearchParams({ error, state: q.get('state')! })}`;
    };
  }

  private answer(req: RecordedRequest): { status: number; json: unknown } | 'network-error' {
    const body = new URLSearchParams(req.body);
    if (body.get('grant_type') === 'refresh_token') {
      return this.onRefresh(body, ++this.refreshCount);
    }
    if (body.get('grant_type') === 'authorization_code') {
      const answer = this.codes.get(body.get('code') ?? '');
      this.codes.delete(body.get('code') ?? '');
      return answer ?? { status: 400, json: { error: 'invalid_grant', error_description: 'unknown code' } };
    }
    return { status: 400, json: { error: 'unsupported_grant_type' } };
  }
}

/** A {@link ClientListener} that keeps the client's snapshot and its events. */
export class ClientRecorder implements ClientListener {
  state: ClientSnapshot = { isLoading: true, session: null, error: null, pending: null };
  readonly patches: Partial<ClientSnapshot>[] = [];
  readonly events: AuthEvent[] = [];

  update(patch: Partial<ClientSnapshot>): void {
    this.patches.push(patch);
    this.state = { ...this.state, ...patch };
  }

  private waiters: { types: readonly AuthEvent['type'][]; resolve: (event: AuthEvent) => void }[] = [];

  event(event: AuthEvent): void {
    this.events.push(event);
    const ready = this.waiters.filter((w) => w.types.includes(event.type));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    ready.forEach((w) => w.resolve(event));
  }

  /** Resolves with the next event (emitted after this call) of one of these types. */
  nextEvent(...types: AuthEvent['type'][]): Promise<AuthEvent> {
    return new Promise((resolve) => this.waiters.push({ types, resolve }));
  }

  /** The types of the events received, in order. */
  get types(): AuthEvent['type'][] {
    return this.events.map((e) => e.type);
  }
}
