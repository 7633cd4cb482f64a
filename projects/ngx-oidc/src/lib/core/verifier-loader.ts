import { AuthError } from './errors';

/**
 * The ID token checks and jose (core/verifier.ts), loaded when a token is first checked: a page
 * that is not the callback needs none of it on its first load, and an app's build puts it in a
 * chunk of its own (measured by the bundle budget test). Callers start the load before the
 * request whose answer they will check, so it overlaps the network (the callback's token
 * request, a refresh).
 */
export const loadVerifier = /* @__PURE__ */ importOnce(() => import('./verifier'));

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
        (typeof ngDevMode === 'undefined' || ngDevMode) ? `Could not load ngx-oidc's ID token checks (${cause instanceof Error ? cause.message : String(cause)}); the next check tries again.` : '',
        { cause },
      );
    }));
}
