import { windowPlatform } from './window-platform';

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

  it('opens tab channels on the view (BroadcastChannel here)', async () => {
    const name = uniqueName();
    const [a, b] = [windowPlatform(window).openChannel!(name)!, windowPlatform(window).openChannel!(name)!];
    try {
      const received = new Promise((resolve) => b.onMessage(resolve));
      a.post({ type: 'logout' });
      expect(await received).toEqual({ type: 'logout' });
    } finally {
      a.close();
      b.close();
    }
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
