import { TestBed } from '@angular/core/testing';
import { AUTH_CONFIG } from 'ngx-oidc';

import { createAppConfig, createAuthConfig } from './app.config';
import { DEFAULT_DEMO_ENV, DEMO_ENV, loadDemoEnv, mergeDemoEnv } from './demo-env';

describe('demo environment', () => {
  const written = {
    authority: 'http://localhost:9100',
    clientId: 'ngx-oidc-demo',
    apiUrl: 'http://localhost:3101/',
    apiAudience: 'https://api.ngx-oidc.test',
    foreignApiUrl: 'http://127.0.0.1:3101',
  };

  it('loads /demo-env.json, bypassing the HTTP cache', async () => {
    const fetchFn = jasmine.createSpy('fetch').and.resolveTo(new Response(JSON.stringify(written)));
    const env = await loadDemoEnv(fetchFn);
    expect(fetchFn).toHaveBeenCalledOnceWith('/demo-env.json', { cache: 'no-store' });
    expect(env).toEqual({ ...written, apiUrl: 'http://localhost:3101' });
  });

  it('falls back to the defaults when the file is missing or the fetch fails', async () => {
    spyOn(console, 'warn');
    expect(await loadDemoEnv(async () => new Response('not found', { status: 404 }))).toEqual(
      DEFAULT_DEMO_ENV,
    );
    expect(await loadDemoEnv(() => Promise.reject(new TypeError('Failed to fetch')))).toEqual(
      DEFAULT_DEMO_ENV,
    );
    expect(await loadDemoEnv(async () => new Response('{not json'))).toEqual(DEFAULT_DEMO_ENV);
    expect(console.warn).toHaveBeenCalledTimes(3);
  });

  it('takes missing or malformed values from the defaults', () => {
    expect(mergeDemoEnv({ authority: 'http://localhost:9100', apiUrl: 42 })).toEqual({
      ...DEFAULT_DEMO_ENV,
      authority: 'http://localhost:9100',
    });
  });

  it('takes an optional responseType and nonce only when well-formed', () => {
    const env = mergeDemoEnv({ ...written, responseType: 'id_token token', nonce: 'app-nonce-0123456789', loadUserInfo: true });
    expect(env.loadUserInfo).toBeTrue();
    expect(env.responseType).toBe('id_token token');
    expect(createAuthConfig(env)).toEqual(jasmine.objectContaining({ responseType: 'id_token token', nonce: 'app-nonce-0123456789' }));
    expect(mergeDemoEnv({ ...written, responseType: 'token', nonce: 7 }).responseType).toBeUndefined();
    expect(createAuthConfig(mergeDemoEnv({ ...written, nonce: 7 }))).not.toEqual(jasmine.objectContaining({ nonce: jasmine.anything() }));
  });

  it('builds the constructor-time options from the environment', () => {
    const env = mergeDemoEnv(written);
    const config = createAuthConfig(env);
    expect(config).toEqual({
      authority: 'http://localhost:9100',
      clientId: 'ngx-oidc-demo',
      audience: 'https://api.ngx-oidc.test',
      scope: 'openid profile email read:messages',
      allowedUrls: ['http://localhost:3101/api'],
      storage: 'session',
    });
    expect(Object.isFrozen(config)).toBeTrue();
  });

  it('provides the environment and the same config object to the app', () => {
    const env = mergeDemoEnv(written);
    TestBed.configureTestingModule({ providers: createAppConfig(env).providers });
    expect(TestBed.inject(DEMO_ENV)).toBe(env);
    expect(TestBed.inject(AUTH_CONFIG)).toEqual(createAuthConfig(env));
  });
});
