import { TestBed } from '@angular/core/testing';
import { firstValueFrom, type Observable } from 'rxjs';
import type { AuthService } from './auth.service';
import { APP_ORIGIN, CLIENT_ID, createKey, FakeProvider, ISSUER, type TestKey } from '../../test-support/fake-provider';
import { answerTokenRequest, callbackUrlFor, setUpAuth } from '../../test-support/fake-browser';
import { AUTH_CONFIG } from './auth-config';
import { TabHub } from '../../test-support/fake-platform';
import type { AuthEvent } from '../core/events';
import type { PopupWindow } from '../core/platform';
import { withPopupLogin } from './features';

describe('AuthService', () => {
  let provider: FakeProvider;
  let key: TestKey;

  beforeEach(async () => {
    sessionStorage.clear();
    localStorage.clear();
    provider = new FakeProvider();
    key = await createKey('k1');
    provider.keys = [key.jwk];
  });

  afterEach(() => {
    sessionStorage.clear();
    localStorage.clear();
  });

  /** Starts a login on a fresh app instance and returns the authorize URL it redirected to. */
  async function startLogin(options = {}, config = {}): Promise<string> {
    const { auth, browser } = await setUpAuth({ provider, config, url: `${APP_ORIGIN}/profile?tab=1` });
    await auth.login(options);
    expect(browser.assigned.length).toBe(1);
    return browser.assigned[0];
  }

  it('starts anonymous and not loading after start-up', async () => {
    const { auth } = await setUpAuth({ provider });
    expect(auth.isAuthenticated()).toBeFalse();
    expect(auth.isLoading()).toBeFalse();
    expect(auth.user()).toBeNull();
    expect(auth.accessToken()).toBeNull();
    expect(provider.requests.length).toBe(0);
  });

  it('redirects to the authorization endpoint with PKCE, state and nonce, and exposes the pending nonce and state', async () => {
    const { auth, browser } = await setUpAuth({ provider });
    await auth.login();
    const url = new URL(browser.assigned[0]);
    expect(url.origin + url.pathname).toBe(`${ISSUER}/authorize`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('audience')).toBe('https://api.example.com');
    expect(auth.nonce()).toBe(url.searchParams.get('nonce'));
    expect(auth.loginState()).toBe(url.searchParams.get('state'));
  });

  it('never mutates the configuration or the show-time options object', async () => {
    const { auth, browser } = await setUpAuth({ provider });
    const config = TestBed.inject(AUTH_CONFIG);
    const configBefore = JSON.stringify(config);
    const options = Object.freeze({ scope: 'openid read:messages', audience: 'https://other.example.com', state: 'app-state-0123456789abcdef', prompt: 'login' });
    await auth.login(options);
    expect(JSON.stringify(config)).toBe(configBefore);
    expect(auth.configuration.scope).toBe('openid profile email');
    expect(auth.configuration.audience).toBe('https://api.example.com');
    const query = new URL(browser.assigned[0]).searchParams;
    expect(query.get('scope')).toBe('openid read:messages');
    expect(query.get('audience')).toBe('https://other.example.com');
    expect(query.get('state')).toBe('app-state-0123456789abcdef');
  });

  it('rejects a reserved extra parameter with a typed error and stores nothing', async () => {
    const { auth, browser } = await setUpAuth({ provider });
    const error = await auth.login({ extraParams: { client_id: 'evil' } }).catch((e: unknown) => e);
    expect(error).toEqual(jasmine.objectContaining({ code: 'reserved_parameter' }));
    expect(auth.error()?.code).toBe('reserved_parameter');
    expect(browser.assigned).toEqual([]);
    expect(Object.keys(sessionStorage).filter((k) => k.startsWith('ngx-oidc.tx.'))).toEqual([]);
  });

  it('completes the login on a re-created app: one token request, then the return URL', async () => {
    const authorizeUrl = await startLogin();
    await answerTokenRequest(provider, authorizeUrl, key);
    provider.requests.length = 0;

    const { auth, browser } = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });

    expect(auth.error()).toBeNull();
    expect(auth.isAuthenticated()).toBeTrue();
    expect(auth.user()?.['name']).toBe('Alice Liddell');
    expect(auth.accessToken()).toBe('access-token-1');
    expect(provider.requests.map((r) => r.url)).toEqual([`${ISSUER}/oauth/token`]);
    // The callback parameters leave the address bar first, then the return URL is shown.
    expect(browser.replaced).toEqual(['/callback', '/profile?tab=1']);
    expect(auth.nonce()).toBeNull();
    expect(auth.loginState()).toBeNull();
  });

  it('sends the code verifier that matches the challenge of that login', async () => {
    const authorizeUrl = await startLogin();
    await answerTokenRequest(provider, authorizeUrl, key);
    await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    const body = new URLSearchParams(provider.requestsTo(`${ISSUER}/oauth/token`)[0].body);
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body.get('code_verifier')!));
    const challenge = btoa(String.fromCharCode(...new Uint8Array(digest))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(challenge).toBe(new URL(authorizeUrl).searchParams.get('code_challenge')!);
    expect(body.get('client_id')).toBe(CLIENT_ID);
    expect(body.get('redirect_uri')).toBe(`${APP_ORIGIN}/callback`);
  });

  it('completes two interleaved logins (two tabs) without a false nonce mismatch', async () => {
    const first = await startLogin();
    const second = await startLogin();
    await answerTokenRequest(provider, first, key);
    const one = await setUpAuth({ provider, url: callbackUrlFor(first) });
    expect(one.auth.error()).toBeNull();
    expect(one.auth.isAuthenticated()).toBeTrue();
    await answerTokenRequest(provider, second, key);
    const two = await setUpAuth({ provider, url: callbackUrlFor(second) });
    expect(two.auth.error()).toBeNull();
    expect(two.auth.isAuthenticated()).toBeTrue();
  });

  it('refuses a tampered state: typed error, nobody authenticated, no token request', async () => {
    const authorizeUrl = await startLogin();
    await answerTokenRequest(provider, authorizeUrl, key);
    provider.requests.length = 0;
    const tampered = callbackUrlFor(authorizeUrl).replace(/state=[^&]+/, 'state=forged');
    const { auth, browser } = await setUpAuth({ provider, url: tampered });
    expect(auth.error()?.code).toBe('state_mismatch');
    expect(auth.isAuthenticated()).toBeFalse();
    expect(auth.accessToken()).toBeNull();
    expect(auth.idToken()).toBeNull();
    expect(provider.requests).toEqual([]);
    expect(browser.replaced).toEqual(['/callback', '/']);
  });

  it("refuses getAccessToken({ provider }) without withAuthProvider(): never the main provider's token for another's API", async () => {
    const authorizeUrl = await startLogin();
    await answerTokenRequest(provider, authorizeUrl, key);
    const { auth } = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    expect(auth.isAuthenticated()).toBeTrue();

    await expectAsync(auth.getAccessToken({ provider: 'partner' })).toBeRejectedWithError(TypeError, /withAuthProvider\('partner'/);
    expect(await auth.getAccessToken()).toBe('access-token-1');
  });

  it('processes a callback URL only once (reload or back button)', async () => {
    const authorizeUrl = await startLogin();
    await answerTokenRequest(provider, authorizeUrl, key);
    const callback = callbackUrlFor(authorizeUrl);
    expect((await setUpAuth({ provider, url: callback })).auth.isAuthenticated()).toBeTrue();
    const again = await setUpAuth({ provider, url: callback });
    expect(again.auth.error()?.code).toBe('state_mismatch');
    expect(again.auth.isAuthenticated()).toBeFalse();
    expect(provider.requestsTo(`${ISSUER}/oauth/token`).length).toBe(1);
  });

  it('exposes nothing when the ID token fails validation', async () => {
    const authorizeUrl = await startLogin();
    await answerTokenRequest(provider, authorizeUrl, key, { nonce: 'not-the-nonce-of-this-login' });
    const { auth } = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    expect(auth.error()?.code).toBe('nonce_mismatch');
    expect(auth.isAuthenticated()).toBeFalse();
    expect(auth.user()).toBeNull();
    expect(auth.idToken()).toBeNull();
  });

  it('surfaces a provider error response as authorization_error with its description', async () => {
    const authorizeUrl = await startLogin();
    const state = new URL(authorizeUrl).searchParams.get('state')!;
    const url = `${APP_ORIGIN}/callback?error=access_denied&error_description=User%20cancelled&state=${state}`;
    const { auth } = await setUpAuth({ provider, url });
    expect(auth.error()).toEqual(jasmine.objectContaining({ code: 'authorization_error' }));
    expect(auth.error()?.details.error).toBe('access_denied');
    expect(auth.error()?.message).toContain('User cancelled');
    expect(auth.isAuthenticated()).toBeFalse();
  });

  it("keeps the callback's outcome for code that runs after start-up (loginOutcome), where events$ has nothing to replay", async () => {
    const authorizeUrl = await startLogin({ appState: { cart: ['book-1'] } });
    await answerTokenRequest(provider, authorizeUrl, key);

    const { auth } = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    // A component subscribing now, after start-up, gets no login_completed any more.
    const late: unknown[] = [];
    auth.events$.subscribe((event) => late.push(event));

    expect(late).toEqual([]);
    expect(auth.loginOutcome()).toEqual({ type: 'login_completed', appState: { cart: ['book-1'] } });
    expect(await firstValueFrom(auth.loginOutcome$)).toEqual({ type: 'login_completed', appState: { cart: ['book-1'] } });

    const failed = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    expect(failed.auth.loginOutcome()).toEqual({ type: 'login_failed', error: failed.auth.error()! });
    expect(failed.auth.error()?.code).toBe('state_mismatch');
    const plain = await setUpAuth({ provider });
    expect(plain.auth.loginOutcome()).toBeNull();
  });

  it('surfaces a token endpoint failure without authenticating', async () => {
    const authorizeUrl = await startLogin();
    provider.on(`${ISSUER}/oauth/token`, () => ({ status: 400, json: { error: 'invalid_grant', error_description: 'code expired' } }));
    const { auth } = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    expect(auth.error()?.code).toBe('token_request_failed');
    expect(auth.error()?.details.error).toBe('invalid_grant');
    expect(auth.isAuthenticated()).toBeFalse();
  });

  it('keeps signals and observables in step', async () => {
    const authorizeUrl = await startLogin();
    await answerTokenRequest(provider, authorizeUrl, key);
    const { auth } = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    const seen: boolean[] = [];
    const sub = auth.isAuthenticated$.subscribe((v) => seen.push(v));
    let name: unknown;
    auth.user$.subscribe((u) => (name = u?.['name'])).unsubscribe();
    await auth.logout({ localOnly: true });
    sub.unsubscribe();
    expect(seen).toEqual([true, false]);
    expect(name).toBe('Alice Liddell');
    expect(auth.isAuthenticated()).toBeFalse();
  });

  it('logs out at the provider with id_token_hint and the post-logout redirect URI', async () => {
    const authorizeUrl = await startLogin();
    await answerTokenRequest(provider, authorizeUrl, key);
    const { auth, browser } = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    const idToken = auth.idToken();
    await auth.logout();
    expect(auth.isAuthenticated()).toBeFalse();
    expect(auth.accessToken()).toBeNull();
    const logout = new URL(browser.assigned[0]);
    expect(logout.origin + logout.pathname).toBe(`${ISSUER}/logout`);
    expect(logout.searchParams.get('id_token_hint')).toBe(idToken);
    expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(`${APP_ORIGIN}/`);
    expect(logout.searchParams.get('client_id')).toBe(CLIENT_ID);
  });

  it('logs out locally only when asked to', async () => {
    const authorizeUrl = await startLogin();
    await answerTokenRequest(provider, authorizeUrl, key);
    const { auth, browser } = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    await auth.logout({ localOnly: true });
    expect(browser.assigned).toEqual([]);
    expect(auth.isAuthenticated()).toBeFalse();
  });

  it('clears the local session even when the provider cannot be reached at logout', async () => {
    const authorizeUrl = await startLogin();
    await answerTokenRequest(provider, authorizeUrl, key);
    await setUpAuth({ provider, config: { storage: 'session' }, url: callbackUrlFor(authorizeUrl) });
    // A reload without cached discovery: logout must fetch it.
    sessionStorage.removeItem(`ngx-oidc.metadata.${ISSUER}`);
    provider.on(`${ISSUER}/.well-known/openid-configuration`, () => 'network-error');
    const { auth, browser } = await setUpAuth({ provider, config: { storage: 'session' } });
    await auth.logout();
    expect(auth.isAuthenticated()).toBeFalse();
    expect(auth.error()?.code).toBe('network_error');
    expect(browser.assigned).toEqual([]);
  });

  it('keeps tokens in memory by default: a new app instance starts anonymous', async () => {
    const authorizeUrl = await startLogin();
    await answerTokenRequest(provider, authorizeUrl, key);
    await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    const reloaded = await setUpAuth({ provider });
    expect(reloaded.auth.isAuthenticated()).toBeFalse();
    expect(Object.keys(sessionStorage).some((k) => k.startsWith('ngx-oidc.session.'))).toBeFalse();
  });

  it('restores the session after a reload with storage "session"', async () => {
    const authorizeUrl = await startLogin({}, { storage: 'session' });
    await answerTokenRequest(provider, authorizeUrl, key);
    await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl), config: { storage: 'session' } });
    provider.requests.length = 0;
    const reloaded = await setUpAuth({ provider, config: { storage: 'session' } });
    expect(reloaded.auth.isAuthenticated()).toBeTrue();
    expect(reloaded.auth.user()?.['name']).toBe('Alice Liddell');
    expect(provider.requests).toEqual([]);
  });

  it('does not accept a return URL on another origin (no open redirect)', async () => {
    const authorizeUrl = await startLogin({ returnUrl: 'https://evil.test/phish' });
    await answerTokenRequest(provider, authorizeUrl, key);
    const { browser } = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    expect(browser.replaced).toEqual(['/callback', '/']);
  });

  it('shows a login pending from before the page load while anonymous, not once authenticated', async () => {
    const authorizeUrl = await startLogin();
    const state = new URL(authorizeUrl).searchParams.get('state');
    const anonymous = await setUpAuth({ provider });
    expect(anonymous.auth.loginState()).toBe(state);
    expect(anonymous.auth.nonce()).toBe(new URL(authorizeUrl).searchParams.get('nonce'));

    const second = await startLogin({}, { storage: 'session' });
    await answerTokenRequest(provider, second, key);
    await setUpAuth({ provider, url: callbackUrlFor(second), config: { storage: 'session' } });
    const authenticated = await setUpAuth({ provider, config: { storage: 'session' } });
    expect(authenticated.auth.isAuthenticated()).toBeTrue();
    expect(authenticated.auth.loginState()).toBeNull();
  });

  it('exposes the access token expiry and lets the app clear an error', async () => {
    const authorizeUrl = await startLogin();
    await answerTokenRequest(provider, authorizeUrl, key);
    const before = Date.now();
    const { auth } = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    expect(auth.expiresAt()).toBeGreaterThanOrEqual(before + 300_000);
    expect(auth.expiresAt()).toBeLessThanOrEqual(Date.now() + 300_000);

    const failed = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    expect(failed.auth.error()?.code).toBe('state_mismatch');
    failed.auth.clearError();
    expect(failed.auth.error()).toBeNull();
  });

  it('has an observable for every signal, and both always agree', async () => {
    const pairs = ['isLoading', 'isAuthenticated', 'user', 'idToken', 'accessToken', 'expiresAt', 'error', 'nonce', 'loginState', 'loginOutcome'] as const;
    const check = async (auth: AuthService, when: string) => {
      for (const name of pairs) {
        const observable = auth[`${name}$`] as Observable<unknown>;
        expect(await firstValueFrom(observable)).withContext(`${name} ${when}`).toEqual(auth[name]());
      }
    };
    const pending = await setUpAuth({ provider });
    await pending.auth.login();
    await check(pending.auth, 'pending');
    const authorizeUrl = pending.browser.assigned[0];
    await answerTokenRequest(provider, authorizeUrl, key);
    const { auth } = await setUpAuth({ provider, url: callbackUrlFor(authorizeUrl) });
    expect(auth.isAuthenticated()).toBeTrue();
    await check(auth, 'authenticated');
    await auth.logout({ localOnly: true });
    await check(auth, 'logged out');
  });

  describe('loginWithPopup', () => {
    /** A browser whose popups are recorded (or blocked), with a BroadcastChannel hub. */
    function withPopups(browser: object, hub: TabHub, blocked = false): { opened: { navigated: string[]; closed: boolean }[] } {
      const opened: { navigated: string[]; closed: boolean }[] = [];
      const openPopup = (): PopupWindow | null => {
        if (blocked) return null;
        const popup = { navigated: [] as string[], closed: false };
        opened.push(popup);
        return {
          get closed() {
            return popup.closed;
          },
          location: { href: 'about:blank', replace: (url) => void popup.navigated.push(url) },
          close: () => void (popup.closed = true),
        };
      };
      Object.assign(browser, { openPopup, openChannel: (name: string) => hub.channel(name) });
      return { opened };
    }

    it('logs in without leaving the app: the signals change once the popup handed the answer back', async () => {
      const { auth, browser } = await setUpAuth({ provider, features: [withPopupLogin()] });
      const hub = new TabHub();
      const { opened } = withPopups(browser, hub);
      const events: AuthEvent['type'][] = [];
      auth.events$.subscribe((event) => events.push(event.type));
      const login = auth.loginWithPopup({ appState: 'back' });
      expect(opened.length).toBe(1); // inside the call: the click's user activation
      for (let i = 0; i < 1000 && opened[0].navigated.length === 0; i++) await new Promise((r) => setTimeout(r, 0));
      const authorizeUrl = opened[0].navigated[0];
      expect(auth.loginState()).toBe(new URL(authorizeUrl).searchParams.get('state'));
      await answerTokenRequest(provider, authorizeUrl, key);
      hub.channel(new URL(authorizeUrl).searchParams.get('state')!).post(callbackUrlFor(authorizeUrl));
      await login;
      expect(auth.isAuthenticated()).toBeTrue();
      expect(auth.user()?.name).toBe('Alice Liddell');
      expect(auth.loginState()).toBeNull();
      expect(auth.isLoading()).toBeFalse();
      expect(events).toEqual(['login_started', 'login_completed']);
      expect(browser.assigned).toEqual([]);
      expect(opened[0].closed).toBeTrue();
    });

    it('is a TypeError without withPopupLogin(), before any window opens', async () => {
      const { auth, browser } = await setUpAuth({ provider });
      const { opened } = withPopups(browser, new TabHub());

      await expectAsync(auth.loginWithPopup()).toBeRejectedWithError(TypeError, /withPopupLogin\(\)/);
      expect(opened.length).toBe(0);
      expect(auth.error()).toBeNull();
    });

    it('rejects with popup_blocked and shows it on error, emitting login_failed', async () => {
      const { auth, browser } = await setUpAuth({ provider, features: [withPopupLogin()] });
      withPopups(browser, new TabHub(), true);
      const events: AuthEvent['type'][] = [];
      auth.events$.subscribe((event) => events.push(event.type));
      const error = await auth.loginWithPopup().catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe('popup_blocked');
      expect(auth.error()).toBe(error as never);
      expect(events).toEqual(['login_failed']);
      expect(provider.requests.length).toBe(0);
    });
  });
});
