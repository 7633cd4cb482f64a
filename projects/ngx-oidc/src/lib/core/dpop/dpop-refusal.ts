import { challengeSchemes, parseBearerChallenge } from '../bearer-challenge';
import type { HeaderReader } from './dpop-nonce';

/**
 * Development mode: what an API's refusal (401/403) says about DPoP that the token itself
 * cannot, in words for the console; `undefined` when it says nothing of DPoP. The interceptor
 * logs it with the token's diagnosis.
 *
 * @param status The answer's HTTP status.
 * @param headers The answer's headers (`WWW-Authenticate`, `DPoP-Nonce`).
 * @param sentWithDpop Whether the request went with `Authorization: DPoP` and a proof.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export function explainDpopRefusal(status: number, headers: HeaderReader, sentWithDpop: boolean): string | undefined {
  const header = headers.get('WWW-Authenticate');
  const schemes = challengeSchemes(header);
  if (status !== 401) return undefined;
  if (!sentWithDpop) {
    // RFC 9449 §7.1: an API that takes only DPoP-bound tokens challenges with the DPoP scheme.
    return schemes.includes('dpop') && !schemes.includes('bearer')
      ? 'The API takes only DPoP-bound tokens (its challenge is "DPoP", not "Bearer"): add withDpop() to provideAuth(), with DPoP enabled for the client at the provider.'
      : undefined;
  }
  if (schemes.includes('bearer') && !schemes.includes('dpop')) {
    return 'The API answered with a "Bearer" challenge only: it does not take DPoP-bound tokens ("Authorization: DPoP <token>" and a proof, RFC 9449 §7). Enable DPoP at the API, or leave withDpop() out for this provider.';
  }
  const { error } = parseBearerChallenge(header, 'DPoP');
  if (error === 'invalid_dpop_proof') {
    return (
      'The API refused the DPoP proof (RFC 9449 §4.3). It must compare "htu" with the URL as the browser sends it, without query ' +
      '(an API behind a proxy that changes the scheme, host, port or path must use the public URL), accept "iat" within its window ' +
      "of this browser's clock, and allow the DPoP request header in CORS (Access-Control-Allow-Headers)."
    );
  }
  if (error === 'use_dpop_nonce') {
    // The interceptor retries once with the nonce it can read (§9): here it could not, or the retry was challenged again.
    return headers.get('DPoP-Nonce') === null
      ? 'The API asks for a DPoP nonce, but its DPoP-Nonce header cannot be read here: the API must list DPoP-Nonce (and WWW-Authenticate) in Access-Control-Expose-Headers.'
      : 'The API asked for a DPoP nonce again after the retry that carried the nonce it gave: does it keep its nonces long enough, and share them between its servers?';
  }
  return undefined;
}
