import { CompactSign } from 'jose/jws/compact/sign';
import { encodeBase64Url, generateRandom } from '../random';
import type { DpopKey } from './dpop-key';

/** The request a DPoP proof is for. */
export interface DpopProofRequest {
  /** The HTTP method, as sent (`POST`, `GET`). */
  readonly method: string;
  /** The absolute URL of the request; query and fragment are left out of the proof. */
  readonly url: string;
  /** The server's latest `DPoP-Nonce` for the URL's origin (RFC 9449 §8, §9). */
  readonly nonce?: string;
  /** The access token sent with the request (to a resource server): the proof then carries `ath`. */
  readonly accessToken?: string;
}

/**
 * Creates a DPoP proof (RFC 9449 §4.2): a JWT signed with the DPoP key, whose header carries
 * `typ: "dpop+jwt"`, `alg: "ES256"` and the public `jwk`, and whose claims bind it to one
 * request: a fresh `jti`, `htm`, `htu`, `iat`, the server's `nonce` when there is one, and
 * `ath` when an access token goes with it.
 *
 * @param now Current time in epoch milliseconds.
 * @returns The value of the `DPoP` header.
 * @throws {TypeError} for a relative `url`.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2
 */
export async function createDpopProof(key: DpopKey, request: DpopProofRequest, now: number): Promise<string> {
  const claims: { jti: string; htm: string; htu: string; iat: number; nonce?: string; ath?: string } = {
    // RFC 9449 §4.2, §11.1: a unique jti per proof, so a server can refuse a replayed one.
    jti: generateRandom(),
    // RFC 9449 §4.2: htm is the request's method, htu its URI without query and fragment.
    htm: request.method,
    htu: htuOf(request.url),
    iat: Math.floor(now / 1000),
  };
  // RFC 9449 §4.2: nonce, when the server provided one (§8 authorization server, §9 resource server).
  if (request.nonce) claims.nonce = request.nonce;
  // RFC 9449 §4.2: ath, when the request carries an access token, binds the proof to it.
  if (request.accessToken !== undefined) claims.ath = await calculateAth(request.accessToken);
  // jose's JWS signer, not its JWT builder: the builder shares its claim checks with jwtVerify,
  // and withDpop() is on the first load, so they would move there from the on-demand chunk
  // (measured: about 1 kB minified).
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk })
    .sign(key.privateKey);
}

/**
 * The `htu` of a request: its URL without query and fragment (RFC 9449 §4.2, §4.3 step 9).
 * @throws {TypeError} for a relative URL.
 */
export function htuOf(url: string): string {
  const target = new URL(url);
  target.search = '';
  target.hash = '';
  return target.href;
}

/**
 * The `ath` of an access token: BASE64URL(SHA-256(ASCII(access_token))) (RFC 9449 §4.2).
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2
 */
export async function calculateAth(accessToken: string): Promise<string> {
  return encodeBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))));
}
