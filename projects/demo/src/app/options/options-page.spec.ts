import { type ComponentFixture, TestBed } from '@angular/core/testing';
import {
  AUTH_CONFIG,
  AuthError,
  withImplicitFlow,
  withSilentAuthentication,
  type AuthConfig,
} from 'ngx-oidc';
import { FakeAuthService, provideAuthTesting } from 'ngx-oidc/testing';

import { createAuthConfig } from '../app.config';
import { DEFAULT_DEMO_ENV } from '../demo-env';
import { OptionsPage } from './options-page';
import { toLoginOptions } from './show-options';

describe('OptionsPage', () => {
  let auth: FakeAuthService;
  let config: AuthConfig;
  let configSnapshot: string;
  let fixture: ComponentFixture<OptionsPage>;

  beforeEach(async () => {
    // The origin the tests run on: the fake checks the silent redirect URI is on it.
    config = createAuthConfig(DEFAULT_DEMO_ENV, location.origin);
    configSnapshot = JSON.stringify(config);
    TestBed.configureTestingModule({
      imports: [OptionsPage],
      providers: [
        provideAuthTesting({
          // A real login leaves the app for the provider: it stays in progress here.
          login: 'pending',
          // The features app.config.ts gives provideAuth(), which the demo's configuration needs.
          features: [withImplicitFlow(), withSilentAuthentication()],
        }),
        // After provideAuthTesting(), so the fake resolves (and checks) the demo's own one.
        { provide: AUTH_CONFIG, useValue: config },
      ],
    });
    auth = TestBed.inject(FakeAuthService);
    fixture = TestBed.createComponent(OptionsPage);
    await fixture.whenStable();
  });

  function el<T extends HTMLElement = HTMLElement>(id: string): T {
    const found = (fixture.nativeElement as HTMLElement).querySelector<T>(`[data-testid="${id}"]`);
    if (!found) throw new Error(`no [data-testid="${id}"]`);
    return found;
  }

  function query(id: string): HTMLElement | null {
    return (fixture.nativeElement as HTMLElement).querySelector(`[data-testid="${id}"]`);
  }

  async function fill(id: string, value: string): Promise<void> {
    const input = el<HTMLInputElement | HTMLSelectElement>(id);
    input.value = value;
    input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input'));
    await fixture.whenStable();
  }

  it('shows the object given to provideAuth() and the resolved configuration', () => {
    const shown = JSON.parse(el('constructor-options').textContent ?? '');
    expect(shown['provideAuth(config)']).toEqual(JSON.parse(configSnapshot));
    expect(shown['auth.configuration (resolved)']).toEqual(
      JSON.parse(JSON.stringify(auth.configuration)),
    );
  });

  it('previews only the filled show-time fields', async () => {
    expect(JSON.parse(el('show-options-json').textContent ?? '')).toEqual({});
    await fill('show-scope', '  openid profile  ');
    await fill('show-prompt', 'login');
    await fill('show-login-hint', 'alice');
    expect(JSON.parse(el('show-options-json').textContent ?? '')).toEqual({
      scope: 'openid profile',
      prompt: 'login',
      loginHint: 'alice',
    });
  });

  it('calls login() with a new object holding only the filled fields, leaving the constructor options alone', async () => {
    const constructorText = el('constructor-options').textContent;
    await fill('show-scope', 'openid email');
    await fill('show-audience', 'https://other.example');
    await fill('show-state', 'my-state-1234567890');
    await fill('show-prompt', 'consent');
    el('show-login-button').click();
    await fixture.whenStable();

    expect(auth.loginCalls).toEqual([
      {
        scope: 'openid email',
        audience: 'https://other.example',
        state: 'my-state-1234567890',
        prompt: 'consent',
      },
    ]);
    const passed = auth.loginCalls[0];
    expect(passed).not.toBe(config as object);
    expect(JSON.stringify(config)).toBe(configSnapshot);
    expect(config.scope).toBe('openid profile email read:messages offline_access');
    expect(el('constructor-options').textContent).toBe(constructorText);
  });

  it('passes an empty object when nothing is filled', async () => {
    el('show-login-button').click();
    await fixture.whenStable();
    expect(auth.loginCalls).toEqual([{}]);
  });

  it('shows the error login() rejects with', async () => {
    auth.loginBehavior = new AuthError(
      'reserved_parameter',
      'extraParams.client_id is set by ngx-oidc',
    );
    el('show-login-button').click();
    await fixture.whenStable();
    expect(el('show-login-error').textContent).toContain('reserved_parameter');
  });

  it("shows the pending login's nonce and state when there is one", async () => {
    expect(query('pending-nonce')).toBeNull();
    expect(query('pending-state')).toBeNull();
    // A login in progress (started elsewhere), with the nonce and state it was given.
    await auth.login({ nonce: 'nonce-abc', state: 'state-xyz' });
    await fixture.whenStable();
    expect(el('pending-nonce').textContent).toBe('nonce-abc');
    expect(el('pending-state').textContent).toBe('state-xyz');
  });
});

describe('toLoginOptions', () => {
  it('builds a fresh object each time, trimming values and omitting empty ones', () => {
    const form = { scope: ' ', audience: '', state: '', prompt: '', loginHint: ' bob ' };
    const first = toLoginOptions(form);
    expect(first).toEqual({ loginHint: 'bob' });
    expect(toLoginOptions(form)).not.toBe(first);
  });
});
