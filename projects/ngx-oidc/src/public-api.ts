/*
 * Public API Surface of ngx-oidc
 */

export * from './lib/ngx-oidc';
