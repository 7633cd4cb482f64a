import { AuthError } from './errors';
import { completeLogin, startLogin, type FlowContext, type LoginOptions, type LoginResult } from './login-flow';
import { safeRemove } from './storage';
import { TRANSACTION_PREFIX } from './transaction';

/** Default time a silent authentication may take. */
export const SILENT_TIMEOUT_MS = 10_000;

/**
 * Authenticates without user interaction: the same transaction and validation as an
 * interactive login, with `prompt=none`, answered in a hidden frame at the silent redirect URI.
 * This is auth0.js's `checkSession`.
 *
 * @param silentRedirectUri A page of the app that reports its URL to the parent window.
 * @param runFrame Loads a URL in a hidden frame and resolves with the callback URL it reached.
 * @returns The completed login.
 * @throws {AuthError} `login_required`, `consent_required`, `interaction_required` (the provider
 *   needs the user), `timeout` (no answer: the provider refuses to be framed, or third-party
 *   cookies are blocked), and any code of a login.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest (prompt=none)
 */
export async function silentLogin(
  ctx: FlowContext,
  silentRedirectUri: string,
  options: LoginOptions,
  runFrame: (url: string, timeoutMs: number) => Promise<string>,
  timeoutMs = SILENT_TIMEOUT_MS,
): Promise<LoginResult> {
  const silentCtx: FlowContext = { ...ctx, config: { ...ctx.config, redirectUri: silentRedirectUri } };
  const { url, transaction } = await startLogin(silentCtx, { ...options, prompt: 'none' });
  let callbackUrl: string;
  try {
    callbackUrl = await runFrame(url, timeoutMs);
  } catch (err) {
    // No answer: the transaction will never be completed.
    safeRemove(ctx.transactions, TRANSACTION_PREFIX + transaction.state);
    if (err instanceof AuthError) throw err;
    throw new AuthError('timeout', `Silent authentication failed to load: ${String(err)}.`, { cause: err });
  }
  return completeLogin(silentCtx, callbackUrl);
}
