import { HttpErrorResponse, type HttpResponse } from '@angular/common/http';
import { isAuthError } from 'ngx-oidc';

/** `<status> <body JSON>` of a successful response. */
export function describeResponse(response: HttpResponse<unknown>): string {
  return `${response.status} ${JSON.stringify(response.body)}`;
}

/**
 * One line for a failed call: `error <code>` when the interceptor refused to send it (an
 * `AuthError`, e.g. `not_authenticated`), else `<status> <reason>`, the reason taken from the
 * `WWW-Authenticate` header's `error_description` (RFC 6750 §3), then from the JSON body.
 */
export function describeError(err: unknown): string {
  if (isAuthError(err)) return `error ${err.code}`;
  if (err instanceof HttpErrorResponse) return `${err.status} ${httpErrorReason(err)}`;
  return `error ${err instanceof Error ? err.message : String(err)}`;
}

function httpErrorReason(err: HttpErrorResponse): string {
  const challenge = err.headers.get('WWW-Authenticate');
  const fromHeader = challenge
    ? (authParam(challenge, 'error_description') ?? authParam(challenge, 'error'))
    : undefined;
  if (fromHeader) return fromHeader;
  const body: unknown = err.error;
  if (body !== null && typeof body === 'object') {
    const { error_description: description, error } = body as Record<string, unknown>;
    if (typeof description === 'string' && description) return description;
    if (typeof error === 'string' && error) return error;
  }
  if (typeof body === 'string' && body.trim()) return body.trim();
  return err.statusText && err.statusText !== 'Unknown Error' ? err.statusText : err.message;
}

/** Reads `name="value"` (or a bare token) from a `WWW-Authenticate` challenge. */
function authParam(challenge: string, name: string): string | undefined {
  const match = new RegExp(
    `(?:^|[\\s,])${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^\\s,]+))`,
    'i',
  ).exec(challenge);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2];
}
