// The parts of jose that check signatures, loaded on demand by jose-loader.ts. Named re-exports
// of jose's own modules: an app's build then takes only these (a dynamic import of 'jose' would
// bring the whole library, and its index reached from the first load would pull them there).
export { createLocalJWKSet } from 'jose/jwks/local';
export { jwtVerify } from 'jose/jwt/verify';
