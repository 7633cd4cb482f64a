// Authentication context classes (OIDC Core 1.0 §2 `acr`) of the local providers, for step-up
// authentication (RFC 9470). Plain constants and functions, no oidc-provider import: the API, the
// tests and e2e code import them from here.
import { timingSafeEqual } from 'node:crypto';

/** One factor: a password (or the DemoSocial connection). Every login gets at least this. */
export const ACR_PASSWORD = 'urn:ngx-oidc:acr:password';
/** Two factors: the first one plus the one-time code on the provider's second login page. */
export const ACR_MFA = 'urn:ngx-oidc:acr:mfa';
/** `acr_values_supported` of both providers, weakest first. */
export const ACR_VALUES = Object.freeze([ACR_PASSWORD, ACR_MFA]);

/**
 * The one-time code the second login page accepts (a simulated authenticator app). Demo only:
 * it never changes.
 */
export const ONE_TIME_CODE = '123456';

/** `amr` (RFC 8176 §2) of the first factor, by how the user signed in. */
export const AMR_PASSWORD = Object.freeze(['pwd']);
export const AMR_FEDERATED = Object.freeze(['fed']);

/** `amr` after the one-time code: the first factor's methods plus `otp` and `mfa` (RFC 8176 §2). */
export function amrWithOneTimeCode(firstFactor = AMR_PASSWORD) {
  return [...new Set([...firstFactor, 'otp', 'mfa'])];
}

/**
 * Whether an authorization request asks for the second factor: its `acr_values` name
 * {@link ACR_MFA}. OIDC Core 1.0 §3.1.2.1 lists them most preferred first and lets the provider
 * satisfy one it can; every demo user can do the second step, so naming it is enough
 * (`acr_values=urn:ngx-oidc:acr:password urn:ngx-oidc:acr:mfa` asks for it too).
 * @param {Record<string, unknown> | undefined} params the request's parameters (oidc-provider's
 *   `ctx.oidc.params` or an interaction's `params`)
 */
export function requiresMfa(params) {
  const acrValues = typeof params?.acr_values === 'string' ? params.acr_values.split(' ') : [];
  return acrValues.includes(ACR_MFA);
}

/**
 * Checks a one-time code in constant time.
 * @param {unknown} code what the user typed (spaces are ignored)
 */
export function checkOneTimeCode(code) {
  const given = Buffer.from(String(code ?? '').replace(/\s+/g, ''));
  const expected = Buffer.from(ONE_TIME_CODE);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
