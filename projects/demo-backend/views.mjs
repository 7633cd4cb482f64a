// HTML pages of the local OpenID Provider (login, fake social consent, logout, errors).
// Plain template strings; every interpolated value goes through `esc`.

/** @param {unknown} value */
export function esc(value) {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

const STYLE = `
  :root { color-scheme: light; --accent: #3451b2; --muted: #5f6b7a; --danger: #b42318; }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f2f4f8;
         font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1c2430; }
  main { width: min(400px, calc(100vw - 32px)); background: #fff; border-radius: 12px; padding: 28px 28px 20px;
         box-shadow: 0 1px 3px rgba(16,24,40,.1), 0 8px 24px rgba(16,24,40,.08); }
  .brand { font-size: 13px; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); margin: 0 0 4px; }
  h1 { font-size: 22px; margin: 0 0 6px; }
  p { margin: 0 0 16px; }
  .sub { color: var(--muted); font-size: 14px; }
  label { display: block; font-size: 14px; font-weight: 600; margin: 12px 0 4px; }
  input { width: 100%; font: inherit; padding: 9px 11px; border: 1px solid #c8cfd9; border-radius: 8px; }
  input:focus { outline: 2px solid var(--accent); outline-offset: 1px; border-color: var(--accent); }
  button, .button { display: block; width: 100%; margin-top: 18px; padding: 10px 12px; border: 0; border-radius: 8px;
           background: var(--accent); color: #fff; font: inherit; font-weight: 600; cursor: pointer; text-align: center;
           text-decoration: none; }
  button:hover, .button:hover { filter: brightness(1.1); }
  .secondary { background: #fff; color: #1c2430; border: 1px solid #c8cfd9; margin-top: 10px; }
  .social { background: #111827; }
  .error { background: #fef3f2; color: var(--danger); border: 1px solid #fecdca; border-radius: 8px; padding: 8px 12px;
           margin: 12px 0 0; font-size: 14px; }
  .divider { display: flex; align-items: center; gap: 10px; color: var(--muted); font-size: 13px; margin: 18px 0 0; }
  .divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid #e3e7ee; }
  .hint { margin: 18px 0 0; padding: 10px 12px; background: #f6f8fb; border-radius: 8px; font-size: 13px; color: var(--muted); }
  .hint code { color: #1c2430; }
  .footer { display: flex; justify-content: space-between; margin-top: 16px; font-size: 13px; }
  a { color: var(--accent); }
  pre { white-space: pre-wrap; word-break: break-word; background: #f6f8fb; padding: 8px 10px; border-radius: 8px; font-size: 13px; }
`;

/** The name on the provider's pages unless a provider names itself (`startProvider({ name })`). */
export const DEFAULT_BRAND = 'ngx-oidc demo identity provider';

/**
 * @param {string} title
 * @param {string} body inner HTML of <main>
 * @param {string} [head] extra <head> content
 * @param {string} [brand] the provider's name, shown above the title
 */
export function layout(title, body, head = '', brand = DEFAULT_BRAND) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${esc(title)}</title>
<style>${STYLE}</style>
${head}
</head>
<body>
<main>
<p class="brand" data-testid="idp-name">${esc(brand)}</p>
${body}
</main>
</body>
</html>`;
}

/**
 * @param {object} o
 * @param {string} o.uid interaction id
 * @param {string} [o.clientName]
 * @param {string} [o.username] value to prefill
 * @param {string} [o.error] error message to show
 * @param {{ username: string, password: string, name: string }[]} o.users demo users for the hint
 * @param {boolean} [o.secondStep] the request asks for a one-time code after the password
 * @param {string} [o.brand] the provider's name
 */
export function loginPage({ uid, clientName, username = '', error, users, secondStep, brand }) {
  const base = `/interaction/${encodeURIComponent(uid)}`;
  return layout(
    'Sign in – ngx-oidc demo',
    `<h1>Sign in</h1>
<p class="sub">to continue to <strong>${esc(clientName || 'the application')}</strong></p>
${secondStep ? '<p class="sub" data-testid="second-step-notice">This application asks for two-step verification: a one-time code follows.</p>' : ''}
<form method="post" action="${base}/login" autocomplete="off" novalidate>
  <label for="username">Username</label>
  <input id="username" name="username" type="text" value="${esc(username)}" autocapitalize="none" spellcheck="false" ${username ? '' : 'autofocus'} required>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" ${username ? 'autofocus' : ''} required>
  ${error ? `<p class="error" role="alert" data-testid="login-error">${esc(error)}</p>` : ''}
  <button type="submit">Sign in</button>
</form>
<div class="divider">or</div>
<a class="button social" href="${base}/social" data-testid="social-login">Continue with DemoSocial</a>
<p class="hint">Demo users: ${users.map((u) => `<code>${esc(u.username)}</code> / <code>${esc(u.password)}</code>`).join(', ')}</p>
<div class="footer"><a href="${base}/abort" data-testid="login-cancel">Cancel and return to the application</a></div>`,
    '',
    brand,
  );
}

/**
 * The second login step: a one-time code (simulated authenticator app).
 * @param {object} o
 * @param {string} o.uid interaction id
 * @param {string} o.name display name of the user the code is for
 * @param {string} o.code the code that works (shown as a hint: this is a demo)
 * @param {boolean} [o.stepUp] the user is already signed in (with one factor): offer to switch accounts
 * @param {string} [o.error] error message to show
 * @param {string} [o.brand] the provider's name
 */
export function oneTimeCodePage({ uid, name, code, stepUp = false, error, brand }) {
  const base = `/interaction/${encodeURIComponent(uid)}`;
  return layout(
    'Two-step verification – ngx-oidc demo',
    `<h1>Two-step verification</h1>
<p class="sub">${stepUp ? 'This application needs a stronger sign-in. ' : ''}Enter the one-time code from your authenticator app to continue as <strong data-testid="otp-account">${esc(name)}</strong>.</p>
<form method="post" action="${base}/otp" autocomplete="off" novalidate>
  <label for="otp">One-time code</label>
  <input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" autofocus required data-testid="otp-code">
  ${error ? `<p class="error" role="alert" data-testid="otp-error">${esc(error)}</p>` : ''}
  <button type="submit" data-testid="otp-submit">Verify</button>
</form>
<p class="hint">Demo code: <code>${esc(code)}</code></p>
<div class="footer">${stepUp ? `<a href="${base}?switch_account=1" data-testid="otp-switch-account">Sign in as someone else</a>` : ''}<a href="${base}/abort" data-testid="login-cancel">Cancel and return to the application</a></div>`,
    '',
    brand,
  );
}

/**
 * @param {object} o
 * @param {string} o.uid
 * @param {string} o.name display name of the social user
 * @param {string} o.email
 * @param {string} [o.brand] the provider's name
 */
export function socialPage({ uid, name, email, brand }) {
  const base = `/interaction/${encodeURIComponent(uid)}`;
  const first = name.split(' ')[0];
  return layout(
    'DemoSocial – sign in',
    `<h1>DemoSocial</h1>
<p>DemoSocial wants to sign you in as ${esc(first)}</p>
<p class="sub">${esc(name)} &lt;${esc(email)}&gt; will be shared with the ngx-oidc demo identity provider.</p>
<form method="post" action="${base}/social">
  <button type="submit" class="social" data-testid="social-accept">Continue as ${esc(first)}</button>
</form>
<a class="button secondary" href="${base}">Back to the login page</a>`,
    '',
    brand,
  );
}

/** @param {string} form the provider's hidden logout form */
export function logoutPage(form) {
  return layout(
    'Signing out – ngx-oidc demo',
    `<h1>Signing out…</h1>
<p class="sub">You are being signed out of the demo identity provider.</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" id="logout-confirm">Sign out</button>
<script>
  (function () {
    var form = document.getElementById('op.logoutForm');
    var input = document.createElement('input');
    input.type = 'hidden'; input.name = 'logout'; input.value = 'yes';
    form.appendChild(input);
    form.submit();
  })();
</script>`,
  );
}

export function postLogoutPage() {
  return layout(
    'Signed out – ngx-oidc demo',
    `<h1>You are signed out</h1>
<p class="sub" data-testid="logout-success">Your session at the demo identity provider has ended. You can close this window.</p>`,
  );
}

/**
 * @param {string} title
 * @param {Record<string, unknown>} details
 * @param {string} [link] optional href of a "back" link
 * @param {string} [brand] the provider's name
 */
export function errorPage(title, details, link, brand) {
  return layout(
    `${title} – ngx-oidc demo`,
    `<h1>${esc(title)}</h1>
${Object.entries(details)
  .filter(([, v]) => v !== undefined && v !== null && v !== '')
  .map(([k, v]) => `<pre><strong>${esc(k)}</strong>: ${esc(v)}</pre>`)
  .join('\n')}
${link ? `<p><a href="${esc(link)}">Back</a></p>` : ''}`,
    '',
    brand,
  );
}
