import { parseBearerChallenge } from '../bearer-challenge';
import { AuthError } from '../errors';
import type { SessionScope } from '../session-store';
import { scopeName } from '../session-store';
import type { FetchLike } from '../types';
import { createDpopKeyStore, type DpopKeyStore } from './dpop-key';
import { createDpopNonces, type DpopNonces, type HeaderReader } from './dpop-nonce';
import { createDpopProof } from './dpop-proof';

/**
 * DPoP (RFC 9449) for one client at one issuer: what the token requests and the interceptor
 * use to bind tokens to this browser's key.
 *
 * The token endpoint (core, `requestTokens`): every request goes through {@link Dpop.fetch},
 * and the answer must be a `DPoP` token (`dpop_not_bound` otherwise). A login sends
 * {@link Dpop.thumbprint} as `dpop_jkt`.
 *
 * A resource server (the interceptor), for each allow-listed request with token `at`:
 *
 * ```ts
 * const send = async () => next(req.clone({ setHeaders: {
 *   Authorization: `${dpop.scheme} ${at}`,
 *   DPoP: await dpop.proofFor(req.method, absoluteUrl, at),
 * } }));
 * let res = await send();                         // HttpResponse or HttpErrorResponse
 * dpop.noteNonce(absoluteUrl, res.headers);       // every answer may carry the next nonce
 * if (dpop.nonceChallenged(res.status, res.headers)) res = await send(); // once (§9)
 * ```
 *
 * A fresh proof (new `jti`, `iat`, `ath`) goes with every attempt, retries included (§11.1).
 */
export interface Dpop {
  /** The authorization scheme of a DPoP-bound token: `Authorization: DPoP <token>` (RFC 9449 §7.1). */
  readonly scheme: 'DPoP';
  /**
   * The JWK SHA-256 thumbprint of the key, read again from IndexedDB (a login binds to the key
   * the tabs share now): the authorization request's `dpop_jkt` (RFC 9449 §10).
   * @throws {AuthError} `dpop_unavailable`.
   */
  thumbprint(): Promise<string>;
  /**
   * The thumbprint of the key this tab signs its proofs with now, if it has one at hand; never
   * creates a key (the development-mode diagnosis of a refused token compares it with `cnf.jkt`).
   */
  heldThumbprint(): Promise<string | undefined>;
  /**
   * A fresh proof for one request, with the nonce last noted for its origin: the value of the
   * `DPoP` header (RFC 9449 §4.2).
   * @param url The request's absolute URL (query and fragment are left out of `htu`).
   * @param accessToken The token sent with the request; the proof then carries its `ath` (§7.1).
   * @throws {AuthError} `dpop_unavailable`. @throws {TypeError} for a relative URL.
   */
  proofFor(method: string, url: string, accessToken?: string): Promise<string>;
  /** Keeps the `DPoP-Nonce` of any response from `url` for the next proofs to its origin (§8.2, §9). */
  noteNonce(url: string, headers: HeaderReader): void;
  /**
   * Whether a resource server's answer asks for a nonce: 401 with
   * `WWW-Authenticate: DPoP error="use_dpop_nonce"` and a `DPoP-Nonce` (RFC 9449 §9). Then retry
   * once, with a new proof (after {@link noteNonce}); a second challenge goes to the app.
   */
  nonceChallenged(status: number, headers: HeaderReader): boolean;
  /**
   * `fetchFn` for the token endpoint: each request gets a fresh proof (`htm` POST, `htu` the
   * endpoint), nonces are noted, and a 400 `use_dpop_nonce` answer with a `DPoP-Nonce` is
   * retried once with a proof that carries it (RFC 9449 §5, §8). Resolves once the key is at hand.
   * @throws {AuthError} `dpop_unavailable`.
   */
  fetch(fetchFn: FetchLike): Promise<FetchLike>;
  /**
   * Checks the `token_type` of a token response to a request that carried a proof: it must be
   * `DPoP`, in any case (RFC 9449 §5). A Bearer token means the provider ignored the proof (no
   * DPoP support for this client), and using it would silently give up the binding.
   * @throws {AuthError} `dpop_not_bound` (`cause.actual`: the type).
   */
  checkTokenType(tokenType: unknown): void;
  /**
   * Deletes the key (logout): the next login makes a new one, and tokens bound to this one are
   * useless to this browser from then on.
   * @throws {AuthError} `dpop_unavailable`.
   */
  forget(): Promise<void>;
}

/** What {@link createDpop} is made of; tests pass fakes. */
export interface DpopParts {
  readonly keys?: DpopKeyStore;
  readonly nonces?: DpopNonces;
  /** Current time in epoch milliseconds (`Date.now` by default). */
  readonly now?: () => number;
}

/**
 * DPoP for one client at one issuer: the key pair kept in IndexedDB (dpop-key.ts), a nonce
 * cache per origin (dpop-nonce.ts) and the proofs (dpop-proof.ts).
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export function createDpop(scope: SessionScope, parts: DpopParts = {}): Dpop {
  const keys = parts.keys ?? createDpopKeyStore(scope);
  const nonces = parts.nonces ?? createDpopNonces();
  const now = parts.now ?? Date.now;

  const dpop: Dpop = {
    scheme: 'DPoP',
    thumbprint: async () => (await keys.get(true)).thumbprint,
    heldThumbprint: async () => (await keys.held()?.catch(() => undefined))?.thumbprint,
    proofFor: async (method, url, accessToken) => createDpopProof(await keys.get(), { method, url, nonce: nonces.get(url), accessToken }, now()),
    noteNonce: (url, headers) => void nonces.note(url, headers),
    nonceChallenged: (status, headers) => status === 401 && headers.get('DPoP-Nonce') !== null && parseBearerChallenge(headers.get('WWW-Authenticate'), 'DPoP')['error'] === 'use_dpop_nonce',
    async fetch(fetchFn) {
      // The key first: without one the request is not sent (dpop_unavailable, not a network error).
      await keys.get();
      return async (url, init = {}) => {
        let nonce: string | undefined;
        const send = async () => {
          const headers = new Headers(init.headers);
          headers.set('DPoP', await dpop.proofFor(init.method ?? 'GET', url));
          const response = await fetchFn(url, { ...init, headers });
          nonce = nonces.note(url, response.headers);
          return response;
        };
        const response = await send();
        // RFC 9449 §8: the authorization server asks for a nonce with 400 use_dpop_nonce and
        // the nonce in DPoP-Nonce; the request is sent again, once, with a proof carrying it.
        // Sending the same grant again is safe: the server refused it before looking at it.
        if (response.status === 400 && nonce !== undefined) {
          const body: unknown = await response
            .clone()
            .json()
            .catch(() => undefined);
          if ((body as { error?: unknown } | undefined)?.error === 'use_dpop_nonce') return send();
        }
        return response;
      };
    },
    checkTokenType(tokenType) {
      if (String(tokenType).toLowerCase() !== 'dpop') {
        throw new AuthError(
          'dpop_not_bound',
          (typeof ngDevMode === 'undefined' || ngDevMode)
            ? `withDpop(): the token endpoint answered token_type "${String(tokenType)}", not "DPoP": does the provider support DPoP for this client?`
            : '',
          { claim: 'token_type', expected: 'DPoP', actual: tokenType },
        );
      }
    },
    forget: () => keys.forget(),
  };
  return dpop;
}

/**
 * What `withDpop()` gives the client (core/features.ts `ProtocolFeatures.dpop`): the
 * {@link Dpop} of a client, one per issuer and client id for the app's life.
 */
export type DpopFeature = (scope: SessionScope) => Dpop;

/** Makes a {@link DpopFeature}: `withDpop()` calls it once. */
export function createDpopFeature(make: (scope: SessionScope) => Dpop = createDpop): DpopFeature {
  const made = new Map<string, Dpop>();
  return (scope) => {
    const name = scopeName(scope);
    let dpop = made.get(name);
    if (!dpop) made.set(name, (dpop = make(scope)));
    return dpop;
  };
}
