// Server rendering with the built package (dist/ngx-oidc): importing ngx-oidc touches no
// window, storage or crypto, and an app using provideAuth, authGuard and authInterceptor
// renders on the server — zoneless and with zone.js — without errors, anonymous, with the
// guarded route rendering nothing. Run after `ng build ngx-oidc`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Renders in a child process so each run gets a fresh module graph (zone.js patches globals). */
function render(mode) {
  const result = spawnSync(process.execPath, [`${here}/render-app.mjs`, mode], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('importing ngx-oidc on a server touches no browser global', () => {
  const { status, stderr } = render('import');
  assert.equal(status, 0, stderr);
});

for (const mode of ['zoneless', 'zone.js']) {
  test(`renders an app with provideAuth on the server (${mode})`, () => {
    const { status, stdout, stderr } = render(mode);
    assert.equal(status, 0, stderr);
    const html = JSON.parse(stdout.trim().split('\n').pop()).html;
    assert.match(html, /data-status="anonymous"/);
    assert.match(html, /home page/);
    assert.doesNotMatch(html, /secret page/);
  });
}
