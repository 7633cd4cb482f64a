// Bundle budget (node --test bench/bundle-budget.test.mjs): what ngx-oidc adds to a minimal
// Angular app in production mode. Builds bench/apps/baseline and bench/apps/with-ngx-oidc (and
// with-ngx-oidc-all, as the control for the feature markers) in the bench workspace, or reuses
// builds that are newer than their sources and dist/ngx-oidc. 1 kB = 1024 bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { attributionDelta, bundleFigures, DEV_MESSAGES, GZIP_BUDGET, GZIP_CEILING, INITIAL_GZIP_CEILING, INITIAL_TARGET, KB, LIB_FESM, TOTAL_TARGET } from './lib/bundle.mjs';

const kb = (n) => `${(n / KB).toFixed(1)} kB`;
let figures;
const figuresOnce = () => (figures ??= bundleFigures({ log: (m) => console.log(`# ${m}`) }));

// The ceiling, not issue #6's 12 kB target (GZIP_BUDGET), which is not met yet: npm test must
// pass on main, and the ceiling still fails any growth. `npm run bench` reports the target.
test(`with-ngx-oidc adds at most ${GZIP_CEILING / KB} kB (gzip -9) of JS to the baseline app (target: ${GZIP_BUDGET / KB} kB)`, () => {
  const f = figuresOnce();
  for (const app of ['baseline', 'with-ngx-oidc', 'with-ngx-oidc-all']) {
    const r = f[app];
    const d = r.delta ? ` (+${kb(r.delta.raw)} / +${kb(r.delta.gzip)} / +${kb(r.delta.brotli)})` : '';
    console.log(`# ${app}: raw ${kb(r.raw)}, gzip ${kb(r.gzip)}, brotli ${kb(r.brotli)}${d}`);
  }
  const delta = f['with-ngx-oidc'].delta.gzip;
  const top = attributionDelta('with-ngx-oidc')
    .slice(0, 8)
    .map((r) => `${r.module} +${r.bytes} B`)
    .join(', ');
  console.log(`# with-ngx-oidc − baseline, gzip: ${delta} B in all (target ${TOTAL_TARGET} B ${delta <= TOTAL_TARGET ? 'met' : 'not met yet'}; issue #6's ${GZIP_BUDGET} B ${delta <= GZIP_BUDGET ? 'met' : 'not met yet'})`);
  assert.ok(
    delta <= GZIP_CEILING,
    `gzip delta ${delta} B (${kb(delta)}) exceeds the ceiling ${GZIP_CEILING} B (${kb(GZIP_CEILING)}); biggest contributors (minified bytes): ${top}`,
  );
});

test(`with-ngx-oidc adds at most ${INITIAL_GZIP_CEILING / KB} kB (gzip -9) to the first load (target: ${INITIAL_TARGET / KB} kB)`, () => {
  const f = figuresOnce();
  const initial = f['with-ngx-oidc'].delta.initialGzip;
  console.log(`# first load: with-ngx-oidc ${f['with-ngx-oidc'].initial.files} file(s), baseline ${f['baseline'].initial.files}; delta ${initial} B (target ${INITIAL_TARGET} B ${initial <= INITIAL_TARGET ? 'met' : 'not met yet'})`);
  // Control: jose's signature check is on demand, so the first load holds less than the whole.
  assert.ok(initial < f['with-ngx-oidc'].delta.gzip - 4 * KB, `the first load (${initial} B) holds (nearly) everything (${f['with-ngx-oidc'].delta.gzip} B): is jose still loaded up front?`);
  assert.ok(initial <= INITIAL_GZIP_CEILING, `first-load gzip delta ${initial} B (${kb(initial)}) exceeds the ceiling ${INITIAL_GZIP_CEILING} B (${kb(INITIAL_GZIP_CEILING)})`);
});

test('features the app does not use do not land in the with-ngx-oidc bundle', () => {
  const f = figuresOnce();
  // Control: each marker must really be in the app that uses every feature, or the check proves nothing.
  const missing = f['with-ngx-oidc-all'].markers.filter((m) => !m.present);
  assert.deepEqual(missing.map((m) => m.feature), [], 'markers not found in with-ngx-oidc-all (stale marker text?)');
  const landed = f['with-ngx-oidc'].markers.filter((m) => m.present);
  assert.deepEqual(
    landed.map((m) => `${m.feature} ("${m.text}")`),
    [],
    'unused features found in the with-ngx-oidc bundle',
  );
});

test('production builds carry no development message text', () => {
  const f = figuresOnce();
  // Control: the texts are in the package, so their absence below is the minifier's doing.
  // The package's every module: the main one and its on-demand chunks.
  const dir = dirname(LIB_FESM);
  const pkg = readdirSync(dir).filter((f) => f.endsWith('.mjs')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  assert.deepEqual(DEV_MESSAGES.filter((m) => !pkg.includes(m)), [], 'texts not found in dist/ngx-oidc (stale list?)');
  for (const app of ['with-ngx-oidc', 'with-ngx-oidc-all']) {
    assert.deepEqual(f[app].devMessages, [], `development messages in the ${app} production bundle`);
  }
});
