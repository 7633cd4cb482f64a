// Drives the lab page (bench/apps/lab: the real ngx-oidc against an in-page fake provider) in
// headless Chromium: interceptor overhead, guard decision time, callback completion with ID token
// validation, jose jwtVerify, and JS heap over 1,000 renewals and 1,000 login/logout cycles.
import { join } from 'node:path';
import { buildApp, outDir } from './bundle.mjs';
import { serveStatic, summarize } from './browser.mjs';

export async function labFigures(browser, { log = console.log, requests = 10_000, rounds = 7, cycles = 1000 } = {}) {
  const buildSeconds = buildApp('lab', { log });
  const server = await serveStatic(join(outDir('lab'), 'browser'));
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(server.url + '/');
    await page.waitForFunction(() => document.body.dataset.labReady && document.body.dataset.labReady !== 'loading', null, { timeout: 60_000 });
    const ready = await page.evaluate(() => document.body.dataset.labReady);
    if (ready !== 'yes') throw new Error(`lab failed to start: ${ready} ${errors.join('; ')}`);
    const cdp = await context.newCDPSession(page);
    const heap = async () => {
      for (let i = 0; i < 3; i++) await cdp.send('HeapProfiler.collectGarbage');
      await page.evaluate(() => window.gc?.());
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };

    // Interceptor overhead, for each backend (see HttpBackendKind in bench/apps/lab): rounds
    // rotate through without / floor / with, after a warm-up of each; three times as many rounds
    // as elsewhere, as a round is short and the differences small.
    const httpRounds = rounds * 3;
    // `dpop` (withDpop(): a proof signed per request) only with the instant backend, where the
    // interceptor's own work is what is measured.
    const interceptorRuns = async (backend, { dpop = false } = {}) => {
      log(`lab: interceptor overhead, ${backend} backend (${httpRounds} rounds × ${requests} requests each way)`);
      const modes = ['without', 'floor', 'with', ...(dpop ? ['dpop'] : [])];
      for (const mode of modes) await page.evaluate(([n, m, b]) => window.lab.http(n, m, b), [2000, mode, backend]);
      const times = Object.fromEntries(modes.map((m) => [m, []]));
      for (let r = 0; r < httpRounds; r++) {
        // Rotate the order so that no mode always runs right after the same one.
        for (let k = 0; k < modes.length; k++) {
          const mode = modes[(r + k) % modes.length];
          times[mode].push(await page.evaluate(([n, m, b]) => window.lab.http(n, m, b), [requests, mode, backend]));
        }
      }
      const w = summarize(times.with);
      const wo = summarize(times.without);
      const fl = summarize(times.floor);
      const dp = dpop ? summarize(times.dpop) : undefined;
      return {
        backend,
        requestsPerRound: requests,
        rounds: httpRounds,
        withoutMs: wo,
        floorMs: fl,
        withMs: w,
        perRequestUs: {
          without: (wo.median * 1000) / requests,
          floor: (fl.median * 1000) / requests,
          with: (w.median * 1000) / requests,
          ...(dp ? { dpop: (dp.median * 1000) / requests } : {}),
        },
        ...(dp ? { dpopMs: dp, dpopOverWith: pairedRatio(times.dpop, times.with) } : {}),
        // Medians of per-round ratios: the modes of one round ran back to back, so a ratio
        // cancels the drift between rounds (GC, JIT, the machine) that a ratio of medians keeps.
        ratio: pairedRatio(times.with, times.without),
        floorRatio: pairedRatio(times.floor, times.without),
        withOverFloor: pairedRatio(times.with, times.floor),
        ratioOfMedians: Math.round((w.median / wo.median) * 1000) / 1000,
      };
    };
    const interceptor = await interceptorRuns('fetch');
    const interceptorInstant = await interceptorRuns('instant', { dpop: true });

    log('lab: guard decisions');
    await page.evaluate(() => window.lab.guard(1000));
    const guardRounds = [];
    for (let r = 0; r < rounds; r++) guardRounds.push(((await page.evaluate(() => window.lab.guard(10_000))) / 10_000) * 1000);

    log('lab: jose jwtVerify');
    await page.evaluate(() => window.lab.joseVerify(50));
    const joseRounds = [];
    for (let r = 0; r < rounds; r++) joseRounds.push((await page.evaluate(() => window.lab.joseVerify(200))) / 200);
    const jose = summarize(joseRounds, 3);

    log(`lab: memory, ${cycles} renewals`);
    await page.evaluate((n) => window.lab.renewals(n), cycles); // warm-up as long as the run: a 100-op warm-up left ~170 kB of one-time growth (JIT feedback, caches) that does not recur
    const renewBefore = await heap();
    const tRenew = Date.now();
    await page.evaluate((n) => window.lab.renewals(n), cycles);
    const renewSeconds = (Date.now() - tRenew) / 1000;
    const renewAfter = await heap();

    log(`lab: memory, ${cycles} login/logout cycles`);
    await page.evaluate((n) => window.lab.loginLogoutCycles(n), cycles); // warm-up, as above
    const leftBefore = await page.evaluate(() => window.lab.leftovers());
    const cycleBefore = await heap();
    const tCycles = Date.now();
    const callbackMs = await page.evaluate((n) => window.lab.loginLogoutCycles(n), cycles);
    const cycleSeconds = (Date.now() - tCycles) / 1000;
    const cycleAfter = await heap();
    const leftAfter = await page.evaluate(() => window.lab.leftovers());
    // Noise: the same measurement with nothing in between.
    const idle1 = await heap();
    const idle2 = await heap();
    const counters = await page.evaluate(() => window.lab.counters);
    if (errors.length) log(`lab page errors: ${errors.join('; ')}`);

    return {
      buildSeconds,
      interceptor,
      interceptorInstant,
      guardUsPerDecision: summarize(guardRounds, 2),
      callbackCompletionMs: summarize(callbackMs),
      joseJwtVerifyMs: jose,
      memory: {
        renewals: { count: cycles, before: renewBefore, after: renewAfter, growth: renewAfter - renewBefore, seconds: renewSeconds },
        loginLogout: { count: cycles, before: cycleBefore, after: cycleAfter, growth: cycleAfter - cycleBefore, seconds: cycleSeconds },
        leftovers: {
          timers: leftAfter.timers - leftBefore.timers,
          channels: leftAfter.channels - leftBefore.channels,
          before: leftBefore,
          after: leftAfter,
        },
        noise: Math.abs(idle2 - idle1),
      },
      fakeProviderRequests: counters,
      pageErrors: errors,
    };
  } finally {
    await context.close();
    await server.close();
  }
}

/** The median of a[i] / b[i], rounded to 3 decimals. */
function pairedRatio(a, b) {
  const ratios = a.map((x, i) => x / b[i]).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  const median = ratios.length % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
  return Math.round(median * 1000) / 1000;
}
