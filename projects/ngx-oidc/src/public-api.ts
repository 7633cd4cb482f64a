/*
 * Public API Surface of ngx-oidc. Re-exports only.
 */
export { provideAuth } from './lib/angular/provide-auth';
export { AUTH_CONFIG } from './lib/angular/auth-config';
export { AUTH_BROWSER, type AuthBrowser } from './lib/angular/auth-browser';
export { AuthService, type AuthUser, type LogoutOptions } from './lib/angular/auth.service';
export { authGuard } from './lib/angular/auth.guard';
export { authInterceptor, SKIP_AUTH } from './lib/angular/auth.interceptor';

export type { AuthConfig, AudienceParameter, ResponseType, TokenStorageKind, ResolvedAuthConfig } from './lib/core/config';
export type { AllowedUrl, AllowedUrlEntry, AllowedUrlMatcher } from './lib/core/allowed-url';
export type { LoginOptions } from './lib/core/login-flow';
export type { AuthorizeParams } from './lib/core/authorize-url';
export { AuthError, isAuthError, type AuthErrorCode, type AuthErrorDetails } from './lib/core/errors';
export type { AuthStorage } from './lib/core/storage';
export type { DiscoveryDocument, IdTokenClaims, TokenSet } from './lib/core/types';
