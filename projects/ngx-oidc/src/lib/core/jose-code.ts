/**
 * The `code` of a jose error (`ERR_JWT_EXPIRED`, …), jose's documented way to tell its errors
 * apart. Comparing codes instead of `instanceof jose.errors.*` keeps the error classes that
 * jose itself never throws on our path out of the app's bundle. Every jose code starts with
 * `ERR_JOSE_` or `ERR_JW` (JWS, JWT, JWK, JWKS, JWE); other libraries' codes are not ours to read.
 */
export function joseCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_J') ? code : undefined;
}
