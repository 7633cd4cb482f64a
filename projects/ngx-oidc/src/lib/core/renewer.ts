import type { ClientListener } from './client';
import { AuthError, INTERACTION_ERRORS } from './errors';
import type { FlowContext } from './login-flow';
import type { ProviderMetadata } from './metadata-cache';
import type { AuthPlatform } from './platform';
import { loadProtocol } from './protocol-loader';
import type { Renewal } from './renewal';
import type { RenewalTimer } from './renewal-timer';
import type { SessionHolder } from './session-holder';
import type { StoredSession } from './session-store';
import type { AuthStorage } from './storage';
import type { RenewalMarks, TabSync } from './tab-sync';
import { requestKey, satisfies, type TokenRequest } from './token-cache';

/** What the renewer needs from the client. */
export interface RenewerHost {
  readonly ctx: FlowContext;
  readonly platform: AuthPlatform;
  readonly listener: ClientListener;
  readonly holder: SessionHolder;
  readonly tabs: TabSync;
  readonly marks: RenewalMarks;
  /** Where the session is persisted (re-read under the lock: another tab may have renewed). */
  readonly storage: AuthStorage;
  /** The issuer and client id naming the renewal lock (see `scopeName`). */
  readonly scope: string;
  timer(): RenewalTimer;
  metadata(): Promise<ProviderMetadata>;
  /** The cached access token for a request: fresh only, unless `any`. */
  cached(request: TokenRequest, any?: boolean): string | undefined;
  /** Reports an unexpected failure on the listener's `error`, as an `AuthError`. */
  fail(err: unknown): AuthError;
}

/** Renews access tokens: single-flight per audience and scope, across tabs, with the failure policy. */
export interface Renewer {
  /**
   * Renews the token for `request` (already normalised), or returns one another request or tab
   * renewed meanwhile; `rejectedToken` must not come back (forced, or refused by an API).
   */
  renew(request: TokenRequest, rejectedToken: string | undefined): Promise<string>;
  /** Whether anything can renew the session's token: a refresh token, the tab holding it, silent authentication. */
  renewable(session: StoredSession): boolean;
  canRenewSilently(): boolean;
  /**
   * Ends a session whose token nothing renewed: `session_expired` on `error`, then on events.
   * @param cause The renewal that failed; absent when nothing can renew.
   */
  expire(cause?: AuthError): AuthError;
}

/** What the on-demand part of a renewal (renewal.ts) uses of the renewer. */
export interface RenewerParts extends Omit<Renewer, 'renew'> {
  /** Reports a failed renewal; the login's own token failing for good ends the session. */
  failed(err: unknown, request: TokenRequest, primary: boolean): AuthError;
  /** Marks a failure that ends the session whatever token was renewed: the refresh answer was forged. */
  distrust(error: AuthError): void;
}

/**
 * Creates the renewer of one client. A renewal, top to bottom: {@link Renewer.renew} joins a
 * renewal in flight for the same audience and scope, else asks the tab holding the refresh token
 * (`askHolder`), else hands over to the on-demand part (renewal.ts: the tabs' renewal lock, the
 * refresh token or silent authentication); a failure for good of the login's own token ends the
 * session (`failed`). What must answer at once (whether a session can be renewed, its end when
 * it cannot) stays here, in the first load.
 */
export function createRenewer(host: RenewerHost): Renewer {
  const { ctx, platform, listener, holder } = host;
  const { config } = ctx;
  const inflight = new Map<string, Promise<string>>();
  /** Failures that end the session whatever token was renewed: the refresh answer was forged. */
  const untrusted = new WeakSet<AuthError>();
  /** The on-demand part, made once its code has loaded (it keeps this tab's renewal queue). */
  let renewal: Renewal | undefined;
  const parts: RenewerParts = { renewable, canRenewSilently, expire, failed, distrust: (error) => untrusted.add(error) };

  function renew(request: TokenRequest, rejectedToken: string | undefined): Promise<string> {
    const key = requestKey(request);
    let flight = inflight.get(key);
    if (!flight) {
      flight = renewAnywhere(request, rejectedToken).finally(() => inflight.delete(key));
      inflight.set(key, flight);
    }
    return flight;
  }

  // A refresh token never crosses the tab channel: a tab that adopted its session from another
  // tab has none, and asks that tab first. Only a renewal of this tab's own loads its code.
  async function renewAnywhere(request: TokenRequest, rejectedToken: string | undefined): Promise<string> {
    const session = holder.current();
    try {
      const token = await host.tabs.askHolder(request, rejectedToken);
      if (token) return token;
      const { createRenewal } = await loadProtocol();
      // One for the tab (after the load: two renewals may be waiting for it).
      renewal ??= createRenewal(host, parts);
    } catch (err) {
      throw failed(err, request, session !== null && satisfies(session.tokens, request));
    }
    return renewal(request, rejectedToken);
  }

  /** Reports a failed renewal; the login's own token failing for good ends the session. */
  function failed(err: unknown, request: TokenRequest, primary: boolean): AuthError {
    const error = err instanceof AuthError ? err : host.fail(err);
    listener.event({ type: 'renew_failed', error, audience: request.audience, scope: request.scope });
    // The login's own token cannot be renewed without the user, or the provider's answer could
    // not be trusted (`untrusted`, any token): the session is over.
    if (holder.current() && ((primary && [...INTERACTION_ERRORS, 'user_changed', 'renewal_unavailable'].includes(error.code)) || untrusted.has(error))) {
      holder.end('session_expired', error);
    }
    return error;
  }

  function renewable(session: StoredSession): boolean {
    return session.tokens.refreshToken !== undefined || holder.delegated || canRenewSilently();
  }

  function canRenewSilently(): boolean {
    return config.silentRedirectUri !== undefined && platform.runFrame !== undefined && ctx.features?.silent !== undefined;
  }

  function expire(cause?: AuthError): AuthError {
    const tokens = holder.current()?.tokens;
    const error = new AuthError(
      'session_expired',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? (tokens && ctx.now() < (tokens.expiresAt ?? tokens.claims.exp * 1000)
            ? 'The access token had to be renewed (forceRefresh, or an API refused it) and '
            : 'The access token expired and ') +
          (cause
            ? `its renewal failed (${cause.code}: ${cause.message})`
            : 'nothing can renew it: there is no refresh token (' +
              (config.storage === 'local' && !config.refreshTokenInLocalStorage
                ? 'storage "local" keeps refresh tokens out of localStorage without refreshTokenInLocalStorage, or the login got none'
                : ` ${tokens?.requestedScope} `.includes(' offline_access ')
                  ? 'the provider issued none for offline_access'
                  : 'the scope has no offline_access') +
              ') and ' +
              (config.silentRedirectUri === undefined
                ? 'silent authentication is not configured (silentRedirectUri with withSilentAuthentication())'
                : 'this browser cannot run silent authentication (no frames)')) +
          '. The session is over: log in again.'
        : '',
      { cause },
    );
    holder.end('session_expired', error);
    return error;
  }

  return { renew, renewable, canRenewSilently, expire };
}
