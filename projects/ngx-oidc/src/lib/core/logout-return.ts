import type { FlowContext } from './login-flow';
import { safeRemove } from './storage';

/** Where the `state` of the last RP-initiated logout waits for the return (the transaction storage). */
export const LOGOUT_STATE_PREFIX = 'ngx-oidc.logout.';

/**
 * Recognises the return from this client's RP-initiated logout: `url` carries the `state` the
 * last `buildLogoutUrl` (login-flow.ts) sent (consumed here). It is not an authorization response, even
 * where `post_logout_redirect_uri` is the redirect URI.
 *
 * @returns The URL to show instead (path, query without `state`, fragment), or `undefined`.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
 */
export function takeLogoutReturn(ctx: Pick<FlowContext, 'config' | 'transactions'>, url: string): string | undefined {
  const key = LOGOUT_STATE_PREFIX + ctx.config.clientId;
  let expected: string | null = null;
  try {
    expected = ctx.transactions.getItem(key);
  } catch {
    // Unreadable storage: nothing was kept to compare with.
  }
  const current = new URL(url);
  if (expected === null || current.searchParams.get('state') !== expected) return undefined;
  safeRemove(ctx.transactions, key);
  current.searchParams.delete('state');
  return current.pathname + current.search + current.hash;
}
