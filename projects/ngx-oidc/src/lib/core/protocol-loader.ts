import { AuthError } from './errors';

/**
 * The on-demand part of the library (core/protocol.ts: login flows, token requests, ID token
 * checks, jose), loaded when first needed: an app's build puts it in a chunk of its own, which a
 * page that only restores a session never downloads (measured by the bundle budget test).
 * Callers start the load alongside the network request they would wait for anyway (discovery
 * before a login), so it adds no round trip there.
 */
export const loadProtocol = /* @__PURE__ */ importOnce(() => import('./protocol'));

/**
 * Wraps a dynamic import: one load while it succeeds; a failed one (offline, or the app was
 * deployed anew and the old chunk is gone) is not kept, so the next call tries again, and it is
 * a `network_error` (a renewal then keeps its tokens and retries, see the renewer).
 */
export function importOnce<T>(importer: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= importer().catch((cause: unknown) => {
      loading = undefined;
      throw new AuthError(
        'network_error',
        (typeof ngDevMode === 'undefined' || ngDevMode) ? `Could not load ngx-oidc's on-demand code (${cause instanceof Error ? cause.message : String(cause)}); the next attempt loads it again.` : '',
        { cause },
      );
    }));
}
