import { HttpHeaders, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AuthError, authInterceptor } from 'ngx-oidc';
import { FakeAuthService, provideAuthTesting } from 'ngx-oidc/testing';

import { DEMO_ENV, type DemoEnv } from '../demo-env';
import { isStepUpAppState, StepUpPage, UNKNOWN_ACR } from './step-up-page';

const ENV: DemoEnv = {
  authority: 'http://localhost:9000',
  clientId: 'ngx-oidc-demo',
  apiUrl: 'http://localhost:3001',
  apiAudience: 'https://api.ngx-oidc.test',
  foreignApiUrl: 'http://127.0.0.1:3001',
  managementAudience: 'https://management.ngx-oidc.test',
  renewal: 'refresh_token',
};

const PASSWORD = 'urn:ngx-oidc:acr:password';
const MFA = 'urn:ngx-oidc:acr:mfa';
const ALICE = { sub: 'alice', name: 'Alice', acr: PASSWORD, auth_time: 1_700_000_000 };

/** The demo API's answer to a token without the second step (RFC 9470 §3). */
function stepUpChallenge(params: string) {
  return {
    status: 401,
    statusText: 'Unauthorized',
    headers: new HttpHeaders({
      'WWW-Authenticate': `Bearer realm="demo-api", error="insufficient_user_authentication", error_description="a stronger sign-in is required", ${params}`,
    }),
  };
}

describe('StepUpPage', () => {
  let auth: FakeAuthService;
  let http: HttpTestingController;
  let fixture: ComponentFixture<StepUpPage>;

  beforeEach(() => {
    TestBed.configureTestingModule({
      imports: [StepUpPage],
      providers: [
        provideRouter([]),
        // The real interceptor (and its RFC 9470 check) with the fake's allowlist and token.
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideAuthTesting({ allowedUrls: [`${ENV.apiUrl}/api`], accessToken: 'access-token' }),
        { provide: DEMO_ENV, useValue: ENV },
      ],
    });
    auth = TestBed.inject(FakeAuthService);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  async function create(): Promise<void> {
    fixture = TestBed.createComponent(StepUpPage);
    await fixture.whenStable();
  }

  function query(id: string): HTMLElement | null {
    return (fixture.nativeElement as HTMLElement).querySelector<HTMLElement>(
      `[data-testid="${id}"]`,
    );
  }

  function el(id: string): HTMLElement {
    const found = query(id);
    if (!found) throw new Error(`no [data-testid="${id}"]`);
    return found;
  }

  /** Clicks and lets the interceptor's async token lookup run. */
  async function click(id: string): Promise<void> {
    el(id).click();
    await new Promise((resolve) => setTimeout(resolve));
  }

  async function text(id: string): Promise<string> {
    await fixture.whenStable();
    return el(id).textContent?.trim() ?? '';
  }

  it("shows the ID token's acr and auth_time", async () => {
    await create();
    expect(await text('current-acr')).toBe('not logged in');
    auth.logIn(ALICE);
    expect(await text('current-acr')).toBe(PASSWORD);
    expect(await text('current-auth-time')).toBe('2023-11-14T22:13:20.000Z');
    auth.logIn({ sub: 'alice' });
    expect(await text('current-acr')).toBe('(none)');
  });

  it('offers the login the API asks for, and starts it with a return to this page', async () => {
    auth.logIn(ALICE);
    await create();
    await click('step-up-recent-call-button');
    const req = http.expectOne(`${ENV.apiUrl}/api/step-up/recent`);
    expect(req.request.headers.get('Authorization')).toBe('Bearer access-token');
    req.flush(
      { error: 'insufficient_user_authentication', acr_values: MFA, max_age: 60 },
      stepUpChallenge(`acr_values="${MFA}", max_age="60"`),
    );
    expect(await text('step-up-result')).toBe('error insufficient_user_authentication');
    expect(await text('step-up-required-acr')).toBe(MFA);
    expect(await text('step-up-required-max-age')).toBe('60 s');
    // Neither renewed nor retried: the token is fine, the sign-in behind it is not.
    expect(auth.renewAfterRejectionCalls).toEqual([]);
    expect(auth.isAuthenticated()).toBeTrue();

    auth.loginBehavior = 'pending';
    await click('step-up-button');
    expect(auth.loginCalls).toEqual([
      {
        acrValues: MFA,
        acrRequired: true,
        maxAge: 60,
        returnUrl: '/',
        appState: { stepUpRetry: 'step-up/recent' },
      },
    ]);
  });

  it('shows no prompt for other refusals, and hides it on the next call', async () => {
    auth.logIn(ALICE);
    await create();
    await click('step-up-call-button');
    http
      .expectOne(`${ENV.apiUrl}/api/step-up`)
      .flush({ error: 'insufficient_user_authentication' }, stepUpChallenge(`acr_values="${MFA}"`));
    expect(await text('step-up-required-acr')).toBe(MFA);
    expect(query('step-up-required-max-age')).toBeNull();

    await click('step-up-call-button');
    expect(query('step-up-prompt')).toBeNull();
    http.expectOne(`${ENV.apiUrl}/api/step-up`).flush(
      { error: 'insufficient_scope' },
      {
        status: 403,
        statusText: 'Forbidden',
        headers: new HttpHeaders({
          'WWW-Authenticate':
            'Bearer realm="demo-api", error="insufficient_scope", error_description="the access token lacks the scope read:messages"',
        }),
      },
    );
    expect(await text('step-up-result')).toBe('403 the access token lacks the scope read:messages');
    expect(query('step-up-prompt')).toBeNull();
  });

  it('sends the refused call again once, back from the step-up login', async () => {
    auth.logIn({ ...ALICE, acr: MFA }, {}, { stepUpRetry: 'step-up' });
    await create();
    await new Promise((resolve) => setTimeout(resolve));
    const body = { message: 'step-up ok', sub: 'alice', acr: MFA };
    http.expectOne(`${ENV.apiUrl}/api/step-up`).flush(body);
    expect(await text('step-up-result')).toBe(`200 ${JSON.stringify(body)}`);
    expect(await text('current-acr')).toBe(MFA);

    // The outcome lives as long as the page: opening the page again sends nothing by itself.
    fixture.destroy();
    await create();
    await new Promise((resolve) => setTimeout(resolve));
    http.expectNone(`${ENV.apiUrl}/api/step-up`);
  });

  it('sends nothing by itself after another login', async () => {
    auth.logIn(ALICE, {}, { cart: 3 });
    await create();
    await new Promise((resolve) => setTimeout(resolve));
    expect(auth.loginOutcome()).toEqual({ type: 'login_completed', appState: { cart: 3 } });
    http.expectNone(() => true);
    expect(await text('step-up-result')).toBe('');
  });

  it('starts a login that requires the acr typed in', async () => {
    auth.logIn(ALICE);
    auth.loginBehavior = 'pending';
    await create();
    expect((el('required-acr-input') as HTMLInputElement).value).toBe(UNKNOWN_ACR);
    await click('require-acr-button');
    expect(auth.loginCalls).toEqual([
      { acrValues: UNKNOWN_ACR, acrRequired: true, returnUrl: '/' },
    ]);
  });

  it('shows why login() refused to start', async () => {
    auth.logIn(ALICE);
    auth.loginBehavior = new AuthError('par_unavailable', 'no PAR endpoint');
    await create();
    await click('require-acr-button');
    expect(await text('step-up-login-error')).toBe('error par_unavailable');
    expect(auth.isAuthenticated()).toBeTrue();
  });

  it('recognises only its own appState', () => {
    expect(isStepUpAppState({ stepUpRetry: 'step-up' })).toBeTrue();
    expect(isStepUpAppState({ stepUpRetry: 'step-up/recent' })).toBeTrue();
    expect(isStepUpAppState({ stepUpRetry: 'messages' })).toBeFalse();
    expect(isStepUpAppState({})).toBeFalse();
    expect(isStepUpAppState(null)).toBeFalse();
    expect(isStepUpAppState('step-up')).toBeFalse();
  });
});
