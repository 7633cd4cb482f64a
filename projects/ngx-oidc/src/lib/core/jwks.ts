import type { JSONWebKeySet, JWSHeaderParameters, FlattenedJWSInput } from 'jose';
import { createLocalJWKSet } from 'jose/jwks/local';
import { AuthError } from './errors';
import { joseCode } from './jose-code';
import { fetchJson } from './http';
import type { FetchLike } from './types';

/** Resolves the verification key of a JWS, as `jwtVerify` expects. */
export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

/** How long a key store waits after fetching before a `kid` it lacks makes it fetch again. */
export const JWKS_REFETCH_MS = 60_000;

/**
 * The provider's signing keys, fetched lazily and refetched when a token names a `kid` they lack
 * (at most once per {@link JWKS_REFETCH_MS}).
 */
export interface KeyStore {
  /** The key resolver for `jwtVerify`. */
  readonly resolve: KeyResolver;
  /** The key set currently held (the latest fetched), for caching across a redirect. */
  current(): JSONWebKeySet | undefined;
  /** Fetches the key set now unless one is held, so a later validation needs no request. */
  prefetch(): Promise<void>;
}

/**
 * Creates a key store for a `jwks_uri`.
 *
 * @param now Current time in epoch milliseconds: paces the refetches.
 * @param initial A key set fetched earlier (e.g. before the redirect); used until a token names
 *   a key it does not hold.
 * @param fetched Called with each key set fetched (to keep it for the next page).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
export function createKeyStore(
  jwksUri: string,
  fetchFn: FetchLike,
  now: () => number,
  initial?: JSONWebKeySet,
  fetched?: (jwks: JSONWebKeySet) => void,
): KeyStore {
  let jwks = initial;
  // jose's resolver over `jwks`, made when a key is first looked up.
  let local: ReturnType<typeof createLocalJWKSet> | undefined;
  let localOf: JSONWebKeySet | undefined;
  // When the last fetch started; an initial set is of unknown age.
  let fetchedAt = -Infinity;
  let loading: Promise<void> | undefined;

  // Concurrent callers share one request.
  const load = (): Promise<void> => {
    const before = fetchedAt;
    // A failed fetch does not pace the next one: a rotated key is looked up again on the next
    // try (a renewal retried after a JWKS outage), not a minute later.
    return (loading ??= fetchKeys()
      .catch((err) => {
        fetchedAt = before;
        throw err;
      })
      .finally(() => (loading = undefined)));
  };

  async function fetchKeys(): Promise<void> {
    fetchedAt = now();
    const { status, body } = await fetchJson(fetchFn, jwksUri, { headers: { accept: 'application/json' } }, 'jwks_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'JWKS' : '');
    const keys = body['keys'];
    if (status !== 200 || !Array.isArray(keys)) {
      throw new AuthError('jwks_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The JWKS at ${jwksUri} answered HTTP ${status} without a "keys" array.` : '', { status });
    }
    // What jose's createLocalJWKSet requires, checked here: a malformed set is jwks_failed.
    if (!keys.every((key) => key !== null && typeof key === 'object' && !Array.isArray(key))) {
      throw new AuthError('jwks_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The JWKS at ${jwksUri} is malformed.` : '', { status });
    }
    jwks = body as unknown as JSONWebKeySet;
    fetched?.(jwks);
  }

  async function keySet(): Promise<ReturnType<typeof createLocalJWKSet>> {
    if (!jwks) await load();
    const set = jwks!;
    if (localOf !== set) {
      local = createLocalJWKSet(set);
      localOf = set;
    }
    return local!;
  }

  async function resolve(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    const tried = await keySet();
    const triedOf = localOf;
    try {
      return await tried(header, token);
    } catch (err) {
      // OIDC Core 1.0 §10.1.1: a kid we do not know may be a rotated key; refetch, but at most
      // once a minute (a token naming a bogus kid must not cost a request each time). A key set
      // that arrived meanwhile, or a refetch under way, serves this lookup too.
      if (joseCode(err) === 'ERR_JWKS_NO_MATCHING_KEY' && (jwks !== triedOf || loading || now() - fetchedAt >= JWKS_REFETCH_MS)) {
        if (jwks === triedOf) await load();
        try {
          return await (await keySet())(header, token);
        } catch (again) {
          throw explain(again, header);
        }
      }
      throw explain(err, header);
    }
  }

  return {
    resolve,
    current: () => jwks,
    prefetch: async () => {
      if (!jwks) await load();
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
