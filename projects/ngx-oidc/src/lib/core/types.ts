/**
 * OpenID Provider metadata as served at `/.well-known/openid-configuration`.
 * Wire names are kept as the spec spells them.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 */
export interface DiscoveryDocument {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint?: string;
  readonly jwks_uri: string;
  readonly userinfo_endpoint?: string;
  readonly end_session_endpoint?: string;
  readonly revocation_endpoint?: string;
  readonly response_types_supported?: readonly string[];
  readonly code_challenge_methods_supported?: readonly string[];
  readonly id_token_signing_alg_values_supported?: readonly string[];
  /** RFC 9207 §3: the provider sends `iss` in authorization responses. */
  readonly authorization_response_iss_parameter_supported?: boolean;
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
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly nonce?: string;
  readonly azp?: string;
  readonly auth_time?: number;
  readonly name?: string;
  readonly email?: string;
  readonly [claim: string]: unknown;
}

/** The tokens of an authenticated session, as the library keeps them. */
export interface TokenSet {
  readonly idToken: string;
  /** Absent only for `response_type=id_token`, which returns no access token. */
  readonly accessToken?: string;
  readonly tokenType: string;
  /** Epoch milliseconds when the access token expires, if the provider said. */
  readonly expiresAt?: number;
  /** Epoch milliseconds when the tokens were received. */
  readonly obtainedAt: number;
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
