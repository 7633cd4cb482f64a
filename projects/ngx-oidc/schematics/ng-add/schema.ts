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
}
