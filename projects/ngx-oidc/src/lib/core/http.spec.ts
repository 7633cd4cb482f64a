import { rejectionOf } from '../../test-support/fake-provider';
import { fetchJson, REQUEST_TIMEOUT_MS } from './http';
import type { FetchLike } from './types';

const URL_ = 'https://idp.example.com/resource';

function answering(body: string, status = 200): jasmine.Spy<FetchLike> {
  return jasmine.createSpy<FetchLike>('fetch').and.callFake(async () => new Response(body, { status }));
}

describe('fetchJson', () => {
  it('returns the status and the parsed JSON object', async () => {
    const fetchFn = answering('{"a":1}', 201);

    const result = await fetchJson(fetchFn, URL_, { method: 'POST', body: 'x=1' }, 'discovery_failed', 'thing');

    expect(result).toEqual({ status: 201, body: { a: 1 } });
    expect(fetchFn).toHaveBeenCalledTimes(1);
    const [url, init] = fetchFn.calls.mostRecent().args;
    expect(url).toBe(URL_);
    expect(init?.method).toBe('POST');
    expect(init?.body).toBe('x=1');
    expect(init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('returns error statuses with their JSON body for the caller to judge', async () => {
    const result = await fetchJson(answering('{"error":"invalid_grant"}', 400), URL_, {}, 'token_request_failed', 'token endpoint');

    expect(result).toEqual({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('turns a failed request into network_error naming the URL', async () => {
    const fetchFn: FetchLike = () => Promise.reject(new TypeError('Failed to fetch'));

    const err = await rejectionOf(fetchJson(fetchFn, URL_, {}, 'discovery_failed', 'discovery document'));

    expect(err.code).toBe('network_error');
    expect(err.message).toContain(URL_);
    expect(err.message).toContain('Failed to fetch');
  });

  it('turns a body that is not JSON into the given code, keeping the status', async () => {
    const err = await rejectionOf(fetchJson(answering('<html>oops</html>', 502), URL_, {}, 'jwks_failed', 'JWKS'));

    expect(err.code).toBe('jwks_failed');
    expect(err.details.status).toBe(502);
    expect(err.message).toContain('502');
  });

  it('refuses JSON that is not an object', async () => {
    for (const body of ['[1,2]', 'null', '"text"', '42']) {
      const err = await rejectionOf(fetchJson(answering(body), URL_, {}, 'discovery_failed', 'thing'));
      expect(err.code).withContext(body).toBe('discovery_failed');
      expect(err.details.status).withContext(body).toBe(200);
    }
  });

  describe('retries', () => {
    it('retries a GET once after a network failure', async () => {
      let calls = 0;
      const fetchFn: FetchLike = async () => (++calls === 1 ? Promise.reject(new TypeError('Failed to fetch')) : new Response('{"ok":true}'));

      const result = await fetchJson(fetchFn, URL_, {}, 'discovery_failed', 'thing');

      expect(result.body).toEqual({ ok: true });
      expect(calls).toBe(2);
    });

    it('retries a GET once after a 5xx, then reports the second answer', async () => {
      const fetchFn = answering('<html>down</html>', 503);

      const err = await rejectionOf(fetchJson(fetchFn, URL_, {}, 'jwks_failed', 'JWKS'));

      expect(fetchFn).toHaveBeenCalledTimes(2);
      expect(err.code).toBe('jwks_failed');
    });

    it('does not retry a GET that answered 4xx', async () => {
      const fetchFn = answering('{"error":"nope"}', 404);

      await fetchJson(fetchFn, URL_, {}, 'discovery_failed', 'thing');

      expect(fetchFn).toHaveBeenCalledTimes(1);
    });

    it('never retries a POST (a code or refresh token is single-use)', async () => {
      const failing = jasmine.createSpy<FetchLike>('fetch').and.callFake(() => Promise.reject(new TypeError('Failed to fetch')));
      const err = await rejectionOf(fetchJson(failing, URL_, { method: 'POST' }, 'token_request_failed', 'token endpoint'));
      expect(err.code).toBe('network_error');
      expect(failing).toHaveBeenCalledTimes(1);

      const erroring = answering('<html>oops</html>', 500);
      await rejectionOf(fetchJson(erroring, URL_, { method: 'POST' }, 'token_request_failed', 'token endpoint'));
      expect(erroring).toHaveBeenCalledTimes(1);
    });
  });

  describe('timeout', () => {
    beforeEach(() => jasmine.clock().install());
    afterEach(() => jasmine.clock().uninstall());

    /** A fetch that never answers, but rejects like browsers do when its signal aborts. */
    function hanging(): { fetchFn: FetchLike; signal: () => AbortSignal | undefined } {
      let seen: AbortSignal | undefined;
      const fetchFn: FetchLike = (_url, init) =>
        new Promise((_resolve, reject) => {
          seen = init?.signal ?? undefined;
          seen?.addEventListener('abort', () => reject(new DOMException('The operation was aborted.', 'AbortError')));
        });
      return { fetchFn, signal: () => seen };
    }

    it('aborts a request that takes longer than REQUEST_TIMEOUT_MS with network_error', async () => {
      const { fetchFn, signal } = hanging();
      const pending = rejectionOf(fetchJson(fetchFn, URL_, {}, 'discovery_failed', 'discovery document'));

      jasmine.clock().tick(REQUEST_TIMEOUT_MS - 1);
      expect(signal()?.aborted).toBeFalse();
      jasmine.clock().tick(1);
      const err = await pending;

      expect(signal()?.aborted).toBeTrue();
      expect(err.code).toBe('network_error');
      expect(err.message).toContain('timed out');
    });

    it('clears the timer once the provider answered', async () => {
      let seen: AbortSignal | undefined;
      const fetchFn: FetchLike = async (_url, init) => {
        seen = init?.signal ?? undefined;
        return new Response('{}');
      };

      await fetchJson(fetchFn, URL_, {}, 'discovery_failed', 'thing');
      jasmine.clock().tick(REQUEST_TIMEOUT_MS * 2);

      expect(seen?.aborted).toBeFalse();
    });
  });
});
