import { normalizeScope } from './config';
import type { TokenSet } from './types';

/** An access token for one API audience and scope, beside the login's own. */
export interface AccessTokenEntry {
  readonly accessToken: string;
  readonly tokenType: string;
  /** Epoch milliseconds, when the provider said. */
  readonly expiresAt?: number;
  /** Epoch milliseconds when it was received, to know its lifetime. */
  readonly obtainedAt: number;
  readonly audience?: string;
  /** The scope that was asked for: what later requests are matched against. */
  readonly requestedScope: string;
  /** The scope the provider granted (it may list only the API's scopes). */
  readonly scope: string;
}

/** What a caller asks an access token for. */
export interface TokenRequest {
  /** The API audience the token is for. Default: the login's. */
  readonly audience?: string;
  /** Space-separated scopes the token must carry. Default: the login's. */
  readonly scope?: string;
}

/**
 * Whether a token satisfies a request: same audience, and every requested scope among those
 * asked for or granted with it.
 */
export function satisfies(entry: Pick<AccessTokenEntry, 'audience' | 'requestedScope' | 'scope'>, request: TokenRequest): boolean {
  if ((entry.audience ?? undefined) !== (request.audience ?? undefined)) return false;
  if (!request.scope) return true;
  const held = new Set([...entry.requestedScope.split(' '), ...entry.scope.split(' ')]);
  return normalizeScope(request.scope)
    .split(' ')
    .every((scope) => held.has(scope));
}

/**
 * Whether a token is still usable `leadSeconds` from now. The lead shrinks to half the token's
 * lifetime, so a token that lives 10 s is not considered stale the moment it arrives.
 */
export function isFresh(entry: Pick<AccessTokenEntry, 'expiresAt' | 'obtainedAt'>, now: number, leadSeconds: number): boolean {
  if (entry.expiresAt === undefined) return true;
  return entry.expiresAt - renewLeadMs(entry, leadSeconds) > now;
}

/** When a token should be renewed, in epoch milliseconds (`undefined`: never expires). */
export function renewAt(entry: Pick<AccessTokenEntry, 'expiresAt' | 'obtainedAt'>, leadSeconds: number): number | undefined {
  return entry.expiresAt === undefined ? undefined : entry.expiresAt - renewLeadMs(entry, leadSeconds);
}

function renewLeadMs(entry: Pick<AccessTokenEntry, 'expiresAt' | 'obtainedAt'>, leadSeconds: number): number {
  const lifetime = Math.max(0, (entry.expiresAt ?? 0) - entry.obtainedAt);
  return Math.min(leadSeconds * 1000, lifetime / 2);
}

/** A stable key for single-flight renewals of one audience + scope. */
export function requestKey(request: TokenRequest): string {
  return `${request.audience ?? ''}|${request.scope ? normalizeScope(request.scope).split(' ').sort().join(' ') : ''}`;
}

/** Returns `entries` with `entry` replacing any for the same audience and requested scope. */
export function upsertEntry(entries: readonly AccessTokenEntry[], entry: AccessTokenEntry): AccessTokenEntry[] {
  const key = requestKey({ audience: entry.audience, scope: entry.requestedScope });
  return [...entries.filter((e) => requestKey({ audience: e.audience, scope: e.requestedScope }) !== key), entry];
}

/** The login's own access token as a cache entry. */
export function primaryEntry(tokens: TokenSet): AccessTokenEntry {
  return {
    accessToken: tokens.accessToken ?? '',
    tokenType: tokens.tokenType,
    expiresAt: tokens.expiresAt,
    obtainedAt: tokens.obtainedAt,
    audience: tokens.audience,
    requestedScope: tokens.requestedScope,
    scope: tokens.scope,
  };
}

/**
 * The access token a session holds for a request: the login's own, or one cached for another
 * audience or scope; fresh `leadSeconds` from now, or of any age when `leadSeconds` is
 * `undefined`. Allocates nothing: the interceptor asks on every request.
 */
export function findToken(
  session: { readonly tokens: TokenSet; readonly extra?: readonly AccessTokenEntry[] },
  request: TokenRequest,
  now: number,
  leadSeconds: number | undefined,
): string | undefined {
  const { tokens } = session;
  if (tokens.accessToken && satisfies(tokens, request) && (leadSeconds === undefined || isFresh(tokens, now, leadSeconds))) return tokens.accessToken;
  for (const entry of session.extra ?? []) {
    if (satisfies(entry, request) && (leadSeconds === undefined || isFresh(entry, now, leadSeconds))) return entry.accessToken;
  }
  return undefined;
}
