import { DOCUMENT } from '@angular/common';
import { PLATFORM_ID } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { AuthPlatform, TabChannel } from '../core/platform';
import { AUTH_BROWSER, serverPlatform, windowPlatform } from './auth-browser';
import { AUTH_FEATURES } from './features';

type View = Window & typeof globalThis;

/** A window-like object with only what windowPlatform reads, plus `members`. */
function fakeView(members: Record<string, unknown> = {}): View {
  return {
    location: { origin: 'https://app.example.com', href: 'https://app.example.com/page', assign: jasmine.createSpy('assign') },
    history: { state: null, replaceState: jasmine.createSpy('replaceState') },
    navigator: {},
    ...members,
  } as unknown as View;
}

let names = 0;
/** A channel or lock name no other test (or earlier run) uses. */
function uniqueName(): string {
  return `ngx-oidc-spec-${Date.now()}-${Math.random().toString(36).slice(2)}-${++names}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('windowPlatform', () => {
  it('reports the window\'s origin and its current URL, read at each call', () => {
    const platform = windowPlatform(window);
    expect(platform.origin).toBe(location.origin);
    expect(platform.href()).toBe(location.href);
    expect(platform.server).toBeFalsy();

    const before = { state: history.state as unknown, href: location.href };
    try {
      history.replaceState(before.state, '', `${location.pathname}?ngx-oidc-spec=href`);
      expect(platform.href()).toBe(location.href);
      expect(platform.href()).toContain('ngx-oidc-spec=href');
    } finally {
      history.replaceState(before.state, '', before.href);
    }
  });

  it('replaces the address bar\'s URL without a new history entry, keeping history.state', () => {
    const before = { state: history.state as unknown, href: location.href };
    const length = history.length;
    try {
      history.replaceState({ router: 'state', navigationId: 7 }, '');
      const target = `${location.origin}${location.pathname}?ngx-oidc-spec=replace`;
      windowPlatform(window).replaceUrl(target);
      expect(location.href).toBe(target);
      expect(history.state).toEqual({ router: 'state', navigationId: 7 });
      expect(history.length).toBe(length);
    } finally {
      history.replaceState(before.state, '', before.href);
    }
  });

  it("leaves the app through the view's location.assign", () => {
    const view = fakeView();
    windowPlatform(view).assign('https://idp.example.com/authorize?client_id=app');
    expect(view.location.assign).toHaveBeenCalledOnceWith('https://idp.example.com/authorize?client_id=app');
  });

  it("fetches with the view's fetch, passing the request through", async () => {
    const response = new Response('{}');
    const view = fakeView({ fetch: jasmine.createSpy('fetch').and.resolveTo(response) });
    const init: RequestInit = { method: 'POST', body: 'grant_type=refresh_token' };
    await expectAsync(windowPlatform(view).fetch('https://idp.example.com/token', init)).toBeResolvedTo(response);
    expect(view.fetch).toHaveBeenCalledOnceWith('https://idp.example.com/token', init);
  });

  it("fetches with the real window's fetch (called on the window)", async () => {
    const response = await windowPlatform(window).fetch('data:text/plain,ngx-oidc');
    expect(await response.text()).toBe('ngx-oidc');
  });

  it('warns on the console', () => {
    const warn = spyOn(console, 'warn');
    windowPlatform(window).warn('the issuer does not match');
    expect(warn).toHaveBeenCalledOnceWith('the issuer does not match');
  });

  describe('runFrame', () => {
    it('is absent without a frame function (no withSilentAuthentication())', () => {
      expect(windowPlatform(window).runFrame).toBeUndefined();
    });

    it('runs the frame function in the view and returns its answer', async () => {
      const view = fakeView();
      const frame = jasmine.createSpy('frame').and.resolveTo('https://app.example.com/silent?code=1');
      const platform = windowPlatform(view, frame);
      await expectAsync(platform.runFrame!('https://idp.example.com/authorize?prompt=none', 7_000)).toBeResolvedTo(
        'https://app.example.com/silent?code=1',
      );
      expect(frame).toHaveBeenCalledOnceWith(view, 'https://idp.example.com/authorize?prompt=none', 7_000);
    });

    it("passes the frame function's rejection on", async () => {
      const error = new Error('timed out');
      const platform = windowPlatform(window, () => Promise.reject(error));
      await expectAsync(platform.runFrame!('https://idp.example.com/authorize', 10)).toBeRejectedWith(error);
    });
  });

  describe('openChannel', () => {
    const open: TabChannel[] = [];
    afterEach(() => open.splice(0).forEach((channel) => channel.close()));

    function channel(platform: AuthPlatform, name: string): TabChannel {
      const opened = platform.openChannel!(name);
      expect(opened).withContext('openChannel()').toBeDefined();
      open.push(opened!);
      return opened!;
    }

    function nextMessage(on: TabChannel): Promise<unknown> {
      return new Promise((resolve) => on.onMessage(resolve));
    }

    it('connects the instances of one name, not the sender itself nor other names', async () => {
      const name = uniqueName();
      const a = channel(windowPlatform(window), name);
      const b = channel(windowPlatform(window), name);
      const elsewhere = channel(windowPlatform(window), `${name}-other`);
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
      const a = channel(windowPlatform(window), name);
      const closed = channel(windowPlatform(window), name);
      const heardWhenClosed = jasmine.createSpy('closed');
      closed.onMessage(heardWhenClosed);
      closed.close();
      const c = channel(windowPlatform(window), name);

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
        const view = fakeView({
          BroadcastChannel: undefined,
          addEventListener: (type: string, fn: (event: StorageEvent) => void) => type === 'storage' && listeners.add(fn),
          removeEventListener: (type: string, fn: (event: StorageEvent) => void) => type === 'storage' && listeners.delete(fn),
        });
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
        const channel = windowPlatform(view).openChannel!(name)!;

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
        windowPlatform(view).openChannel!(name)!.onMessage((message) => received.push(message));

        fire(`ngx-oidc.sync.${name}`, JSON.stringify({ type: 'session', at: 1 }));
        fire(`ngx-oidc.sync.${name}`, JSON.stringify({ type: 'logout', at: 2 }));
        fire(`ngx-oidc.sync.${name}`, null); // the removal right after the write
        fire(`ngx-oidc.sync.${name}`, 'not json');
        fire('some.other.key', JSON.stringify({ type: 'logout' }));

        expect(received).toEqual([{ type: 'reload' }, { type: 'logout' }]);
      });

      it('stops listening when closed', () => {
        const { view, listeners } = fallbackView();
        const channel = windowPlatform(view).openChannel!(uniqueName())!;
        expect(listeners.size).toBe(1);

        channel.close();

        expect(listeners.size).toBe(0);
      });

      it('gives no channel when localStorage is not usable either, and survives a full storage', () => {
        expect(windowPlatform(fallbackView('throws').view).openChannel!(uniqueName())).toBeUndefined();
        const full = fallbackView({
          setItem: () => {
            throw new DOMException('full', 'QuotaExceededError');
          },
        });
        const channel = windowPlatform(full.view).openChannel!(uniqueName())!;
        expect(() => channel.post({ type: 'logout' })).not.toThrow();
      });
    });
  });

  describe('withLock', () => {
    it('runs the callback while holding the exclusive lock, and returns its result', async () => {
      const name = uniqueName();
      const result = await windowPlatform(window).withLock!(name, async () => {
        const { held = [] } = await navigator.locks.query();
        return held.filter((lock) => lock.name === name).map((lock) => lock.mode);
      });
      expect(result).toEqual(['exclusive']);
      const { held = [] } = await navigator.locks.query();
      expect(held.some((lock) => lock.name === name)).withContext('released').toBeFalse();
    });

    it('makes a second holder (another platform instance, as another tab) wait', async () => {
      const name = uniqueName();
      const order: string[] = [];
      let release!: () => void;
      let started!: () => void;
      const firstStarted = new Promise<void>((resolve) => (started = resolve));
      const first = windowPlatform(window).withLock!(name, () => {
        order.push('first');
        started();
        return new Promise<void>((resolve) => (release = resolve));
      });
      await firstStarted;
      const second = windowPlatform(window).withLock!(name, async () => {
        order.push('second');
      });
      await delay(30);
      expect(order).toEqual(['first']);

      order.push('first done');
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(['first', 'first done', 'second']);
    });

    it("rejects with the callback's error and releases the lock", async () => {
      const name = uniqueName();
      const platform = windowPlatform(window);
      const error = new Error('refresh failed');
      await expectAsync(platform.withLock!(name, () => Promise.reject(error))).toBeRejectedWith(error);
      await expectAsync(platform.withLock!(name, async () => 'again')).toBeResolvedTo('again');
    });

    it("uses the view's navigator.locks", async () => {
      const request = jasmine.createSpy('request').and.callFake((_name: string, fn: () => Promise<unknown>) => fn());
      const platform = windowPlatform(fakeView({ navigator: { locks: { request } } }));
      await expectAsync(platform.withLock!('ngx-oidc-refresh', async () => 42)).toBeResolvedTo(42);
      expect(request).toHaveBeenCalledOnceWith('ngx-oidc-refresh', jasmine.any(Function));
    });

    it('is absent when the view has no navigator.locks', () => {
      expect(windowPlatform(fakeView({ navigator: {} })).withLock).toBeUndefined();
      expect(windowPlatform(fakeView({ navigator: {} })).locks).toBeUndefined();
    });
  });

  describe('locks', () => {
    it('holds a shared lock, seen by every instance (tab), until released', async () => {
      const name = uniqueName();
      const [a, b] = [windowPlatform(window).locks!, windowPlatform(window).locks!];
      expect(await b.held()).not.toContain(name);

      const release = await a.hold(name);
      expect(await b.held()).toContain(name);
      const { held = [] } = await navigator.locks.query();
      expect(held.filter((lock) => lock.name === name).map((lock) => lock.mode)).toEqual(['shared']);

      release();
      // An exclusive request for the name is granted only once the shared hold is gone.
      await windowPlatform(window).withLock!(name, async () => undefined);
      expect(await b.held()).not.toContain(name);
    });

    it('lets two tabs hold the same name at once (shared)', async () => {
      const name = uniqueName();
      const releases = await Promise.all([windowPlatform(window).locks!.hold(name), windowPlatform(window).locks!.hold(name)]);
      const { held = [] } = await navigator.locks.query();
      expect(held.filter((lock) => lock.name === name).length).toBe(2);
      releases.forEach((release) => release());
    });
  });
});

describe('serverPlatform', () => {
  it('is marked as the server, with a consistent origin and URL', () => {
    const platform = serverPlatform();
    expect(platform.server).toBeTrue();
    expect(new URL(platform.href()).origin).toBe(platform.origin);
  });

  it('fetches nothing: fetch rejects without calling the network', async () => {
    const fetch = spyOn(window, 'fetch');
    await expectAsync(serverPlatform().fetch('https://idp.example.com/.well-known/openid-configuration')).toBeRejectedWithError(Error);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('leaves the address bar and the history alone', () => {
    const href = location.href;
    const replaceState = spyOn(history, 'replaceState');
    const pushState = spyOn(history, 'pushState');
    const platform = serverPlatform();
    platform.assign('https://idp.example.com/authorize');
    platform.replaceUrl(`${location.origin}/?ngx-oidc-spec=server`);
    expect(location.href).toBe(href);
    expect(replaceState).not.toHaveBeenCalled();
    expect(pushState).not.toHaveBeenCalled();
  });

  describe('timers', () => {
    beforeEach(() => jasmine.clock().install());
    afterEach(() => jasmine.clock().uninstall());

    it('schedules nothing: a timer never fires, and cancelling it is harmless', () => {
      const fired = jasmine.createSpy('fired');
      const cancel = serverPlatform().setTimer!(fired, 1_000);
      jasmine.clock().tick(24 * 3600_000);
      expect(fired).not.toHaveBeenCalled();
      expect(() => cancel()).not.toThrow();
    });
  });

  it('offers no frame, tab channel or lock', () => {
    const platform = serverPlatform();
    expect(platform.runFrame).toBeUndefined();
    expect(platform.openChannel).toBeUndefined();
    expect(platform.withLock).toBeUndefined();
  });

  it('warns on the console', () => {
    const warn = spyOn(console, 'warn');
    serverPlatform().warn('server warning');
    expect(warn).toHaveBeenCalledOnceWith('server warning');
  });
});

describe('AUTH_BROWSER', () => {
  it("is, in the browser, the platform of the document's window", () => {
    TestBed.configureTestingModule({});
    const browser = TestBed.inject(AUTH_BROWSER);
    expect(browser.server).toBeFalsy();
    expect(browser.origin).toBe(location.origin);
    expect(browser.href()).toBe(location.href);
    expect(browser.runFrame).toBeUndefined();
    const channel = browser.openChannel!(uniqueName());
    expect(channel).toBeDefined();
    channel?.close();
  });

  it("runs the silent-authentication frame of AUTH_FEATURES in the document's window", async () => {
    const frame = jasmine.createSpy('frame').and.resolveTo('https://app.example.com/silent?code=1');
    TestBed.configureTestingModule({ providers: [{ provide: AUTH_FEATURES, useValue: { protocol: {}, frame } }] });
    await expectAsync(TestBed.inject(AUTH_BROWSER).runFrame!('https://idp.example.com/authorize', 5_000)).toBeResolvedTo(
      'https://app.example.com/silent?code=1',
    );
    expect(frame).toHaveBeenCalledOnceWith(window, 'https://idp.example.com/authorize', 5_000);
  });

  it("follows DOCUMENT's defaultView", () => {
    const view = fakeView();
    TestBed.configureTestingModule({ providers: [{ provide: DOCUMENT, useValue: { defaultView: view } }] });
    const browser = TestBed.inject(AUTH_BROWSER);
    expect(browser.server).toBeFalsy();
    expect(browser.origin).toBe('https://app.example.com');
    browser.assign('https://idp.example.com/authorize');
    expect(view.location.assign).toHaveBeenCalledOnceWith('https://idp.example.com/authorize');
  });

  it('is the server platform for a document without a window', () => {
    TestBed.configureTestingModule({ providers: [{ provide: DOCUMENT, useValue: { defaultView: null } }] });
    expect(TestBed.inject(AUTH_BROWSER).server).toBeTrue();
  });

  it('is the server platform on the server, though the document there has a window', async () => {
    const fetch = spyOn(window, 'fetch');
    const frame = jasmine.createSpy('frame');
    TestBed.configureTestingModule({
      providers: [
        { provide: PLATFORM_ID, useValue: 'server' },
        { provide: AUTH_FEATURES, useValue: { protocol: {}, frame } },
      ],
    });
    expect(TestBed.inject(DOCUMENT).defaultView).toBe(window);
    const browser = TestBed.inject(AUTH_BROWSER);
    expect(browser.server).toBeTrue();
    expect(browser.runFrame).toBeUndefined();
    expect(browser.openChannel).toBeUndefined();
    await expectAsync(browser.fetch('https://idp.example.com/.well-known/openid-configuration')).toBeRejected();
    expect(fetch).not.toHaveBeenCalled();
  });
});
