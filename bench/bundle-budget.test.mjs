// Bundle budget (node --test bench/bundle-budget.test.mjs): what ngx-oidc adds to a minimal
// Angular app in production mode. Builds bench/apps/baseline and bench/apps/with-ngx-oidc (and
// with-ngx-oidc-all, as the control for the feature markers) in the bench workspace, or reuses
// builds that are newer than their sources and dist/ngx-oidc. 1 kB = 1024 bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { attributionDelta, bundleFigures, DEV_MESSAGES, GZIP_BUDGET, GZIP_CEILING, KB, LIB_FESM } from './lib/bundle.mjs';

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
  console.log(`# with-ngx-oidc − baseline, gzip: ${delta} B; target ${GZIP_BUDGET} B ${delta <= GZIP_BUDGET ? 'met' : 'not met yet'}`);
  assert.ok(
    delta <= GZIP_CEILING,
    `gzip delta ${delta} B (${kb(delta)}) exceeds the ceiling ${GZIP_CEILING} B (${kb(GZIP_CEILING)}); biggest contributors (minified bytes): ${top}`,
  );
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
  const pkg = readFileSync(LIB_FESM, 'utf8');
  assert.deepEqual(DEV_MESSAGES.filter((m) => !pkg.includes(m)), [], 'texts not found in dist/ngx-oidc (stale list?)');
  for (const app of ['with-ngx-oidc', 'with-ngx-oidc-all']) {
    assert.deepEqual(f[app].devMessages, [], `development messages in the ${app} production bundle`);
  }
});
