/*
 * Public API Surface of ngx-oidc. Re-exports only.
 */
export { provideAuth } from './lib/angular/provide-auth';
export {
  withDpop,
  withImplicitFlow,
  withPopupLogin,
  withPushedAuthorizationRequests,
  withSilentAuthentication,
  type AuthFeature,
  type AuthFeatureKind,
  type PushedAuthorizationOptions,
} from './lib/angular/features';
export type { PushedAuthorizationMode } from './lib/core/pushed-authorization';
export { AuthModule } from './lib/angular/auth.module';
export { AUTH_CONFIG } from './lib/angular/auth-config';
export { AuthService, type AuthUser, type LogoutOptions } from './lib/angular/auth.service';
export { authGuard } from './lib/angular/auth.guard';
export { withAuthProvider } from './lib/angular/auth-providers';
export { AuthProviders, authGuardFor, injectAuth } from './lib/angular/provider-access';
export { authGuardedPaths } from './lib/angular/server-routes';
export { authInterceptor, SKIP_AUTH } from './lib/angular/auth.interceptor';

export {
  ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE,
  type AuthConfig,
  type AudienceParameter,
  type ResponseType,
  type TokenStorageKind,
  type ResolvedAuthConfig,
} from './lib/core/config';
export type { AccessTokenOptions } from './lib/core/client';
export type { AuthEvent, AuthEventType, LoginOutcome } from './lib/core/events';
export type { TokenRequest } from './lib/core/token-cache';
export type { AllowedUrl, AllowedUrlEntry, AllowedUrlMatcher } from './lib/core/allowed-url';
export type { LoginOptions } from './lib/core/login-flow';
export type { PopupLoginOptions } from './lib/core/popup-login';
export type { AuthorizeParams } from './lib/core/authorize-url';
export { AuthError, isAuthError, type AuthErrorCode, type AuthErrorDetails, type StepUpOptions } from './lib/core/errors';
export { MemoryStorage, type AuthStorage } from './lib/core/storage';
export {
  diagnoseToken,
  type TokenDiagnosis,
  type TokenExpectations,
  type TokenFinding,
  type TokenFindingCode,
  type TokenKind,
  type TokenTime,
  type TokenTimes,
} from './lib/core/diagnose-token';
export type { DiscoveryDocument, IdTokenClaims, TokenSet } from './lib/core/types';

// Private API shared with the ngx-oidc/testing entry point (ɵ: not covered by semver, may
// change or disappear in any release; apps must not use it).
export { AUTH_CLIENT as ɵAUTH_CLIENT, oidcClientFactory as ɵoidcClientFactory } from './lib/angular/auth-client';
// The browser platform, for the in-page benchmark lab (bench/apps/lab) that swaps in a fake provider.
export { AUTH_BROWSER as ɵAUTH_BROWSER, type AuthBrowser as ɵAuthBrowser } from './lib/angular/auth-browser';
export {
  tokenRequestKey as ɵrequestKey,
  type AuthClient as ɵAuthClient,
  type AuthClientFactory as ɵAuthClientFactory,
} from './lib/core/auth-client';
