import { CLIENT_ID, ISSUER, NOW, testConfig } from '../../test-support/fake-provider';
import { ManualClock, ManualTimers } from '../../test-support/fake-platform';
import { AuthError } from './errors';
import { createRenewalTimer, type RenewalTimer, type RenewalTimerHost } from './renewal-timer';
import type { StoredSession } from './session-store';
import type { TokenSet } from './types';

const HOUR = 3600_000;
const LEAD = 60_000;
/** The longest delay `setTimeout` holds. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A session obtained now whose access token lives one hour (and a refresh token unless removed). */
function session(overrides: Partial<TokenSet> = {}, now = NOW): StoredSession {
  const iat = Math.floor(now / 1000);
  const claims = { iss: ISSUER, sub: 'alice', aud: CLIENT_ID, iat, exp: iat + 300 };
  return {
    tokens: {
      idToken: 'id-token',
      accessToken: 'access-token-0',
      tokenType: 'Bearer',
      expiresAt: now + HOUR,
      obtainedAt: now,
      refreshToken: 'refresh-token-0',
      scope: 'openid',
      requestedScope: 'openid',
      claims,
      ...overrides,
    },
    user: { ...claims },
  };
}

/** A host of fakes: what the timer asks renews or expires, and the test decides the answers. */
class Host implements RenewalTimerHost {
  readonly clock = new ManualClock(NOW);
  readonly timers = new ManualTimers(this.clock);
  readonly config;
  current: StoredSession | null = session();
  canRenew = true;
  /** How each renewal ends; default: it succeeds. */
  renewal: () => Promise<unknown> = () => Promise.resolve('renewed');
  renewals = 0;
  expired: (AuthError | undefined)[] = [];
  readonly setTimer?: (fn: () => void, ms: number) => () => void = this.timers.setTimer;

  constructor(config: Record<string, unknown> = {}) {
    this.config = testConfig(config);
  }

  now(): number {
    return this.clock.now;
  }
  session(): StoredSession | null {
    return this.current;
  }
  renewable(): boolean {
    return this.canRenew;
  }
  renew(): Promise<unknown> {
    this.renewals++;
    return this.renewal();
  }
  expire(cause?: AuthError): void {
    this.expired.push(cause);
  }

  /** Due times of the pending timers, relative to NOW. */
  due(): number[] {
    return this.timers.pending.map((t) => t.dueAt - NOW);
  }
}

/** Lets the renewal's rejection handler run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('createRenewalTimer', () => {
  let host: Host;
  let timer: RenewalTimer;

  function start(config: Record<string, unknown> = {}): void {
    host = new Host(config);
    timer = createRenewalTimer(host);
  }

  describe('with something that can renew', () => {
    it('renews renewLeadSeconds before expiry, once', () => {
      start();
      timer.schedule();

      expect(host.due()).toEqual([HOUR - LEAD]);
      host.timers.fireNext();
      expect(host.renewals).toBe(1);
      expect(host.clock.now).toBe(NOW + HOUR - LEAD);
      expect(host.expired).toEqual([]);
      expect(host.due()).withContext('the renewal re-arms through the session it sets').toEqual([]);
    });

    it('follows renewLeadSeconds, and renews a short-lived token at half its lifetime', () => {
      start({ renewLeadSeconds: 300 });
      timer.schedule();
      expect(host.due()).toEqual([HOUR - 300_000]);

      host.current = session({ expiresAt: NOW + 10_000 });
      timer.schedule();
      expect(host.due()).withContext('re-armed: the earlier timer is cancelled').toEqual([5_000]);
    });

    it('arms nothing with autoRenew: false', () => {
      start({ autoRenew: false });
      timer.schedule();
      expect(host.timers.all).toEqual([]);
    });

    it('arms nothing without a session, or for a token that never expires', () => {
      start();
      host.current = null;
      timer.schedule();
      host.current = session({ expiresAt: undefined });
      timer.schedule();
      expect(host.timers.all).toEqual([]);
    });
  });

  describe('with nothing that can renew', () => {
    it('ends the session at the expiry of its access token', () => {
      start();
      host.canRenew = false;
      host.current = session({ refreshToken: undefined });
      timer.schedule();

      expect(host.due()).toEqual([HOUR]);
      host.timers.fireNext();
      expect(host.expired).toEqual([undefined]);
      expect(host.renewals).toBe(0);
    });

    it('ends it at the ID token expiry when the access token has none (responseType id_token)', () => {
      start();
      host.canRenew = false;
      host.current = session({ refreshToken: undefined, expiresAt: undefined });
      timer.schedule();
      expect(host.due()).toEqual([300_000]);
    });

    it('ends it at expiry with autoRenew: false too', () => {
      start({ autoRenew: false });
      host.canRenew = false;
      host.current = session({ refreshToken: undefined });
      timer.schedule();
      expect(host.due()).toEqual([HOUR]);
    });

    it('arms nothing while a refresh token is there (it renews on demand)', () => {
      start({ autoRenew: false });
      timer.schedule();
      host.canRenew = false;
      timer.schedule();
      expect(host.timers.all).toEqual([]);
    });
  });

  describe('after a failed renewal', () => {
    const failure = () => new AuthError('network_error', 'offline');

    it('retries after 5 s, 10 s, 20 s, … at most 5 min', async () => {
      start({ renewLeadSeconds: 3600 }); // renewals from an hour before expiry: room for 15 min of retries
      host.current = session({ expiresAt: NOW + 10 * HOUR });
      host.renewal = () => Promise.reject(failure());
      timer.schedule();
      const delays: number[] = [];

      host.timers.fireNext();
      for (let i = 0; i < 8; i++) {
        await settle();
        const next = host.timers.pending[0];
        delays.push(next.dueAt - host.clock.now);
        expect(timer.retries()).toBe(i + 1);
        host.timers.fireNext();
      }

      expect(delays).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
      expect(host.renewals).toBe(9);
      expect(host.expired).toEqual([]);
    });

    it('never retries past expiry: without a refresh token the session ends at expiry, with the failure', async () => {
      start();
      const error = failure();
      host.current = session({ refreshToken: undefined });
      host.renewal = () => Promise.reject(error);
      timer.schedule();

      host.timers.fireNext(); // at expiry - 60 s
      await settle();
      host.timers.fireNext(); // + 5 s
      await settle();
      host.timers.fireNext(); // + 10 s
      await settle();
      host.timers.fireNext(); // + 20 s: expiry - 25 s; the next retry (40 s) would be past expiry
      await settle();

      expect(host.renewals).toBe(4);
      expect(host.due()).toEqual([HOUR]);
      host.timers.fireNext();
      expect(host.expired).toEqual([error]);
      expect(host.renewals).toBe(4);
    });

    it('never retries past expiry: with a refresh token nothing is armed (it renews on demand)', async () => {
      start();
      host.renewal = () => Promise.reject(failure());
      timer.schedule();
      for (let i = 0; i < 4; i++) {
        host.timers.fireNext();
        await settle();
      }

      expect(host.renewals).toBe(4);
      expect(host.timers.pending).toEqual([]);
      expect(host.expired).toEqual([]);
    });

    it('arms nothing when the session changed while the renewal ran', async () => {
      start();
      let fail!: (err: AuthError) => void;
      host.renewal = () => new Promise((_resolve, reject) => (fail = reject));
      timer.schedule();
      host.timers.fireNext();

      host.current = session({ accessToken: 'access-token-1' }, host.clock.now);
      fail(failure());
      await settle();

      expect(host.timers.pending).toEqual([]);
      expect(timer.retries()).toBe(0);
    });

    it('starts the pace over after a schedule() without failure', async () => {
      start();
      host.renewal = () => Promise.reject(failure());
      timer.schedule();
      host.timers.fireNext();
      await settle();
      host.timers.fireNext();
      await settle();
      expect(timer.retries()).toBe(2);

      // A renewal succeeded: the session it set re-arms the timer.
      host.current = session({ accessToken: 'access-token-1' }, host.clock.now);
      timer.schedule();
      expect(timer.retries()).toBe(0);
      expect(host.timers.pending.map((t) => t.dueAt - host.clock.now)).toEqual([HOUR - LEAD]);

      timer.schedule(failure());
      expect(host.timers.pending.map((t) => t.dueAt - host.clock.now)).toEqual([5_000]);
    });

    it('takes the pace from its argument', () => {
      start();
      host.current = session({ expiresAt: NOW + 10 * HOUR });

      timer.schedule(failure(), 3);
      expect(host.due()).toEqual([40_000]);
      expect(timer.retries()).toBe(4);

      timer.schedule(undefined, 3);
      expect(timer.retries()).toBe(0);
      expect(host.due()).toEqual([10 * HOUR - LEAD]);
    });
  });

  it('stop() cancels the timer, and a later schedule() arms nothing', () => {
    start();
    timer.schedule();
    const armed = host.timers.all[0];

    timer.stop();
    timer.schedule();

    expect(armed.cancelled).toBe(true);
    expect(host.timers.pending).toEqual([]);
    expect(host.timers.all.length).toBe(1);
  });

  it('waits in steps for a delay longer than a timer can hold, instead of firing early', () => {
    start();
    const renewAt = NOW + 30 * 24 * HOUR - LEAD;
    host.current = session({ expiresAt: NOW + 30 * 24 * HOUR });
    timer.schedule();

    expect(host.timers.pending.map((t) => t.ms)).toEqual([MAX_TIMER_MS]);
    host.timers.fireNext();
    expect(host.renewals).withContext('woken early').toBe(0);
    expect(host.timers.pending.map((t) => t.dueAt)).toEqual([renewAt]);
    host.timers.fireNext();
    expect(host.renewals).toBe(1);
    expect(host.clock.now).toBe(renewAt);
  });

  it('ends a session at an expiry further than a timer can hold, in steps', () => {
    start();
    host.canRenew = false;
    host.current = session({ refreshToken: undefined, expiresAt: NOW + 60 * 24 * HOUR });
    timer.schedule();

    host.timers.fireNext();
    host.timers.fireNext();
    expect(host.expired).toEqual([]);
    host.timers.fireNext();
    expect(host.expired).toEqual([undefined]);
    expect(host.clock.now).toBe(NOW + 60 * 24 * HOUR);
  });

  it('uses setTimeout when the host has no timer', () => {
    const host = new (class extends Host {
      override readonly setTimer = undefined;
    })();
    const timer = createRenewalTimer(host);
    jasmine.clock().install();
    try {
      timer.schedule();
      jasmine.clock().tick(HOUR - LEAD - 1);
      expect(host.renewals).toBe(0);
      jasmine.clock().tick(1);
      expect(host.renewals).toBe(1);

      timer.schedule();
      timer.stop();
      jasmine.clock().tick(2 * HOUR);
      expect(host.renewals).withContext('stopped').toBe(1);
    } finally {
      jasmine.clock().uninstall();
    }
  });
});
