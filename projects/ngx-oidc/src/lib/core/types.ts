/**
 * OpenID Provider metadata as served at `/.well-known/openid-configuration`.
 * Wire names are kept as the spec spells them.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 */
export interface DiscoveryDocument {
  /**
   * The provider's issuer identifier (RFC 8414 §2, OIDC Discovery 1.0 §3). It must equal the
   * configured `authority` (a trailing slash apart), and ID tokens' `iss` must equal it exactly.
   */
  readonly issuer: string;
  /** Where `login()` sends the browser (RFC 8414 §2, OIDC Discovery 1.0 §3). */
  readonly authorization_endpoint: string;
  /** Where codes and refresh tokens are exchanged for tokens (RFC 8414 §2, OIDC Discovery 1.0 §3). ngx-oidc requires it. */
  readonly token_endpoint?: string;
  /** The provider's JSON Web Key Set, with the keys ID token signatures are verified with (RFC 8414 §2, OIDC Discovery 1.0 §3). */
  readonly jwks_uri: string;
  /** Where `loadUserInfo` fetches the user's claims (OIDC Discovery 1.0 §3, OIDC Core 1.0 §5.3). */
  readonly userinfo_endpoint?: string;
  /** Where `logout()` sends the browser to end the provider's session (OpenID Connect RP-Initiated Logout 1.0 §2.1). Without it, logout is local only. */
  readonly end_session_endpoint?: string;
  /** The token revocation endpoint (RFC 8414 §2, RFC 7009): `logout()` revokes the refresh token there. */
  readonly revocation_endpoint?: string;
  /** The `response_type` values the provider supports (RFC 8414 §2, OIDC Discovery 1.0 §3). When listed, `login()` refuses a `responseType` that is not. */
  readonly response_types_supported?: readonly string[];
  /** The PKCE code challenge methods the provider supports (RFC 8414 §2, RFC 7636). ngx-oidc always uses `S256`. */
  readonly code_challenge_methods_supported?: readonly string[];
  /** The algorithms the provider signs ID tokens with (OIDC Discovery 1.0 §3). ID tokens are accepted with the asymmetric ones listed here, or `RS256` when none is. */
  readonly id_token_signing_alg_values_supported?: readonly string[];
  /** RFC 9207 §3: the provider sends `iss` in authorization responses. */
  readonly authorization_response_iss_parameter_supported?: boolean;
  /** RFC 9126 §5: where `withPushedAuthorizationRequests()` pushes the authorization request. */
  readonly pushed_authorization_request_endpoint?: string;
  /** RFC 9126 §5: the provider accepts only pushed authorization requests. `login()` then needs `withPushedAuthorizationRequests()`. */
  readonly require_pushed_authorization_requests?: boolean;
  readonly [key: string]: unknown;
}

/**
 * A successful token endpoint response.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse
 */
export interface TokenEndpointResponse {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in?: number;
  readonly refresh_token?: string;
  readonly id_token?: string;
  readonly scope?: string;
}

/**
 * Claims of a validated ID token.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
export interface IdTokenClaims {
  /** Issuer: the provider's `issuer`, exactly (OIDC Core 1.0 §2). */
  readonly iss: string;
  /** Subject: the user's identifier at this provider, unique and never reassigned (OIDC Core 1.0 §2). */
  readonly sub: string;
  /** Audience: one value or several, containing the client id (OIDC Core 1.0 §2). */
  readonly aud: string | readonly string[];
  /** When the ID token expires, in seconds since the epoch (OIDC Core 1.0 §2). */
  readonly exp: number;
  /** When the ID token was issued, in seconds since the epoch (OIDC Core 1.0 §2). */
  readonly iat: number;
  /** The login's nonce, echoed by the provider (OIDC Core 1.0 §2). */
  readonly nonce?: string;
  /** Authorized party: the client id; required when `aud` has several values (OIDC Core 1.0 §2). */
  readonly azp?: string;
  /** When the user authenticated, in seconds since the epoch; required when the login asked for `maxAge` (OIDC Core 1.0 §2). */
  readonly auth_time?: number;
  /** Authentication context class reference: how the user authenticated (OIDC Core 1.0 §2); checked with `login({ acrValues, acrRequired: true })`. */
  readonly acr?: string;
  /** The user's full name, if the provider includes it (scope `profile`; OIDC Core 1.0 §5.1). */
  readonly name?: string;
  /** The user's e-mail address, if the provider includes it (scope `email`; OIDC Core 1.0 §5.1). */
  readonly email?: string;
  readonly [claim: string]: unknown;
}

/** The tokens of an authenticated session, as the library keeps them. */
export interface TokenSet {
  /** The raw ID token (OIDC Core 1.0 §2); a renewal that returns a new one replaces it. */
  readonly idToken: string;
  /** Absent only for `response_type=id_token`, which returns no access token. */
  readonly accessToken?: string;
  /** The access token's `token_type` (RFC 6749 §5.1): `Bearer`, the only type ngx-oidc accepts, as the provider spelled it. */
  readonly tokenType: string;
  /** Epoch milliseconds when the access token expires, if the provider said. */
  readonly expiresAt?: number;
  /** Epoch milliseconds when the tokens were received. */
  readonly obtainedAt: number;
  /**
   * The refresh token (RFC 6749 §5.1), when the provider issued one (usually for the
   * `offline_access` scope). A rotated one replaces it at once. Not written to `localStorage`
   * without {@link ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE}.
   */
  readonly refreshToken?: string;
  /** Granted scope (the provider's `scope`, or the requested one when it omits it). */
  readonly scope: string;
  /** The scope the login asked for. */
  readonly requestedScope: string;
  /** The audience requested for the access token, if any. */
  readonly audience?: string;
  /** Validated claims of the ID token. */
  readonly claims: IdTokenClaims;
}

/** The `fetch` signature the core uses, so tests and servers can supply their own. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;
