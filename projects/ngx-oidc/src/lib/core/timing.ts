import type { FetchLike } from './types';

/** Name of the User Timing measure that spans the processing of a login callback. */
export const CALLBACK_MEASURE = 'ngx-oidc:callback';
/** Name of the User Timing mark whose `detail.ms` is the library's own time in that span. */
export const CALLBACK_OWN_TIME_MARK = 'ngx-oidc:callback:own-time';

/**
 * Times one callback: the whole span, and the part spent waiting for the provider, so that the
 * library's own time (parsing, validation, WebCrypto, storage) can be told apart. Published as
 * User Timing entries (`performance.getEntriesByName(CALLBACK_MEASURE)`) for benchmarks and
 * DevTools; a no-op where `performance` is missing.
 */
export function timeCallback(fetchFn: FetchLike): { fetch: FetchLike; done(): void } {
  const perf = globalThis.performance;
  if (!perf?.now || !perf.measure || !perf.mark) return { fetch: fetchFn, done: () => undefined };
  const start = perf.now();
  let waiting = 0;
  return {
    fetch: async (input, init) => {
      const sent = perf.now();
      try {
        return await fetchFn(input, init);
      } finally {
        waiting += perf.now() - sent;
      }
    },
    done: () => {
      try {
        const end = perf.now();
        perf.measure(CALLBACK_MEASURE, { start, end });
        perf.mark(CALLBACK_OWN_TIME_MARK, { detail: { ms: end - start - waiting, networkMs: waiting } });
      } catch {
        // User Timing is a diagnostic: never let it break a login.
      }
    },
  };
}
