// Identifiers and scopes of the APIs (resource servers) that the local provider issues JWT access
// tokens for. Shared by provider.mjs, partner.mjs, api.mjs and main.mjs.

/** The demo API (`/api/*` on the API server). */
export const DEFAULT_API_AUDIENCE = 'https://api.ngx-oidc.test';
export const DEFAULT_API_SCOPES = 'read:messages write:messages';

/** A second API, shaped like Auth0's Management API (`/management/*` on the API server). */
export const DEFAULT_MANAGEMENT_AUDIENCE = 'https://management.ngx-oidc.test';
export const DEFAULT_MANAGEMENT_SCOPES = 'read:current_user update:current_user_metadata';

/** The API of the second provider (`/partner/*` on the API server; partner.mjs). */
export const DEFAULT_PARTNER_AUDIENCE = 'https://partner-api.ngx-oidc.test';
export const DEFAULT_PARTNER_SCOPES = 'read:partner';
