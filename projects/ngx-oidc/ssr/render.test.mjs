// Server rendering with the built package (dist/ngx-oidc): importing ngx-oidc touches no
// window, storage or crypto, and an app using provideAuth, authGuard and authInterceptor
// renders on the server — zoneless and with zone.js — without errors, anonymous, with the
// guarded route rendering nothing (its navigation refused, with a development-mode warning),
// and the callback route `ng add` writes navigating without a redirect. Run after
// `ng build ngx-oidc`.
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
    const { html, home, secret, callback, warnings } = JSON.parse(stdout.trim().split('\n').pop());
    assert.match(html, /data-status="anonymous"/);
    assert.match(home, /home page/);
    assert.match(home, /data-navigated="\/"/);
    assert.doesNotMatch(html, /secret page/);
    // The guard refuses on the server: no navigation succeeds, which Angular SSR answers with a
    // 404 unless the route is rendered in the browser (authGuardedPaths → RenderMode.Client).
    assert.doesNotMatch(secret, /data-navigated/);
    assert.deepEqual(warnings.filter((w) => w.includes('authGuard ran during server rendering of /secret')).length, 1, warnings.join('\n'));
    // { path: 'callback', children: [] }: a valid route that renders nothing and keeps the URL
    // (a redirectTo would make Angular SSR answer 302 without ?code&state).
    assert.match(callback, /data-navigated="\/callback\?code=abc&amp;state=xyz"/);
    assert.doesNotMatch(callback, /secret page|home page/);
  });
}

test('authGuardedPaths of the built package lists the routes behind its authGuard', () => {
  const { status, stdout, stderr } = render('paths');
  assert.equal(status, 0, stderr);
  const { paths } = JSON.parse(stdout.trim().split('\n').pop());
  assert.deepEqual(paths, ['profile', 'admin', 'admin/**', 'admin/users/:id']);
});
