/*
 * Public API Surface of ngx-oidc/testing. Re-exports only.
 */
export { provideAuthTesting } from './provide-auth-testing';
export { FakeAuthService } from './fake-auth';
export {
  DEFAULT_TEST_USER,
  type AuthServiceApi,
  type AuthTestingOptions,
  type FakeLoginBehavior,
  type FakeTokens,
  type RenewAfterRejectionCall,
} from './auth-testing-options';
