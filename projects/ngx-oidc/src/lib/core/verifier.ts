// What checks signatures and claims, loaded on demand by verifier-loader.ts: jose's signature
// check, the ID token validation that uses it, and jose's key-set resolver. Named re-exports of
// jose's own modules (a dynamic import of 'jose' would bring the whole library, and its index
// reached from the first load would pull these files there).
export { createLocalJWKSet } from 'jose/jwks/local';
export { validateIdToken } from './id-token';
export { validateRefreshedIdToken } from './refreshed-id-token';
