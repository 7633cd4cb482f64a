import { APP_ORIGIN, createKey, FakeProvider, NOW, rejectionOf, testConfig, type TestKey } from '../../test-support/fake-provider';
import { ALL_FEATURES, ClientRecorder, FakeAuthServer, FakePlatform, ManualClock, TabHub, type FakePlatformOptions } from '../../test-support/fake-platform';
import { tick } from '../../test-support/tasks';
import { OidcClient } from './client';
import type { AuthError } from './errors';
import { TRANSACTION_PREFIX } from './pending-logins';
import type { PopupWindow } from './platform';
import { POPUP_POLL_MS, POPUP_STATE_PREFIX, POPUP_TIMEOUT_SECONDS } from './popup-login';
import { MemoryStorage } from './storage';

/** A popup as `window.open` returns it: where it is, what it was sent to, whether it was closed. */
class FakePopup implements PopupWindow {
  where: 'ours' | 'away' | 'closed' = 'ours';
  readonly navigated: string[] = [];
  closeCalls = 0;
  /** Severed by COOP: `closed` reads true, and close() cannot reach it. */
  severed = false;

  get closed(): boolean {
    return this.severed || this.where === 'closed';
  }
  readonly location = {
    popup: this as FakePopup,
    get href(): string {
      if (this.popup.where === 'away') throw new DOMException('Blocked a frame from accessing a cross-origin frame.', 'SecurityError');
      return 'about:blank';
    },
    replace(url: string): void {
      this.popup.navigated.push(url);
    },
  };
  close(): void {
    this.closeCalls++;
    if (!this.severed) this.where = 'closed';
  }
}

/** A browser tab that can open popups (or has them blocked) and close its own window. */
class PopupPlatform extends FakePlatform {
  readonly popups: FakePopup[] = [];
  blocked = false;
  windowClosed = false;
  readonly openPopup = (): FakePopup | null => {
    if (this.blocked) return null;
    const popup = new FakePopup();
    this.popups.push(popup);
    return popup;
  };
  readonly closeWindow = (): void => void (this.windowClosed = true);
}

interface Tab {
  readonly client: OidcClient;
  readonly platform: PopupPlatform;
  readonly recorder: ClientRecorder;
}

describe('loginWithPopup (popup-login.ts through OidcClient)', () => {
  let key: TestKey;
  let provider: FakeProvider;
  let clock: ManualClock;
  let server: FakeAuthServer;
  let hub: TabHub;
  let clients: OidcClient[];

  beforeAll(async () => {
    key = await createKey('k1');
  });

  beforeEach(() => {
    sessionStorage.clear();
    provider = new FakeProvider();
    clock = new ManualClock(NOW);
    server = new FakeAuthServer(provider, key, clock);
    hub = new TabHub();
    clients = [];
  });

  afterEach(() => {
    clients.forEach((client) => client.destroy());
    sessionStorage.clear();
  });

  function newTab(url = `${APP_ORIGIN}/orders`, options: Partial<FakePlatformOptions> = {}, config: Record<string, unknown> = {}): Tab {
    const platform = new PopupPlatform({ provider, clock, timers: true, hub, url, ...options });
    const recorder = new ClientRecorder();
    const client = new OidcClient(testConfig({ storage: new MemoryStorage(), ...config }), platform, recorder, ALL_FEATURES);
    clients.push(client);
    return { client, platform, recorder };
  }

  async function opener(): Promise<Tab> {
    const tab = newTab();
    await tab.client.initialize();
    return tab;
  }

  /** Lets the popup login run until it sent its popup to the provider (the first one also loads the on-demand code). */
  async function atProvider(tab: Tab, n = 0): Promise<{ popup: FakePopup; authorize: URL }> {
    for (let i = 0; i < 1000 && tab.platform.popups[n]?.navigated.length !== 1; i++) await tick();
    expect(tab.platform.popups[n]?.navigated.length).withContext('the popup was sent to the provider').toBe(1);
    const popup = tab.platform.popups[n];
    return { popup, authorize: new URL(popup.navigated[0]) };
  }

  /** The provider's answer to an authorization request: a code whose ID token carries the login's nonce. */
  async function answerFor(authorize: URL, claims: Record<string, unknown> = {}): Promise<string> {
    const idToken = await server.idToken({ nonce: authorize.searchParams.get('nonce')!, ...claims });
    const code = server.issueCode({ status: 200, json: { access_token: 'popup-access-token', token_type: 'Bearer', expires_in: 3600, id_token: idToken } });
    return `${authorize.searchParams.get('redirect_uri')}?${new URLSearchParams({ code, state: authorize.searchParams.get('state')! })}`;
  }

  /**
   * The app loaded in the popup on the callback URL. Its sessionStorage is its own (a copy made
   * when the popup opened, before the transaction was stored): the transaction is out of the
   * shared test storage while its start-up runs.
   */
  function popupPage(callbackUrl: string): Tab {
    const tab = newTab(callbackUrl);
    const key = TRANSACTION_PREFIX + new URL(callbackUrl).searchParams.get('state');
    const transaction = sessionStorage.getItem(key);
    sessionStorage.removeItem(key);
    try {
      void tab.client.initialize();
    } finally {
      if (transaction !== null) sessionStorage.setItem(key, transaction);
    }
    return tab;
  }

  /** Fires the platform's timers (polls, then the timeout) until `done`. */
  async function fireUntil(tab: Tab, done: () => boolean, max = 1000): Promise<void> {
    for (let i = 0; i < max && !done(); i++) {
      tab.platform.timers!.fireNext();
      await tick();
    }
    if (!done()) throw new Error('not reached');
  }

  function track(promise: Promise<void>): { settled: boolean; error?: unknown } {
    const result: { settled: boolean; error?: unknown } = { settled: false };
    promise.then(
      () => void (result.settled = true),
      (error: unknown) => {
        result.settled = true;
        result.error = error;
      },
    );
    return result;
  }

  it('opens the blank popup within the call, before any await, then sends it to the authorization endpoint with a popup state', async () => {
    const tab = await opener();
    const login = tab.client.loginWithPopup();
    // Synchronously: the browser allows the window only inside the user's click.
    expect(tab.platform.popups.length).toBe(1);
    expect(tab.platform.popups[0].navigated).toEqual([]);
    const { authorize } = await atProvider(tab);
    expect(authorize.origin + authorize.pathname).toBe('https://idp.example.com/authorize');
    const state = authorize.searchParams.get('state')!;
    expect(state).toMatch(/^ngx-oidc-popup\.[\w-]{43}$/);
    expect(state.startsWith(POPUP_STATE_PREFIX)).toBeTrue();
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${APP_ORIGIN}/callback`);
    expect(tab.recorder.types).toEqual(['login_started']);
    expect(tab.recorder.state.pending).toEqual({ nonce: authorize.searchParams.get('nonce')!, state });
    expect(sessionStorage.getItem(TRANSACTION_PREFIX + state)).not.toBeNull();
    tab.client.destroy();
    await login.catch(() => undefined);
  });

  it('completes the login the callback page hands over, without navigating the app, and the callback page only forwards it', async () => {
    const tab = await opener();
    const login = tab.client.loginWithPopup({ appState: { cart: ['book-1'] }, scope: 'openid profile' });
    const { popup, authorize } = await atProvider(tab);
    popup.where = 'away';
    tab.platform.timers!.fireNext();
    const callbackUrl = await answerFor(authorize);
    popup.where = 'ours';
    const page = popupPage(callbackUrl);
    // The popup's page: the code left its address bar, it closed its window, and it holds nothing.
    expect(page.platform.replaced).toEqual([`${APP_ORIGIN}/callback`]);
    expect(page.platform.windowClosed).toBeTrue();
    expect(page.recorder.state.session).toBeNull();
    expect(page.recorder.types).toEqual([]);
    expect(hub.posted.filter((p) => p.name === authorize.searchParams.get('state'))).toEqual([{ name: authorize.searchParams.get('state')!, message: callbackUrl }]);
    await login;
    expect(page.recorder.state.isLoading).toBeTrue();

    expect(tab.recorder.state.session?.tokens.accessToken).toBe('popup-access-token');
    expect(tab.recorder.state.session?.tokens.requestedScope).toBe('openid profile');
    expect(tab.recorder.state.error).toBeNull();
    expect(tab.recorder.state.pending).toBeNull();
    expect(tab.recorder.state.loginOutcome).toBeUndefined();
    expect(tab.recorder.events).toEqual([{ type: 'login_started' }, { type: 'login_completed', appState: { cart: ['book-1'] } }]);
    // The app never left nor reloaded: no redirect, no address-bar change.
    expect(tab.platform.assigned).toEqual([]);
    expect(tab.platform.replaced).toEqual([]);
    expect(popup.closeCalls).toBeGreaterThan(0);
    // The transaction was consumed: the answer completes one login only.
    expect(sessionStorage.getItem(TRANSACTION_PREFIX + authorize.searchParams.get('state'))).toBeNull();
    expect(server.tokenRequests('authorization_code').length).toBe(1);
    // Every timer of the popup login is gone (only the renewal timer is left).
    expect(tab.platform.timers!.pending.every((t) => t.ms !== POPUP_POLL_MS)).toBeTrue();
  });

  it('fails with popup_blocked when the browser refuses the window, storing and fetching nothing', async () => {
    const tab = await opener();
    tab.platform.blocked = true;
    const error = await rejectionOf(tab.client.loginWithPopup());
    expect(error.code).toBe('popup_blocked');
    expect(tab.recorder.state.error).toBe(error);
    expect(tab.recorder.events).toEqual([{ type: 'login_failed', error }]);
    expect(provider.requests).toEqual([]);
    expect(Object.keys(sessionStorage).filter((k) => k.startsWith(TRANSACTION_PREFIX))).toEqual([]);
  });

  it('fails with popup_blocked on a platform that cannot open popups', async () => {
    const tab = await opener();
    Object.assign(tab.platform, { openPopup: undefined });
    expect((await rejectionOf(tab.client.loginWithPopup())).code).toBe('popup_blocked');
  });

  it('refuses an app-supplied state and a timeout that is not a positive number with a TypeError, closing the popup and reporting nothing', async () => {
    const tab = await opener();
    const options = { state: 'app-chosen-state-0123456789' } as Parameters<OidcClient['loginWithPopup']>[0];
    await expectAsync(tab.client.loginWithPopup(options)).toBeRejectedWithError(TypeError);
    await expectAsync(tab.client.loginWithPopup({ timeoutSeconds: 0 })).toBeRejectedWithError(TypeError);
    await expectAsync(tab.client.loginWithPopup({ timeoutSeconds: Number.NaN })).toBeRejectedWithError(TypeError);
    expect(tab.platform.popups.map((p) => p.where)).toEqual(['closed', 'closed', 'closed']);
    expect(tab.recorder.events).toEqual([]);
    expect(tab.recorder.state.error).toBeNull();
  });

  it('fails with popup_closed within two polls when the popup is closed after it was on the provider, keeping the session and no transaction', async () => {
    const tab = await opener();
    const login = tab.client.loginWithPopup();
    const result = track(login);
    const { popup, authorize } = await atProvider(tab);
    popup.where = 'away';
    tab.platform.timers!.fireNext();
    tab.platform.timers!.fireNext();
    popup.where = 'closed';
    tab.platform.timers!.fireNext();
    await tick();
    expect(result.settled).toBeFalse(); // one more look, for an answer posted just before closing
    tab.platform.timers!.fireNext();
    const error = await rejectionOf(login);
    expect(error.code).toBe('popup_closed');
    expect(clock.now - NOW).toBe(4 * POPUP_POLL_MS);
    expect(tab.recorder.state.error).toBe(error);
    expect(tab.recorder.state.pending).toBeNull();
    expect(tab.recorder.state.isLoading).toBeFalse();
    expect(tab.recorder.types).toEqual(['login_started', 'login_failed']);
    expect(sessionStorage.getItem(TRANSACTION_PREFIX + authorize.searchParams.get('state'))).toBeNull();
    expect(tab.platform.timers!.pending).toEqual([]);
  });

  it('takes one cross-origin look before the popup reads closed for a COOP swap, not for the user closing it: the answer still completes the login', async () => {
    const tab = await opener();
    const login = tab.client.loginWithPopup();
    const result = track(login);
    const { popup, authorize } = await atProvider(tab);
    popup.where = 'away';
    tab.platform.timers!.fireNext();
    popup.where = 'closed';
    for (let i = 0; i < 5; i++) tab.platform.timers!.fireNext();
    await tick();
    expect(result.settled).toBeFalse();

    popupPage(await answerFor(authorize));
    await login;
    expect(tab.recorder.types).toEqual(['login_started', 'login_completed']);
  });

  it('fails with popup_closed at once when the blank popup was closed before it could be sent to the provider', async () => {
    const tab = await opener();
    const login = tab.client.loginWithPopup();
    tab.platform.popups[0].where = 'closed';
    const error = await rejectionOf(login);
    expect(error.code).toBe('popup_closed');
    expect(tab.platform.popups[0].navigated).toEqual([]);
    expect(tab.recorder.types).toEqual(['login_failed']);
  });

  it('keeps waiting when a popup severed by COOP looks closed, and completes with the answer its callback page hands over', async () => {
    const tab = await opener();
    const login = tab.client.loginWithPopup();
    const result = track(login);
    const { popup, authorize } = await atProvider(tab);
    // The provider's first page carries Cross-Origin-Opener-Policy: same-origin.
    popup.severed = true;
    for (let i = 0; i < 20; i++) tab.platform.timers!.fireNext();
    await tick();
    expect(result.settled).toBeFalse();
    popupPage(await answerFor(authorize));
    await login;
    expect(tab.recorder.state.session?.tokens.accessToken).toBe('popup-access-token');
    expect(tab.recorder.types).toEqual(['login_started', 'login_completed']);
  });

  it('fails with popup_closed at the timeout when a popup that looked closed since it left the app never answers (COOP, or closed early)', async () => {
    const tab = await opener();
    const login = tab.client.loginWithPopup({ timeoutSeconds: 5 });
    const result = track(login);
    const { popup } = await atProvider(tab);
    popup.severed = true;
    await fireUntil(tab, () => clock.now - NOW >= 4500);
    expect(result.settled).toBeFalse();
    await fireUntil(tab, () => result.settled);
    expect(clock.now - NOW).toBe(5000);
    const error = result.error as AuthError;
    expect(error.code).toBe('popup_closed');
    expect(error.message).toContain('Cross-Origin-Opener-Policy');
    expect(tab.recorder.types).toEqual(['login_started', 'login_failed']);
    expect(tab.platform.timers!.pending).toEqual([]);
  });

  it('waits 300 s by default', async () => {
    const tab = await opener();
    const result = track(tab.client.loginWithPopup());
    await atProvider(tab);
    await fireUntil(tab, () => result.settled);
    expect(clock.now - NOW).toBe(POPUP_TIMEOUT_SECONDS * 1000);
    expect((result.error as AuthError).code).toBe('timeout');
  });

  it('fails with timeout, closing the popup, when it is still open at the timeout', async () => {
    const tab = await opener();
    const login = tab.client.loginWithPopup({ timeoutSeconds: 2 });
    const result = track(login);
    const { popup } = await atProvider(tab);
    popup.where = 'away';
    await fireUntil(tab, () => result.settled);
    expect((result.error as AuthError).code).toBe('timeout');
    expect(popup.where).toBe('closed');
    expect(tab.recorder.state.error?.code).toBe('timeout');
  });

  it('ignores an answer for another state or at another address on its channel, and fails an answer that does not validate', async () => {
    const tab = await opener();
    const login = tab.client.loginWithPopup();
    const result = track(login);
    const { authorize } = await atProvider(tab);
    const state = authorize.searchParams.get('state')!;
    const forger = hub.channel(state);
    forger.post(`${APP_ORIGIN}/callback?code=forged&state=${POPUP_STATE_PREFIX}${'A'.repeat(43)}`);
    forger.post(`https://evil.example.com/callback?code=forged&state=${state}`);
    forger.post({ url: `${APP_ORIGIN}/callback?code=forged&state=${state}` });
    await hub.flush();
    await tick();
    expect(result.settled).toBeFalse();
    expect(server.tokenRequests().length).toBe(0);
    // The right state and address, with an ID token for another login: every check still runs.
    forger.post(await answerFor(authorize, { nonce: 'not-this-login' }));
    const error = await rejectionOf(login);
    expect(error.code).toBe('nonce_mismatch');
    expect(tab.recorder.state.session).toBeNull();
    expect(tab.recorder.events).toEqual([{ type: 'login_started' }, { type: 'login_failed', error }]);
  });

  it('ignores an answer that comes after the login failed: its transaction is gone', async () => {
    const tab = await opener();
    const login = tab.client.loginWithPopup({ timeoutSeconds: 1 });
    const result = track(login);
    const { authorize } = await atProvider(tab);
    await fireUntil(tab, () => result.settled);
    const callbackUrl = await answerFor(authorize);
    hub.channel(authorize.searchParams.get('state')!).post(callbackUrl);
    await hub.flush();
    await tick();
    expect(server.tokenRequests().length).toBe(0);
    expect(tab.recorder.state.session).toBeNull();
    expect(sessionStorage.getItem(TRANSACTION_PREFIX + authorize.searchParams.get('state'))).toBeNull();
  });

  it('leaves a session already here as it was when the popup login fails', async () => {
    const tab = await opener();
    const first = tab.client.loginWithPopup();
    const { authorize } = await atProvider(tab);
    popupPage(await answerFor(authorize));
    await first;
    const session = tab.recorder.state.session;
    const second = tab.client.loginWithPopup({ timeoutSeconds: 1 });
    const result = track(second);
    await atProvider(tab, 1);
    await fireUntil(tab, () => result.settled);
    expect(tab.recorder.state.session).toBe(session);
    expect(tab.recorder.types).toEqual(['login_started', 'login_completed', 'login_started', 'login_failed']);
  });

  it('lets a newer popup login replace the one under way: the first ends with popup_closed, unreported, and its popup closes', async () => {
    const tab = await opener();
    const first = tab.client.loginWithPopup();
    const firstError = rejectionOf(first);
    const { popup: firstPopup } = await atProvider(tab);
    const second = tab.client.loginWithPopup();
    expect((await firstError).code).toBe('popup_closed');
    expect(firstPopup.where).toBe('closed');
    const { authorize } = await atProvider(tab, 1);
    popupPage(await answerFor(authorize));
    await second;
    expect(tab.recorder.types).toEqual(['login_started', 'login_started', 'login_completed']);
    expect(tab.recorder.state.error).toBeNull();
  });

  it('ends a popup login under way when the client is destroyed', async () => {
    const tab = await opener();
    const login = tab.client.loginWithPopup();
    const { popup } = await atProvider(tab);
    tab.client.destroy();
    expect((await rejectionOf(login)).code).toBe('popup_closed');
    expect(popup.where).toBe('closed');
    expect(tab.platform.timers!.pending.filter((t) => t.ms === POPUP_POLL_MS)).toEqual([]);
  });

  it('does nothing on the server', async () => {
    const tab = newTab();
    Object.assign(tab.platform, { server: true });
    await tab.client.loginWithPopup();
    expect(tab.platform.popups).toEqual([]);
    expect(tab.recorder.events).toEqual([]);
  });
});
