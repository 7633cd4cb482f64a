/**
 * The ID token checks and jose (core/verifier.ts), loaded when a token is first checked: a page
 * that is not the callback needs none of it on its first load, and an app's build puts it in a
 * chunk of its own (measured by the bundle budget test). Callers start the load before the
 * request whose answer they will check, so it overlaps the network (the callback's token
 * request, a refresh).
 */
export function loadVerifier(): Promise<typeof import('./verifier')> {
  return (loading ??= import('./verifier'));
}

let loading: Promise<typeof import('./verifier')> | undefined;
