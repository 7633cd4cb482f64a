import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { FakeAuthService, provideAuthTesting } from 'ngx-oidc/testing';

import { fakeJwt } from '../../testing/fake-jwt';
import { DEFAULT_DEMO_ENV, DEMO_ENV } from '../demo-env';
import { Inspector } from './inspector';

describe('Inspector', () => {
  let auth: FakeAuthService;
  let fixture: ComponentFixture<Inspector>;
  let privateKey: CryptoKey;

  beforeAll(async () => {
    ({ privateKey } = await generateKeyPair('RS256'));
  });

  beforeEach(async () => {
    TestBed.configureTestingModule({
      imports: [Inspector],
      providers: [provideAuthTesting(), { provide: DEMO_ENV, useValue: DEFAULT_DEMO_ENV }],
    });
    auth = TestBed.inject(FakeAuthService);
    fixture = TestBed.createComponent(Inspector);
    await fixture.whenStable();
  });

  /** An RS256 access token the demo API would accept, with `overrides`. */
  function accessToken(overrides: JWTPayload = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: DEFAULT_DEMO_ENV.authority,
      sub: 'alice',
      aud: DEFAULT_DEMO_ENV.apiAudience,
      iat: now - 120,
      exp: now + 600,
      scope: 'openid read:messages',
      ...overrides,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
      .sign(privateKey);
  }

  function query(id: string): HTMLElement | null {
    return (fixture.nativeElement as HTMLElement).querySelector(`[data-testid="${id}"]`);
  }

  function el<T extends HTMLElement = HTMLElement>(id: string): T {
    const found = query(id);
    if (!found) throw new Error(`no [data-testid="${id}"]`);
    return found as T;
  }

  async function fill(id: string, value: string): Promise<void> {
    const input = el<HTMLInputElement | HTMLTextAreaElement>(id);
    input.value = value;
    input.dispatchEvent(new Event('input'));
    await fixture.whenStable();
  }

  function findings(): string[] {
    return Array.from(
      (fixture.nativeElement as HTMLElement).querySelectorAll('[data-testid="finding"]'),
    ).map((li) => li.textContent?.trim() ?? '');
  }

  it('says the token is decoded, not verified', () => {
    expect(el('inspector-note').textContent).toContain('Decoded, not verified');
  });

  it('prefills the expectations from the demo settings', () => {
    expect(el<HTMLInputElement>('inspector-issuer').value).toBe(DEFAULT_DEMO_ENV.authority);
    expect(el<HTMLInputElement>('inspector-audience').value).toBe(DEFAULT_DEMO_ENV.apiAudience);
    expect(el<HTMLInputElement>('inspector-scopes').value).toBe('read:messages');
  });

  it('shows nothing decoded until a token is pasted', () => {
    expect(query('inspector-findings')).toBeNull();
    expect(query('inspector-header')).toBeNull();
  });

  it('decodes a good access token: header, claims, times in words, "No findings"', async () => {
    await fill('inspector-input', await accessToken());
    expect(el('inspector-kind').textContent).toBe('jwt');
    expect(JSON.parse(el('inspector-header').textContent ?? '')).toEqual({
      alg: 'RS256',
      kid: 'k1',
      typ: 'at+jwt',
    });
    expect(JSON.parse(el('inspector-claims').textContent ?? '')).toEqual(
      jasmine.objectContaining({ sub: 'alice', aud: DEFAULT_DEMO_ENV.apiAudience }),
    );
    const times = el('inspector-times').textContent ?? '';
    expect(times).toContain('issued 2 minutes ago');
    expect(times).toContain('expires in 10 minutes');
    expect(findings()).toEqual([]);
    expect(el('inspector-findings').textContent).toContain('No findings');
  });

  it('updates live as the token and the expectations change', async () => {
    await fill('inspector-input', await accessToken({ aud: 'https://other.example.com' }));
    expect(findings().length).toBe(1);
    expect(findings()[0]).toMatch(/^audience_mismatch /);
    await fill('inspector-audience', 'https://other.example.com');
    expect(findings()).toEqual([]);
    await fill('inspector-scopes', 'read:messages write:messages');
    expect(findings()[0]).toMatch(/^missing_scope .*"write:messages"/);
  });

  it('lists one finding per problem, with its code and message', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    await fill('inspector-input', await accessToken({ iss: 'http://evil.test', exp: past }));
    expect(findings().map((text) => text.split(' ')[0])).toEqual(['issuer_mismatch', 'expired']);
    expect(findings()[1]).toContain('expired 1 hour ago');
  });

  it('tells an opaque token apart, with the audience advice', async () => {
    await fill('inspector-input', 'r4nd0m-0paque-t0ken');
    expect(el('inspector-kind').textContent).toBe('opaque');
    expect(findings().length).toBe(1);
    expect(findings()[0]).toMatch(/^opaque_token .*set audience/);
    expect(el('inspector-claims').textContent).toBe('(none)');
  });

  it('reports a malformed token', async () => {
    await fill('inspector-input', 'eyJhbGciOiJSUzI1NiJ9.not json.x');
    expect(el('inspector-kind').textContent).toBe('malformed');
    expect(findings()[0]).toMatch(/^malformed_token /);
  });

  it('picks the session ID token and access token', async () => {
    const access = await accessToken();
    const idToken = fakeJwt({ sub: 'alice', aud: DEFAULT_DEMO_ENV.clientId, nonce: 'n' });
    expect(el<HTMLButtonElement>('inspector-pick-id').disabled).toBeTrue();
    auth.logIn({ sub: 'alice' }, { idToken, accessToken: access });
    await fixture.whenStable();

    el('inspector-pick-id').click();
    await fixture.whenStable();
    expect(el<HTMLTextAreaElement>('inspector-input').value).toBe(idToken);
    expect(findings().map((text) => text.split(' ')[0])).toContain('id_token_used_as_access_token');

    el('inspector-pick-access').click();
    await fixture.whenStable();
    expect(el<HTMLTextAreaElement>('inspector-input').value).toBe(access);
    expect(findings()).toEqual([]);
  });
});
