import { AuthError } from './errors';
import type { FlowContext, LoginOptions, LoginResult } from './login-flow';
import { TRANSACTION_PREFIX } from './pending-logins';
import { loadProtocol } from './protocol-loader';
import type { RenewedSession } from './renewed-session';
import type { StoredSession } from './session-store';
import { safeRemove } from './storage';
import { primaryEntry, upsertEntry, type AccessTokenEntry, type TokenRequest } from './token-cache';

/** What `withSilentAuthentication()` gives the client. */
export interface SilentRenewal {
  readonly login: typeof silentLogin;
  readonly apply: typeof applySilentResult;
}

/** The silent authentication feature's core: renewal without a refresh token. */
export const SILENT_RENEWAL: SilentRenewal = { login: silentLogin, apply: applySilentResult };

/** Default time a silent authentication may take. */
export const SILENT_TIMEOUT_MS = 10_000;

/**
 * Authenticates without user interaction: the same transaction and validation as an
 * interactive login, with `prompt=none`, answered in a hidden frame at the silent redirect URI.
 * This is auth0.js's `checkSession`.
 *
 * @param silentRedirectUri A page of the app that reports its URL to the parent window.
 * @param options The login's options; `idTokenHint` is the session's ID token (OIDC Core 1.0
 *   §3.1.2.1: it SHOULD be sent with `prompt=none`, and a strict provider refuses the request
 *   without it).
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
  const { startLogin, completeLogin } = await loadProtocol();
  const { url, transaction } = await startLogin(silentCtx, { ...options, prompt: 'none' });
  let callbackUrl: string;
  try {
    callbackUrl = await runFrame(url, timeoutMs);
  } catch (err) {
    // No answer: the transaction will never be completed.
    safeRemove(ctx.transactions, TRANSACTION_PREFIX + transaction.state);
    if (err instanceof AuthError) throw err;
    throw new AuthError('timeout', (typeof ngDevMode === 'undefined' || ngDevMode) ? `Silent authentication failed to load: ${String(err)}.` : '', { cause: err });
  }
  return completeLogin(silentCtx, callbackUrl);
}

/**
 * The session after a silent authentication: for the login's token the whole login result
 * replaces the session (keeping a refresh token it had); for another audience only its access
 * token is cached.
 *
 * @throws {AuthError} `user_changed` when the provider's session is another user's;
 *   `invalid_response` when no access token came back.
 */
export function applySilentResult(session: StoredSession, result: LoginResult, request: TokenRequest, primary: boolean): RenewedSession {
  if (result.tokens.claims.sub !== session.tokens.claims.sub) {
    // Another user logged in at the provider meanwhile: this session is not theirs.
    throw new AuthError('user_changed', (typeof ngDevMode === 'undefined' || ngDevMode) ? `Silent authentication returned another user ("${result.tokens.claims.sub}").` : '', {
      claim: 'sub',
      expected: session.tokens.claims.sub,
      actual: result.tokens.claims.sub,
    });
  }
  const accessToken = result.tokens.accessToken;
  if (!accessToken) throw new AuthError('invalid_response', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'Silent authentication returned no access token.' : '');
  if (primary) {
    return { session: { ...session, tokens: { ...result.tokens, refreshToken: session.tokens.refreshToken }, user: result.user }, accessToken };
  }
  const entry: AccessTokenEntry = { ...primaryEntry(result.tokens), requestedScope: request.scope ?? result.tokens.requestedScope };
  return { session: { ...session, extra: upsertEntry(session.extra ?? [], entry) }, accessToken };
}
