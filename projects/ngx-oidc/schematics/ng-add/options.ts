/** Validation of the `ng add` options, and the configuration code they produce. */
import { SchematicsException } from '@angular-devkit/schematics';
import type { NgAddOptions, Renewal } from './schema';

/** The validated options. */
export interface ClientSettings {
  authority: string;
  clientId: string;
  flow: 'code' | 'implicit';
  apiUrl?: string;
  audience?: string;
  /** The scope to configure, or undefined for the library's default (`openid profile email`). */
  scope?: string;
  renewal: Renewal;
}

/** The library's default scope (`AuthConfig.scope`). */
export const DEFAULT_SCOPE = 'openid profile email';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const RENEWALS: readonly Renewal[] = ['refresh-token', 'silent', 'none'];
// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function fail(message: string): never {
  throw new SchematicsException(`ngx-oidc: ${message}`);
}

function checkAuthority(value: string | undefined): string {
  const authority = (value ?? '').trim();
  if (!authority) {
    fail(
      'the authority is required: pass the issuer URL of your OpenID Provider, ' +
        'e.g. --authority=https://your-tenant.example.com/',
    );
  }
  let url: URL;
  try {
    url = new URL(authority);
  } catch {
    fail(`invalid authority "${authority}": expected an absolute URL such as https://idp.example.com/`);
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    fail(
      `invalid authority "${authority}": it must use https (http is only accepted for localhost and 127.0.0.1)`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(`invalid authority "${authority}": it must be an https URL`);
  }
  if (url.username || url.password || url.search || url.hash) {
    fail(`invalid authority "${authority}": an issuer URL has no credentials, query or fragment`);
  }
  return authority;
}

function checkApiUrl(value: string | undefined): string | undefined {
  const apiUrl = value?.trim() || undefined;
  if (!apiUrl) return undefined;
  if (apiUrl.includes('*')) {
    fail(`invalid API URL "${apiUrl}": wildcards are not supported, give the URL prefix of your API`);
  }
  if (apiUrl.startsWith('/') && !apiUrl.startsWith('//')) return apiUrl;
  let api: URL | undefined;
  try {
    api = new URL(apiUrl);
  } catch {
    /* below */
  }
  if (!api || (api.protocol !== 'https:' && api.protocol !== 'http:')) {
    fail(
      `invalid API URL "${apiUrl}": expected an absolute http(s) URL such as https://api.example.com/v1, or a path such as /api`,
    );
  }
  return apiUrl;
}

/** The scope to request: the default, `offline_access` for refresh tokens, the API's scopes. */
function scopeFor(scopes: string | undefined, renewal: Renewal): string | undefined {
  const api = (scopes ?? '').split(/[\s,]+/).filter(Boolean);
  for (const token of api) {
    if (!SCOPE_TOKEN.test(token)) {
      fail(
        `invalid scope "${token}": a scope is printable ASCII without spaces, quotes or backslashes ` +
          `(RFC 6749 §3.3); separate scopes with spaces, e.g. --scopes="read:messages write:messages"`,
      );
    }
  }
  const tokens = [...DEFAULT_SCOPE.split(' '), ...(renewal === 'refresh-token' ? ['offline_access'] : []), ...api];
  const scope = [...new Set(tokens)].join(' ');
  return scope === DEFAULT_SCOPE ? undefined : scope;
}

/** Checks the options; throws a `SchematicsException` naming the option and the fix. */
export function validateOptions(options: NgAddOptions): ClientSettings {
  const authority = checkAuthority(options.authority);
  const clientId = (options.clientId ?? '').trim();
  if (!clientId) {
    fail('the client id must not be empty: pass the id registered at your provider, e.g. --client-id=my-spa');
  }
  const flow = options.flow ?? 'code';
  if (flow !== 'code' && flow !== 'implicit') {
    fail(`invalid flow "${String(flow)}": expected "code" or "implicit"`);
  }
  const renewal = options.renewal ?? (flow === 'implicit' ? 'silent' : 'refresh-token');
  if (!RENEWALS.includes(renewal)) {
    fail(`invalid renewal "${String(renewal)}": expected "refresh-token", "silent" or "none"`);
  }
  // RFC 6749 §4.2.2: the authorization server MUST NOT issue a refresh token in the implicit grant.
  if (flow === 'implicit' && renewal === 'refresh-token') {
    fail('the implicit flow gets no refresh token: choose --renewal=silent or --renewal=none, or --flow=code');
  }
  return {
    authority,
    clientId,
    flow,
    apiUrl: checkApiUrl(options.apiUrl),
    audience: options.audience?.trim() || undefined,
    scope: scopeFor(options.scopes, renewal),
    renewal,
  };
}

/** A single-quoted TypeScript string literal. */
export function quote(value: string): string {
  return `'${JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/**
 * `silentRedirectUri`: the `silent-callback.html` that `ng add` puts next to the app. In a
 * server-rendered app the configuration is also read on the server, which has no `location`.
 */
function silentRedirectUri(serverRendered: boolean): string {
  return serverRendered
    ? `new URL('silent-callback.html', globalThis.document?.baseURI ?? 'http://localhost/').href`
    : "new URL('silent-callback.html', document.baseURI).href";
}

/** The configuration object literal, indented by two spaces per level. */
export function configLiteral(settings: ClientSettings, serverRendered: boolean): string {
  const lines = [`authority: ${quote(settings.authority)},`, `clientId: ${quote(settings.clientId)},`];
  if (settings.scope) lines.push(`scope: ${quote(settings.scope)},`);
  if (settings.audience) lines.push(`audience: ${quote(settings.audience)},`);
  if (settings.flow === 'implicit') lines.push(`responseType: 'id_token token',`);
  lines.push(`allowedUrls: [${settings.apiUrl ? quote(settings.apiUrl) : ''}],`);
  if (settings.renewal === 'silent') lines.push(`silentRedirectUri: ${silentRedirectUri(serverRendered)},`);
  return `{\n${lines.map((l) => `  ${l}`).join('\n')}\n}`;
}

/**
 * The feature functions the settings need after the configuration (`withImplicitFlow()`,
 * `withSilentAuthentication()`), as `[argument text, names to import]`.
 */
export function featureArgs(settings: ClientSettings): [string, string[]] {
  const names = [
    ...(settings.flow === 'implicit' ? ['withImplicitFlow'] : []),
    ...(settings.renewal === 'silent' ? ['withSilentAuthentication'] : []),
  ];
  return [names.map((n) => `, ${n}()`).join(''), names];
}
