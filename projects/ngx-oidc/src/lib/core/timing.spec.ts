import { CALLBACK_MEASURE, CALLBACK_OWN_TIME_MARK, timeCallback } from './timing';

describe('callback timing', () => {
  // Other specs complete callbacks too: start from an empty timeline.
  const clear = () => {
    performance.clearMeasures(CALLBACK_MEASURE);
    performance.clearMarks(CALLBACK_OWN_TIME_MARK);
  };
  beforeEach(clear);
  afterEach(clear);

  it('publishes the span and the library\'s own time, the provider\'s wait excluded', async () => {
    const timing = timeCallback(() => new Promise((resolve) => setTimeout(() => resolve(new Response('{}')), 30)));
    await timing.fetch('https://idp.example.com/token');
    timing.done();

    const [span] = performance.getEntriesByName(CALLBACK_MEASURE);
    const [own] = performance.getEntriesByName(CALLBACK_OWN_TIME_MARK) as PerformanceMark[];
    const detail = own.detail as { ms: number; networkMs: number };
    expect(span.duration).toBeGreaterThanOrEqual(detail.networkMs);
    expect(detail.networkMs).toBeGreaterThan(20);
    expect(detail.ms).toBeCloseTo(span.duration - detail.networkMs, 5);
  });

  it('passes the provider\'s answer and errors through unchanged', async () => {
    const response = new Response('{"a":1}');
    const ok = timeCallback(async () => response);
    expect(await ok.fetch('x')).toBe(response);
    const failing = timeCallback(() => Promise.reject(new TypeError('Failed to fetch')));
    await expectAsync(failing.fetch('x')).toBeRejectedWithError(TypeError, 'Failed to fetch');
  });
});
