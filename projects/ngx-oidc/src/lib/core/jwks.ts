import { createLocalJWKSet, type JSONWebKeySet, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose';
import { AuthError } from './errors';
import { joseCode } from './jose-code';
import { fetchJson } from './http';
import type { FetchLike } from './types';

/** Resolves the verification key of a JWS, as `jwtVerify` expects. */
export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

/** The provider's signing keys, fetched lazily and refetched once when a `kid` is unknown. */
export interface KeyStore {
  /** The key resolver for `jwtVerify`. */
  readonly resolve: KeyResolver;
  /** The key set currently held, for caching across a redirect. */
  current(): JSONWebKeySet | undefined;
  /** Fetches the key set now unless one is held, so a later validation needs no request. */
  prefetch(): Promise<void>;
}

/**
 * Creates a key store for a `jwks_uri`.
 *
 * @param initial A key set fetched earlier (e.g. before the redirect); used until a token names
 *   a key it does not hold.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
export function createKeyStore(jwksUri: string, fetchFn: FetchLike, initial?: JSONWebKeySet): KeyStore {
  let jwks = initial;
  let local = initial ? createLocalJWKSet(initial) : undefined;
  let fetchedHere = false;

  async function load(): Promise<void> {
    const { status, body } = await fetchJson(fetchFn, jwksUri, { headers: { accept: 'application/json' } }, 'jwks_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'JWKS' : '');
    if (status !== 200 || !Array.isArray(body['keys'])) {
      throw new AuthError('jwks_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The JWKS at ${jwksUri} answered HTTP ${status} without a "keys" array.` : '', { status });
    }
    try {
      local = createLocalJWKSet(body as unknown as JSONWebKeySet);
    } catch (cause) {
      throw new AuthError('jwks_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The JWKS at ${jwksUri} is malformed.` : '', { cause });
    }
    jwks = body as unknown as JSONWebKeySet;
    fetchedHere = true;
  }

  async function resolve(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    if (!local) await load();
    try {
      return await local!(header, token);
    } catch (err) {
      // OIDC Core 1.0 §10.1.1: a kid we do not know may be a rotated key; refetch once.
      if (joseCode(err) === 'ERR_JWKS_NO_MATCHING_KEY' && !fetchedHere) {
        await load();
        return resolveOrExplain(header, token);
      }
      throw explain(err, header);
    }
  }

  async function resolveOrExplain(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    try {
      return await local!(header, token);
    } catch (err) {
      throw explain(err, header);
    }
  }

  return {
    resolve,
    current: () => jwks,
    prefetch: async () => {
      if (!local) await load();
    },
  };
}

function explain(err: unknown, header: JWSHeaderParameters): unknown {
  if (joseCode(err) === 'ERR_JWKS_NO_MATCHING_KEY') {
    return new AuthError(
      'unknown_kid',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? `The provider's JWKS has no ${header.alg} key${header.kid ? ` with kid "${header.kid}"` : ''}, even after a refetch.` : '',
      { claim: 'kid', actual: header.kid },
    );
  }
  if (joseCode(err) === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') {
    return new AuthError(
      'unknown_kid',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? `The token ${header.kid ? `names kid "${header.kid}", which` : 'has no kid and'} matches several keys of the provider's JWKS; the signing key is ambiguous.`
        : '',
      { claim: 'kid', actual: header.kid },
    );
  }
  return err;
}
