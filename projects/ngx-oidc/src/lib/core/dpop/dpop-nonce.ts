/** What a response's headers offer: fetch's `Headers` and Angular's `HttpHeaders` both fit. */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * The latest `DPoP-Nonce` of each server (RFC 9449 §8: the authorization server, §9: resource
 * servers), by origin: see {@link createDpopNonces}.
 */
export interface DpopNonces {
  /** The nonce to put in a proof for `url`, if its origin sent one. */
  get(url: string): string | undefined;
  /**
   * Keeps the `DPoP-Nonce` a response from `url` carries (any response, not only a challenge:
   * §8.2 lets a server hand out the next nonce with any answer).
   * @returns The new nonce, or `undefined` when the response carries none (or a malformed one).
   */
  note(url: string, headers: HeaderReader): string | undefined;
}

/**
 * A nonce cache per origin, in memory: a nonce is short-lived and a server sends a new one
 * whenever it wants another (then the request is retried once, see dpop.ts).
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
 */
export function createDpopNonces(): DpopNonces {
  const nonces = new Map<string, string>();
  return {
    get: (url) => nonces.get(new URL(url).origin),
    note(url, headers) {
      const nonce = headers.get('DPoP-Nonce');
      // RFC 9449 §8.1: nonce = 1*NQCHAR (%x21 / %x23-5B / %x5D-7E).
      if (nonce === null || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(nonce)) return undefined;
      nonces.set(new URL(url).origin, nonce);
      return nonce;
    },
  };
}
