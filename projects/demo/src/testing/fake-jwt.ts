/**
 * An unsigned JWT carrying `payload`, for components that only decode a token for display
 * (`ngx-oidc/testing`'s placeholder tokens are deliberately not JWTs). Pass it to
 * `FakeAuthService.logIn(user, { idToken: fakeJwt(…) })`.
 */
export function fakeJwt(payload: Record<string, unknown>): string {
  const encode = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}
