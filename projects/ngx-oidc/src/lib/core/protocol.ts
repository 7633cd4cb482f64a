// What the app needs only when a login starts or completes, a token is renewed or checked, or
// the user logs out: loaded on demand by protocol-loader.ts, so that a page load that does none
// of these (most of them) does not download it. It holds the login flows, the token requests,
// the ID token checks, the key store and jose's signature check. jose comes in by its own
// modules: a dynamic import of 'jose' would bring the whole library, and its index reached from
// the first load would pull these files there.
export { validateIdToken } from './id-token';
export { createKeyStore } from './jwks';
export { buildLogoutUrl, completeLogin, startLogin } from './login-flow';
export { createRenewal } from './renewal';
export { revokeToken } from './revoke-token';
export { createTabMessages } from './tab-messages';
