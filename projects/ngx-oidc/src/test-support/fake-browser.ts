import { TestBed } from '@angular/core/testing';
import type { EnvironmentProviders, Provider } from '@angular/core';
import { AUTH_BROWSER, type AuthBrowser } from '../lib/angular/auth-browser';
import { provideAuth } from '../lib/angular/provide-auth';
import { AuthService } from '../lib/angular/auth.service';
import type { AuthFeature } from '../lib/angular/features';
import type { AuthConfig } from '../lib/core/config';
import { FakePlatform } from './fake-platform';
import { APP_ORIGIN, CLIENT_ID, createKey, FakeProvider, ISSUER, signToken, type TestKey } from './fake-provider';

/**
 * The scripted platform of the Angular specs: {@link FakePlatform} (records redirects and
 * address-bar changes, serves the fake provider) on the real clock, without timers, frames,
 * tabs or locks unless a spec adds them.
 */
export class FakeBrowser extends FakePlatform implements AuthBrowser {
  constructor(url: string, provider: FakeProvider) {
    super({ url, provider });
  }

  // The Angular specs sign tokens with the real time and let the client's timers run.
  override now(): number {
    return Date.now();
  }
}

/** The configuration the Angular specs use. */
export const TEST_CONFIG: AuthConfig = {
  authority: ISSUER,
  clientId: CLIENT_ID,
  audience: 'https://api.example.com',
  allowedUrls: ['https://api.example.com/v1', { uri: '/public-api', allowAnonymous: true }],
};

/** What {@link setUpAuth} returns. */
export interface AuthTestBed {
  readonly auth: AuthService;
  readonly browser: FakeBrowser;
  readonly provider: FakeProvider;
}

/**
 * Configures TestBed with `provideAuth()` and a {@link FakeBrowser} at `url`, and returns the
 * service after start-up. Each call is a fresh app instance (as after a redirect); storage
 * (sessionStorage) is shared, as in a real browser tab.
 */
export async function setUpAuth(
  options: { url?: string; config?: Partial<AuthConfig>; provider?: FakeProvider; providers?: (Provider | EnvironmentProviders)[]; features?: AuthFeature[] } = {},
): Promise<AuthTestBed> {
  const provider = options.provider ?? new FakeProvider();
  const browser = new FakeBrowser(options.url ?? `${APP_ORIGIN}/`, provider);
  TestBed.resetTestingModule();
  TestBed.configureTestingModule({
    providers: [
      provideAuth({ ...TEST_CONFIG, ...options.config }, ...(options.features ?? [])),
      { provide: AUTH_BROWSER, useValue: browser },
      ...(options.providers ?? []),
    ],
  });
  const auth = TestBed.inject(AuthService);
  await auth.initialize();
  return { auth, browser, provider };
}

/**
 * Makes the fake provider answer the token request for the login whose authorize URL is given,
 * with a real signed ID token carrying that login's nonce.
 */
export async function answerTokenRequest(
  provider: FakeProvider,
  authorizeUrl: string,
  key?: TestKey,
  claims: Record<string, unknown> = {},
): Promise<TestKey> {
  const signingKey = key ?? (await createKey('k1'));
  provider.keys = [signingKey.jwk];
  const nonce = new URL(authorizeUrl).searchParams.get('nonce')!;
  const now = Math.floor(Date.now() / 1000);
  const idToken = await signToken(signingKey, {
    iss: ISSUER,
    sub: 'alice',
    aud: CLIENT_ID,
    iat: now,
    exp: now + 300,
    nonce,
    name: 'Alice Liddell',
    ...claims,
  });
  provider.on(provider.discovery.token_endpoint!, () => ({
    status: 200,
    json: { access_token: 'access-token-1', token_type: 'Bearer', expires_in: 300, id_token: idToken, scope: 'openid profile email' },
  }));
  return signingKey;
}

/** The callback URL the provider would redirect to for a login. */
export function callbackUrlFor(authorizeUrl: string, extra: Record<string, string> = {}): string {
  const state = new URL(authorizeUrl).searchParams.get('state')!;
  const params = new URLSearchParams({ code: 'auth-code-1', state, ...extra });
  return `${APP_ORIGIN}/callback?${params}`;
}
