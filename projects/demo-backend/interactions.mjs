// The provider's own sign-in pages (oidc-provider "interactions"): /interaction/<uid>[/login|
// /social|/otp|/abort], the login prompt's step-up check, and the automatic first-party consent.
//
// Sign-in: username + password, or "Continue with DemoSocial"; when the request asks for the
// second factor (acr.mjs `requiresMfa`), a one-time-code page follows. A user who already has a
// provider session with one factor and is asked for the second one (step-up, RFC 9470) sees only
// the one-time-code page.
import http from 'node:http';
import Provider, { interactionPolicy } from 'oidc-provider';

import {
  ACR_MFA,
  ACR_PASSWORD,
  AMR_FEDERATED,
  AMR_PASSWORD,
  amrWithOneTimeCode,
  checkOneTimeCode,
  ONE_TIME_CODE,
  requiresMfa,
} from './acr.mjs';
import { checkPassword, findBySub, PASSWORD_USERS, SOCIAL_ACCOUNT } from './accounts.mjs';
import { coopFor } from './coop.mjs';
import { errorPage, loginPage, oneTimeCodePage, socialPage } from './views.mjs';

/** Reason of the login prompt check that asks for the second factor. */
export const STEP_UP_REASON = 'acr_mfa';

/**
 * oidc-provider's default interaction policy plus one login check: a request whose `acr_values`
 * name {@link ACR_MFA} while the session's authentication has less needs the login prompt (the
 * step-up round trip). With `prompt=none` that is `login_required`. `max_age` and the other
 * checks stay oidc-provider's (a `max_age` re-authentication asks for the password again, not
 * only for the code).
 */
export function loginPolicy() {
  const { base, Check } = interactionPolicy;
  const policy = base();
  policy.get('login').checks.add(
    new Check(
      STEP_UP_REASON,
      'the request asks for two-factor authentication (acr_values)',
      'login_required', // checks added after the Prompt was built get no default error
      (ctx) =>
        requiresMfa(ctx.oidc.params) && ctx.oidc.acr !== ACR_MFA
          ? Check.REQUEST_PROMPT
          : Check.NO_NEED_TO_PROMPT,
    ),
  );
  return policy;
}

/**
 * Handlers for /interaction/:uid[/login|/social|/otp|/abort].
 * @param {Provider} provider
 * @param {object} options
 * @param {(line: string) => void} options.log
 * @param {string} [options.brand] the provider's name on its pages
 * @param {string} [options.coop] Cross-Origin-Opener-Policy for every page (else per login, coop.mjs)
 */
export function interactionRouter(provider, { log, brand, coop }) {
  /**
   * Logins waiting for their one-time code: interaction uid → the user and the first factor. The
   * uid is bound to the browser by oidc-provider's interaction cookie (`interactionDetails`).
   * @type {Map<string, { accountId: string, amr: readonly string[], stepUp: boolean, expires: number }>}
   */
  const pending = new Map();
  const PENDING_MS = 10 * 60 * 1000;
  const remember = (uid, entry) => {
    const now = Date.now();
    if (pending.size > 1000) for (const [k, v] of pending) if (v.expires <= now) pending.delete(k);
    pending.set(uid, { ...entry, expires: now + PENDING_MS });
  };
  const pendingFor = (uid) => {
    const entry = pending.get(uid);
    return entry && entry.expires > Date.now() ? entry : undefined;
  };

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   * @param {URL} url
   */
  return async function route(req, res, url) {
    const match = /^\/interaction\/([^/]+)(?:\/(login|social|otp|abort))?\/?$/.exec(url.pathname);
    if (!match)
      return sendHtml(
        res,
        404,
        errorPage('Not found', { path: url.pathname }, undefined, brand),
        coop,
      );
    const [, uid, action = ''] = match;
    const key = `${req.method} ${action}`;

    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (err) {
      log(`[idp] interaction ${uid}: ${err?.message ?? err}`);
      return sendHtml(
        res,
        400,
        errorPage(
          'This sign-in page has expired',
          {
            error: err?.error ?? 'invalid_request',
            error_description:
              'The sign-in request is no longer valid (expired, already used, or cookies are blocked). Go back to the application and sign in again.',
          },
          undefined,
          brand,
        ),
        coop,
      );
    }
    const policy = coopFor(details.params, coop);
    const send = (status, html) => sendHtml(res, status, html, policy);
    if (details.uid !== uid) {
      return send(
        400,
        errorPage('Sign-in request mismatch', { error: 'invalid_request' }, undefined, brand),
      );
    }

    const client = await provider.Client.find(details.params.client_id);
    const clientName = client?.clientName ?? details.params.client_id;
    const prompt = details.prompt.name;
    const secondStep = requiresMfa(details.params);
    const loginForm = (extra = {}) =>
      loginPage({ uid, clientName, users: PASSWORD_USERS, secondStep, brand, ...extra });
    const codeForm = (entry, extra = {}) =>
      oneTimeCodePage({
        uid,
        name: findBySub(entry.accountId)?.name ?? entry.accountId,
        code: ONE_TIME_CODE,
        stepUp: entry.stepUp,
        brand,
        ...extra,
      });
    if (policy) res.setHeader('Cross-Origin-Opener-Policy', policy); // also on the redirects below

    /** Ends the first step: done, or on to the one-time code when the request asks for it. */
    const firstFactorDone = (accountId, amr, how) => {
      if (!secondStep) {
        log(`[idp] login ${accountId}${how}`);
        return provider.interactionFinished(
          req,
          res,
          { login: { accountId, acr: ACR_PASSWORD, amr: [...amr] } },
          { mergeWithLastSubmission: false },
        );
      }
      log(`[idp] login ${accountId}${how}: one-time code next`);
      remember(uid, { accountId, amr, stepUp: false });
      return redirect(res, `/interaction/${encodeURIComponent(uid)}/otp`);
    };

    switch (key) {
      case 'GET ': {
        if (prompt === 'consent') return autoConsent(provider, req, res, details, log);
        if (prompt !== 'login') {
          return send(400, errorPage('Unsupported interaction', { prompt }, undefined, brand));
        }
        const account = details.session?.accountId
          ? findBySub(details.session.accountId)
          : undefined;
        const stepUpOnly =
          secondStep &&
          account &&
          !url.searchParams.has('switch_account') &&
          details.prompt.reasons.every((r) => r === STEP_UP_REASON);
        if (stepUpOnly) {
          const entry = { accountId: account.sub, amr: firstFactorOf(account), stepUp: true };
          remember(uid, entry);
          log(`[idp] step-up for ${account.sub}: one-time code`);
          return send(200, codeForm(entry));
        }
        pending.delete(uid);
        return send(200, loginForm());
      }
      case 'POST login': {
        const form = await readForm(req);
        const username = form.get('username') ?? '';
        const account = checkPassword(username, form.get('password') ?? '');
        if (!account) {
          log(`[idp] login failed for ${JSON.stringify(username)}`);
          return send(200, loginForm({ username, error: 'Wrong username or password.' }));
        }
        return firstFactorDone(account.sub, AMR_PASSWORD, '');
      }
      case 'GET social':
        return send(
          200,
          socialPage({ uid, name: SOCIAL_ACCOUNT.name, email: SOCIAL_ACCOUNT.email, brand }),
        );
      case 'POST social':
        await readForm(req);
        return firstFactorDone(SOCIAL_ACCOUNT.sub, AMR_FEDERATED, ' (DemoSocial)');
      case 'GET otp': {
        const entry = pendingFor(uid);
        if (!entry) return redirect(res, `/interaction/${encodeURIComponent(uid)}`);
        return send(200, codeForm(entry));
      }
      case 'POST otp': {
        const form = await readForm(req);
        const entry = pendingFor(uid);
        if (!entry) return redirect(res, `/interaction/${encodeURIComponent(uid)}`);
        if (!checkOneTimeCode(form.get('otp'))) {
          log(`[idp] wrong one-time code for ${entry.accountId}`);
          return send(200, codeForm(entry, { error: 'Wrong code. Try again.' }));
        }
        pending.delete(uid);
        log(
          `[idp] login ${entry.accountId} with a one-time code${entry.stepUp ? ' (step-up)' : ''}`,
        );
        return provider.interactionFinished(
          req,
          res,
          {
            login: { accountId: entry.accountId, acr: ACR_MFA, amr: amrWithOneTimeCode(entry.amr) },
          },
          { mergeWithLastSubmission: false },
        );
      }
      case 'GET abort':
      case 'POST abort':
        pending.delete(uid);
        log('[idp] login cancelled by the user');
        return provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'The user cancelled the login' },
          { mergeWithLastSubmission: false },
        );
      default:
        res.setHeader('Allow', action === 'login' ? 'POST' : 'GET, POST');
        return send(
          405,
          errorPage(
            'Method not allowed',
            { method: req.method, path: url.pathname },
            undefined,
            brand,
          ),
        );
    }
  };
}

/** @param {import('./accounts.mjs').DemoAccount} account */
function firstFactorOf(account) {
  return account.connection === 'demosocial' ? AMR_FEDERATED : AMR_PASSWORD;
}

/**
 * Fallback for a consent interaction (e.g. `prompt=consent`, which oidc-provider always honours):
 * grant whatever is missing without showing a consent page. Without `prompt=consent` the grant is
 * already complete (loadExistingGrant) and no consent interaction happens.
 * @param {Provider} provider
 */
async function autoConsent(provider, req, res, details, log) {
  const {
    prompt: { details: missing },
    params,
    session,
  } = details;
  let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  grant ??= new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  const granted = [
    ...(missing.missingOIDCScope ?? []),
    ...Object.entries(missing.missingResourceScopes ?? {}).map(([r, s]) => `${r}: ${s.join(' ')}`),
  ];
  log(
    `[idp] consent auto-granted for ${session.accountId}${granted.length ? ` (${granted.join('; ')})` : ''}`,
  );
  return provider.interactionFinished(
    req,
    res,
    { consent: { grantId } },
    { mergeWithLastSubmission: true },
  );
}

/** @param {http.IncomingMessage} req @returns {Promise<URLSearchParams>} */
async function readForm(req, limit = 64 * 1024) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error('request body too large');
  }
  return new URLSearchParams(body);
}

/**
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {string} html
 * @param {string} [coop] Cross-Origin-Opener-Policy, if any
 */
export function sendHtml(res, status, html, coop) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  if (coop) res.setHeader('Cross-Origin-Opener-Policy', coop);
  res.end(html);
}

/** 303 See Other (after a POST, the browser follows with GET). */
function redirect(res, location) {
  res.statusCode = 303;
  res.setHeader('Location', location);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}
