import { HttpHeaders, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { AuthError, authInterceptor } from 'ngx-oidc';
import { FakeAuthService, provideAuthTesting } from 'ngx-oidc/testing';

import { DEMO_ENV, type DemoEnv } from '../demo-env';
import { ApiCalls, BURST_SIZE, summarizeBurst } from './api-calls';

const ENV: DemoEnv = {
  authority: 'http://localhost:9000',
  clientId: 'ngx-oidc-demo',
  apiUrl: 'http://localhost:3001',
  apiAudience: 'https://api.ngx-oidc.test',
  foreignApiUrl: 'http://127.0.0.1:3001',
  managementAudience: 'https://management.ngx-oidc.test',
  renewal: 'refresh_token',
};

const ALICE = { sub: 'alice', name: 'Alice' };

describe('ApiCalls', () => {
  let auth: FakeAuthService;
  let http: HttpTestingController;
  let fixture: ComponentFixture<ApiCalls>;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      imports: [ApiCalls],
      providers: [
        // The real interceptor, deciding with the fake's allowlist (checked by the library's
        // own matcher) and token.
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideAuthTesting({
          allowedUrls: [
            `${ENV.apiUrl}/api`,
            {
              uri: `${ENV.apiUrl}/management`,
              audience: ENV.managementAudience,
              scope: 'read:current_user',
            },
          ],
          // The login's access token, for every logIn() below.
          accessToken: 'access-token',
        }),
        { provide: DEMO_ENV, useValue: ENV },
      ],
    });
    auth = TestBed.inject(FakeAuthService);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ApiCalls);
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  function el(id: string): HTMLElement {
    const found = (fixture.nativeElement as HTMLElement).querySelector<HTMLElement>(
      `[data-testid="${id}"]`,
    );
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
    return el(id).textContent ?? '';
  }

  it('shows "200 <body>" and sends the bearer token to the allow-listed API', async () => {
    auth.logIn(ALICE);
    expect(await text('api-result')).toBe('');
    await click('api-call-button');
    const req = http.expectOne(`${ENV.apiUrl}/api/messages`);
    expect(req.request.method).toBe('GET');
    expect(req.request.headers.get('Authorization')).toBe('Bearer access-token');
    req.flush({ messages: [{ id: 1, text: 'hi' }] });
    expect(await text('api-result')).toBe('200 {"messages":[{"id":1,"text":"hi"}]}');
  });

  it('shows "401 <error_description from WWW-Authenticate>" once the one retry failed too', async () => {
    auth.logIn(ALICE);
    await click('api-call-button');
    const expired = {
      status: 401,
      statusText: 'Unauthorized',
      headers: new HttpHeaders({
        'WWW-Authenticate':
          'Bearer realm="demo-api", error="invalid_token", error_description="the access token expired (exp)"',
      }),
    };
    // What the renewal after the 401 will hand out.
    auth.setAccessToken('access-token-renewed');
    http
      .expectOne(`${ENV.apiUrl}/api/messages`)
      .flush({ error: 'invalid_token', error_description: 'from the body' }, expired);
    // The interceptor renews once and retries once; the retry's 401 goes to the app.
    await new Promise((resolve) => setTimeout(resolve));
    const retry = http.expectOne(`${ENV.apiUrl}/api/messages`);
    expect(retry.request.headers.get('Authorization')).toBe('Bearer access-token-renewed');
    retry.flush({ error: 'invalid_token' }, expired);
    expect(auth.renewAfterRejectionCalls.length).toBe(1);
    expect(auth.renewAfterRejectionCalls[0].rejectedToken).toBe('access-token');
    expect(await text('api-result')).toBe('401 the access token expired (exp)');
  });

  it('shows "403 <reason>" for a missing scope', async () => {
    auth.logIn(ALICE);
    await click('api-call-button');
    http.expectOne(`${ENV.apiUrl}/api/messages`).flush(
      {
        error: 'insufficient_scope',
        error_description: 'the access token lacks the scope read:messages',
      },
      {
        status: 403,
        statusText: 'Forbidden',
        headers: new HttpHeaders({
          'WWW-Authenticate':
            'Bearer realm="demo-api", error="insufficient_scope", scope="read:messages", error_description="the access token lacks the scope read:messages"',
        }),
      },
    );
    expect(await text('api-result')).toBe('403 the access token lacks the scope read:messages');
  });

  it('shows "error not_authenticated" when anonymous: the request is never sent', async () => {
    await click('api-call-button');
    http.expectNone(`${ENV.apiUrl}/api/messages`);
    expect(await text('api-result')).toBe('error not_authenticated');
  });

  it('never sends the token to the foreign origin and shows the 401 reason from the body', async () => {
    auth.logIn(ALICE);
    await click('foreign-call-button');
    const req = http.expectOne(`${ENV.foreignApiUrl}/api/messages`);
    expect(req.request.headers.has('Authorization')).toBeFalse();
    req.flush(
      {
        error: 'unauthorized',
        error_description: 'no access token (send Authorization: Bearer <access token>)',
      },
      {
        status: 401,
        statusText: 'Unauthorized',
        headers: new HttpHeaders({ 'WWW-Authenticate': 'Bearer realm="demo-api"' }),
      },
    );
    expect(await text('foreign-result')).toBe(
      '401 no access token (send Authorization: Bearer <access token>)',
    );
  });

  it('calls the public endpoint without a token, even when anonymous', async () => {
    await click('public-call-button');
    const req = http.expectOne(`${ENV.apiUrl}/api/public`);
    expect(req.request.headers.has('Authorization')).toBeFalse();
    req.flush({ message: 'public' });
    expect(await text('public-result')).toBe('200 {"message":"public"}');
  });

  describe('management API', () => {
    const managementUrl = `${ENV.apiUrl}/management/me`;

    it('sends the token of the management audience and shows "200 <body>"', async () => {
      auth.logIn(ALICE);
      auth.setAccessToken('management-token', {
        audience: ENV.managementAudience,
        scope: 'read:current_user',
      });
      expect(await text('management-result')).toBe('');
      await click('management-call-button');
      expect(auth.getAccessTokenCalls).toEqual([
        { audience: ENV.managementAudience, scope: 'read:current_user' },
      ]);
      const req = http.expectOne(managementUrl);
      expect(req.request.method).toBe('GET');
      expect(req.request.headers.get('Authorization')).toBe('Bearer management-token');
      req.flush({ user_id: 'alice', user_metadata: {} });
      expect(await text('management-result')).toBe('200 {"user_id":"alice","user_metadata":{}}');
      // The other results are untouched.
      expect(await text('api-result')).toBe('');
    });

    it('shows "401 <reason>" when the API refuses the token', async () => {
      auth.logIn(ALICE);
      await click('management-call-button');
      http.expectOne(managementUrl).flush(
        { error: 'invalid_token', error_description: 'from the body' },
        {
          status: 401,
          statusText: 'Unauthorized',
          headers: new HttpHeaders({
            'WWW-Authenticate':
              'Bearer realm="management-api", error_description="the access token is for another audience"',
          }),
        },
      );
      expect(await text('management-result')).toBe('401 the access token is for another audience');
    });

    it('shows "error <code>" when no token can be had for the audience', async () => {
      auth.logIn(ALICE);
      auth.setAccessTokenError(
        new AuthError('consent_required', 'the user has not consented to read:current_user'),
      );
      await click('management-call-button');
      http.expectNone(managementUrl);
      expect(await text('management-result')).toBe('error consent_required');
    });

    it('shows "error not_authenticated" when anonymous: the request is never sent', async () => {
      await click('management-call-button');
      http.expectNone(managementUrl);
      expect(await text('management-result')).toBe('error not_authenticated');
    });
  });

  describe('burst', () => {
    const url = `${ENV.apiUrl}/api/messages`;
    const unauthorized = (challenge: string) => ({
      status: 401,
      statusText: 'Unauthorized',
      headers: new HttpHeaders({ 'WWW-Authenticate': challenge }),
    });

    it(`sends ${BURST_SIZE} concurrent requests and counts the answers per status`, async () => {
      auth.logIn(ALICE);
      expect(await text('burst-result')).toBe('');
      await click('burst-call-button');
      const requests = http.match(url);
      expect(requests.length).toBe(BURST_SIZE);
      for (const req of requests) {
        expect(req.request.method).toBe('GET');
        expect(req.request.headers.get('Authorization')).toBe('Bearer access-token');
      }
      // No error="invalid_token": the interceptor does not retry these.
      requests.slice(0, 2).forEach((req) => req.flush({}, unauthorized('Bearer realm="demo-api"')));
      expect(await text('burst-result')).toBe('');
      requests.slice(2).forEach((req) => req.flush({ messages: [] }));
      expect(await text('burst-result')).toBe(`${BURST_SIZE - 2} × 200, 2 × 401`);
      // The other results are untouched.
      expect(await text('api-result')).toBe('');
    });

    it('shows the answers of the retries after 401 invalid_token', async () => {
      auth.logIn(ALICE);
      await click('burst-call-button');
      // What the renewal after the 401s will hand out.
      auth.setAccessToken('access-token-renewed');
      http
        .match(url)
        .forEach((req) =>
          req.flush(
            { error: 'invalid_token' },
            unauthorized(
              'Bearer realm="demo-api", error="invalid_token", error_description="expired"',
            ),
          ),
        );
      await new Promise((resolve) => setTimeout(resolve));
      const retries = http.match(url);
      expect(retries.length).toBe(BURST_SIZE);
      for (const req of retries) {
        expect(req.request.headers.get('Authorization')).toMatch(/^Bearer access-token-renewed/);
        req.flush({ messages: [] });
      }
      expect(await text('burst-result')).toBe(`${BURST_SIZE} × 200`);
    });

    it('shows "20 × error not_authenticated" when anonymous: nothing is sent', async () => {
      await click('burst-call-button');
      http.expectNone(url);
      expect(await text('burst-result')).toBe(`${BURST_SIZE} × error not_authenticated`);
    });

    it('summarizes statuses in ascending order, then errors', () => {
      expect(summarizeBurst(['401', '200', 'error timeout', '200', '0', '403'])).toBe(
        '1 × 0, 2 × 200, 1 × 401, 1 × 403, 1 × error timeout',
      );
      expect(summarizeBurst([])).toBe('');
    });
  });
});
