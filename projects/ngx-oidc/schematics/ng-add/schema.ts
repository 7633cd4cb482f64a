/** How the access token is renewed before it expires. */
export type Renewal = 'refresh-token' | 'silent' | 'none';

/** Options of `ng add ngx-oidc` (see schema.json). */
export interface NgAddOptions {
  /** The application to modify. Default: the default project, else the first application. */
  project?: string;
  /** The provider's issuer URL: https, or http for localhost / 127.0.0.1 / [::1]. */
  authority?: string;
  /** The client id registered at the provider. */
  clientId?: string;
  /** `code` (authorization code + PKCE) or `implicit` (responseType `id_token token`). */
  flow?: 'code' | 'implicit';
  /** Optional URL prefix of the API that receives the access token. */
  apiUrl?: string;
  /** Optional API identifier. */
  audience?: string;
  /** Optional scopes of the API, space- or comma-separated, requested with `openid profile email`. */
  scopes?: string;
  /**
   * `refresh-token` (requests `offline_access`; default for the code flow), `silent`
   * (`withSilentAuthentication()` and a `silent-callback.html` page; default for the implicit
   * flow) or `none`.
   */
  renewal?: Renewal;
}
