import { HttpHeaders, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { authInterceptor } from 'ngx-oidc';
import { FakeAuthService, provideAuthTesting } from 'ngx-oidc/testing';

import { DEMO_ENV, type DemoEnv } from '../demo-env';
import { ResourceCalls } from './resource-calls';

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
const API_URL = `${ENV.apiUrl}/api/messages`;
const FOREIGN_URL = `${ENV.foreignApiUrl}/api/messages`;

const unauthorized = (challenge: string) => ({
  status: 401,
  statusText: 'Unauthorized',
  headers: new HttpHeaders({ 'WWW-Authenticate': challenge }),
});

describe('ResourceCalls (httpResource)', () => {
  let auth: FakeAuthService;
  let http: HttpTestingController;
  let fixture: ComponentFixture<ResourceCalls>;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      imports: [ResourceCalls],
      providers: [
        // The real interceptor, deciding with the fake's allowlist and token: httpResource
        // sends through HttpClient, so it applies here as it does to HttpClient.get().
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideAuthTesting({ allowedUrls: [`${ENV.apiUrl}/api`], accessToken: 'access-token' }),
        { provide: DEMO_ENV, useValue: ENV },
      ],
    });
    auth = TestBed.inject(FakeAuthService);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ResourceCalls);
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

  /**
   * Clicks, runs the resource's effect (which sends the request) and lets the interceptor's
   * async token lookup run. Not whenStable(): a loading resource keeps the app unstable.
   */
  async function click(id: string): Promise<void> {
    el(id).click();
    TestBed.tick();
    await new Promise((resolve) => setTimeout(resolve));
  }

  /** The text of `id` once the resource has settled (resolved or error). */
  async function text(id: string): Promise<string> {
    await fixture.whenStable();
    return el(id).textContent ?? '';
  }

  it('sends nothing before the first click', async () => {
    auth.logIn(ALICE);
    expect(await text('resource-api-status')).toBe('idle');
    expect(await text('resource-api-result')).toBe('');
    http.expectNone(API_URL);
    http.expectNone(FOREIGN_URL);
  });

  it('sends the bearer token to the allow-listed API and shows "200 <body>"', async () => {
    auth.logIn(ALICE);
    await click('resource-api-load-button');
    expect(el('resource-api-status').textContent).toBe('loading');
    expect(el('resource-api-result').textContent).toBe('');
    const req = http.expectOne(API_URL);
    expect(req.request.method).toBe('GET');
    expect(req.request.headers.get('Authorization')).toBe('Bearer access-token');
    req.flush({ messages: [{ id: 1, text: 'hi' }], sub: 'alice' });
    expect(await text('resource-api-result')).toBe(
      '200 {"messages":[{"id":1,"text":"hi"}],"sub":"alice"}',
    );
    expect(await text('resource-api-status')).toBe('resolved');
    // The other resource is untouched.
    expect(await text('resource-foreign-status')).toBe('idle');
  });

  it('reloads on the next click, with the token again', async () => {
    auth.logIn(ALICE);
    await click('resource-api-load-button');
    http.expectOne(API_URL).flush({ n: 1 });
    expect(await text('resource-api-result')).toBe('200 {"n":1}');
    auth.setAccessToken('access-token-2');
    await click('resource-api-load-button');
    expect(el('resource-api-status').textContent).toBe('reloading');
    // Empty while loading, so "has text" means "answered".
    expect(el('resource-api-result').textContent).toBe('');
    const req = http.expectOne(API_URL);
    expect(req.request.headers.get('Authorization')).toBe('Bearer access-token-2');
    req.flush({ n: 2 });
    expect(await text('resource-api-result')).toBe('200 {"n":2}');
  });

  it('renews once and retries once after 401 invalid_token, like HttpClient.get()', async () => {
    auth.logIn(ALICE);
    await click('resource-api-load-button');
    // What the renewal after the 401 will hand out.
    auth.setAccessToken('access-token-renewed');
    http
      .expectOne(API_URL)
      .flush(
        { error: 'invalid_token' },
        unauthorized('Bearer error="invalid_token", error_description="expired"'),
      );
    await new Promise((resolve) => setTimeout(resolve));
    const retry = http.expectOne(API_URL);
    expect(retry.request.headers.get('Authorization')).toBe('Bearer access-token-renewed');
    expect(auth.renewAfterRejectionCalls.length).toBe(1);
    retry.flush({ messages: [] });
    expect(await text('resource-api-result')).toBe('200 {"messages":[]}');
  });

  it('shows "error not_authenticated" when anonymous: the request is never sent', async () => {
    await click('resource-api-load-button');
    http.expectNone(API_URL);
    expect(await text('resource-api-result')).toBe('error not_authenticated');
    expect(await text('resource-api-status')).toBe('error');
  });

  it('never sends the token to another origin and shows the 401 reason', async () => {
    auth.logIn(ALICE);
    await click('resource-foreign-load-button');
    const req = http.expectOne(FOREIGN_URL);
    expect(req.request.headers.has('Authorization')).toBeFalse();
    req.flush(
      { error: 'unauthorized', error_description: 'no access token' },
      unauthorized('Bearer realm="demo-api"'),
    );
    expect(await text('resource-foreign-result')).toBe('401 no access token');
    expect(await text('resource-foreign-status')).toBe('error');
    expect(await text('resource-api-status')).toBe('idle');
  });
});
