import type { TabChannel } from '../platform';
import { openTabChannel } from './tab-channel';

type View = Window & typeof globalThis;

let names = 0;
/** A channel name no other test (or earlier run) uses. */
function uniqueName(): string {
  return `ngx-oidc-spec-${Date.now()}-${Math.random().toString(36).slice(2)}-${++names}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('openTabChannel', () => {
  const open: TabChannel[] = [];
  afterEach(() => open.splice(0).forEach((channel) => channel.close()));

  function channel(name: string): TabChannel {
    const opened = openTabChannel(window, name);
    expect(opened).withContext('openTabChannel()').toBeDefined();
    open.push(opened!);
    return opened!;
  }

  function nextMessage(on: TabChannel): Promise<unknown> {
    return new Promise((resolve) => on.onMessage(resolve));
  }

  it('connects the instances of one name, not the sender itself nor other names', async () => {
    const name = uniqueName();
    const a = channel(name);
    const b = channel(name);
    const elsewhere = channel(`${name}-other`);
    const heardBySender = jasmine.createSpy('sender');
    const heardElsewhere = jasmine.createSpy('elsewhere');
    a.onMessage(heardBySender);
    elsewhere.onMessage(heardElsewhere);

    const received = nextMessage(b);
    a.post({ type: 'logout', at: 1 });
    expect(await received).toEqual({ type: 'logout', at: 1 });

    const answer = nextMessage(a);
    b.post({ type: 'tokens', at: 2 });
    expect(await answer).toEqual({ type: 'tokens', at: 2 });

    await delay(20);
    expect(heardBySender.calls.allArgs()).toEqual([[{ type: 'tokens', at: 2 }]]);
    expect(heardElsewhere).not.toHaveBeenCalled();
  });

  it('stops delivering to a closed channel', async () => {
    const name = uniqueName();
    const a = channel(name);
    const closed = channel(name);
    const heardWhenClosed = jasmine.createSpy('closed');
    closed.onMessage(heardWhenClosed);
    closed.close();
    const c = channel(name);

    const received = nextMessage(c); // delivered after the older channel's, had it been open
    a.post('after close');
    expect(await received).toBe('after close');
    await delay(20);
    expect(heardWhenClosed).not.toHaveBeenCalled();
  });

  describe('without BroadcastChannel: the storage-event fallback', () => {
    /** A view without BroadcastChannel whose localStorage records writes and whose storage listeners the test calls. */
    function fallbackView(storage: Partial<Storage> | 'throws' = {}) {
      const writes: { key: string; value: string }[] = [];
      const listeners = new Set<(event: StorageEvent) => void>();
      const store: Partial<Storage> = {
        setItem: (key: string, value: string) => void writes.push({ key, value }),
        removeItem: () => undefined,
        ...(storage === 'throws' ? {} : storage),
      };
      const view = {
        BroadcastChannel: undefined,
        addEventListener: (type: string, fn: (event: StorageEvent) => void) => type === 'storage' && listeners.add(fn),
        removeEventListener: (type: string, fn: (event: StorageEvent) => void) => type === 'storage' && listeners.delete(fn),
      } as unknown as View;
      Object.defineProperty(view, 'localStorage', {
        get: () => {
          if (storage === 'throws') throw new DOMException('denied', 'SecurityError');
          return store;
        },
      });
      const fire = (key: string, newValue: string | null) => listeners.forEach((fn) => fn({ key, newValue } as StorageEvent));
      return { view, writes, listeners, fire };
    }

    it('tells the other tabs the kind of message only, never the session and its tokens', () => {
      const { view, writes } = fallbackView();
      const name = uniqueName();
      const channel = openTabChannel(view, name)!;

      channel.post({ type: 'session', session: { tokens: { accessToken: 'secret-access-token', refreshToken: 'secret-refresh' } } });
      channel.post({ type: 'renew', from: 'generation-1', force: true });
      channel.post({ type: 'renew_failed', from: 'generation-1', code: 'network_error' });

      expect(writes.length).withContext('renewal requests and answers are not posted through storage').toBe(1);
      expect(writes[0].key).toBe(`ngx-oidc.sync.${name}`);
      expect(JSON.parse(writes[0].value)).toEqual(jasmine.objectContaining({ type: 'session' }));
      expect(writes[0].value).not.toContain('secret');
    });

    it("turns another tab's write into reload (re-read storage) or logout, and ignores anything else", () => {
      const { view, fire } = fallbackView();
      const name = uniqueName();
      const received: unknown[] = [];
      openTabChannel(view, name)!.onMessage((message) => received.push(message));

      fire(`ngx-oidc.sync.${name}`, JSON.stringify({ type: 'session', at: 1 }));
      fire(`ngx-oidc.sync.${name}`, JSON.stringify({ type: 'logout', at: 2 }));
      fire(`ngx-oidc.sync.${name}`, null); // the removal right after the write
      fire(`ngx-oidc.sync.${name}`, 'not json');
      fire('some.other.key', JSON.stringify({ type: 'logout' }));

      expect(received).toEqual([{ type: 'reload' }, { type: 'logout' }]);
    });

    it('stops listening when closed', () => {
      const { view, listeners } = fallbackView();
      const channel = openTabChannel(view, uniqueName())!;
      expect(listeners.size).toBe(1);

      channel.close();

      expect(listeners.size).toBe(0);
    });

    it('gives no channel when localStorage is not usable either, and survives a full storage', () => {
      expect(openTabChannel(fallbackView('throws').view, uniqueName())).toBeUndefined();
      const full = fallbackView({
        setItem: () => {
          throw new DOMException('full', 'QuotaExceededError');
        },
      });
      const channel = openTabChannel(full.view, uniqueName())!;
      expect(() => channel.post({ type: 'logout' })).not.toThrow();
    });
  });
});
