import { InjectionToken } from '@angular/core';
import type { PushedAuthorizationMode, ResponseType } from 'ngx-oidc';

const PAR_MODES: readonly string[] = ['auto', 'required'] satisfies PushedAuthorizationMode[];

const RESPONSE_TYPES: readonly string[] = ['code', 'id_token token', 'id_token', 'code id_token'];

/**
 * How the demo keeps its access tokens fresh: `refresh_token` asks for `offline_access` and
 * renews with the refresh token; `silent` asks for none and renews by silent authentication
 * (`prompt=none` in a hidden iframe at `/silent-callback.html`).
 */
export type Renewal = 'refresh_token' | 'silent';

const RENEWALS: readonly string[] = ['refresh_token', 'silent'] satisfies Renewal[];

/**
 * Runtime settings of the demo, written by the demo backend to `public/demo-env.json` (served
 * at `/demo-env.json`) so the same build works with whatever ports the backend picked.
 */
export interface DemoEnv {
  /** Issuer URL of the OpenID Provider. */
  readonly authority: string;
  /** Client id of the demo at the provider. */
  readonly clientId: string;
  /** Base URL of the demo API; `${apiUrl}/api` is allow-listed for the access token. */
  readonly apiUrl: string;
  /** Audience the access token is requested for (the API's identifier). */
  readonly apiAudience: string;
  /** The same API under another origin, deliberately NOT allow-listed. */
  readonly foreignApiUrl: string;
  /**
   * Audience of the second API (`${apiUrl}/management`, like Auth0's Management API), for which
   * the interceptor gets a token of its own. Optional in the file; default
   * `https://management.ngx-oidc.test`.
   */
  readonly managementAudience: string;
  /**
   * Optional: issuer of the second OpenID Provider, "partner" (`withAuthProvider('partner', …)`,
   * the Partner page). Absent: {@link PARTNER_DEFAULTS}, as are the two below.
   */
  readonly partnerAuthority?: string;
  /** Optional: client id of the demo at the partner. */
  readonly partnerClientId?: string;
  /**
   * Optional: audience of the partner's API (`${apiUrl}/partner`, scope `read:partner`), which
   * takes only the partner's tokens.
   */
  readonly partnerAudience?: string;
  /** How tokens are renewed. Optional in the file; default `refresh_token`. */
  readonly renewal: Renewal;
  /** Optional constructor-time `responseType` (default `code`), to try the implicit flows. */
  readonly responseType?: ResponseType;
  /** Optional constructor-time nonce of the app's own (the "custom nonce" scenario). */
  readonly nonce?: string;
  /** Optional: fetch /userinfo after login (constructor-time `loadUserInfo`). */
  readonly loadUserInfo?: boolean;
  /**
   * Optional: push every login's authorization request first (RFC 9126,
   * `withPushedAuthorizationRequests({ mode })`), so the browser goes to the provider with
   * `client_id` and `request_uri` only. Absent: plain authorization requests, as before.
   */
  readonly par?: PushedAuthorizationMode;
  /**
   * Optional: DPoP-bound tokens (RFC 9449, `withDpop()`): the key stays in this browser, and
   * the interceptor sends `Authorization: DPoP` with a proof. Absent: Bearer tokens, as before.
   */
  readonly dpop?: boolean;
}

/** Used when `/demo-env.json` is missing or unreadable (backend started with its default ports). */
export const DEFAULT_DEMO_ENV: DemoEnv = Object.freeze({
  authority: 'http://localhost:9000',
  clientId: 'ngx-oidc-demo',
  apiUrl: 'http://localhost:3001',
  apiAudience: 'https://api.ngx-oidc.test',
  foreignApiUrl: 'http://127.0.0.1:3001',
  managementAudience: 'https://management.ngx-oidc.test',
  renewal: 'refresh_token',
});

/** The partner's settings when demo-env.json has none (the backend's default ports). */
export const PARTNER_DEFAULTS = Object.freeze({
  partnerAuthority: 'http://localhost:9001',
  partnerClientId: 'ngx-oidc-demo',
  partnerAudience: 'https://partner-api.ngx-oidc.test',
});

/** The demo's runtime settings, as loaded by `main.ts` before bootstrap. */
export const DEMO_ENV = new InjectionToken<DemoEnv>('DEMO_ENV');

/** The string settings that always have a value (`renewal` is checked on its own). */
const KEYS = Object.keys(DEFAULT_DEMO_ENV).filter((key) => key !== 'renewal') as Exclude<
  keyof DemoEnv,
  'responseType' | 'nonce' | 'loadUserInfo' | 'renewal' | 'par' | 'dpop' | keyof typeof PARTNER_DEFAULTS
>[];

/**
 * Fetches `/demo-env.json` (bypassing the HTTP cache, since ports change between backend runs)
 * and fills any missing or malformed value from {@link DEFAULT_DEMO_ENV}. Never rejects.
 */
export async function loadDemoEnv(
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
  url = '/demo-env.json',
): Promise<DemoEnv> {
  try {
    const response = await fetchFn(url, { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return mergeDemoEnv(await response.json());
  } catch (err) {
    console.warn(
      `ngx-oidc demo: could not load ${url} (${String(err)}); using the default settings.`,
    );
    return DEFAULT_DEMO_ENV;
  }
}

/** Takes the known string settings from `raw`, the defaults for the rest. */
export function mergeDemoEnv(raw: unknown): DemoEnv {
  const source = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const env: Record<string, string | boolean> = {};
  for (const key of KEYS) {
    const value = source[key];
    env[key] =
      typeof value === 'string' && value.trim() !== '' ? value.trim() : DEFAULT_DEMO_ENV[key];
  }
  // The API base URLs get paths appended; the authority and audience are compared verbatim.
  for (const key of ['apiUrl', 'foreignApiUrl'] as const) {
    env[key] = String(env[key]).replace(/\/+$/, '');
  }
  env['renewal'] =
    typeof source['renewal'] === 'string' && RENEWALS.includes(source['renewal'])
      ? source['renewal']
      : DEFAULT_DEMO_ENV.renewal;
  // Optional settings are taken only when well-formed; provideAuth() checks them again.
  if (
    typeof source['responseType'] === 'string' &&
    RESPONSE_TYPES.includes(source['responseType'])
  ) {
    env['responseType'] = source['responseType'];
  }
  if (typeof source['nonce'] === 'string' && source['nonce'] !== '') env['nonce'] = source['nonce'];
  if (source['loadUserInfo'] === true) env['loadUserInfo'] = true;
  if (source['dpop'] === true) env['dpop'] = true;
  if (typeof source['par'] === 'string' && PAR_MODES.includes(source['par'])) {
    env['par'] = source['par'];
  }
  for (const key of Object.keys(PARTNER_DEFAULTS)) {
    const value = source[key];
    if (typeof value === 'string' && value.trim() !== '') env[key] = value.trim();
  }
  return Object.freeze(env as unknown as DemoEnv);
}
