import { TestBed } from '@angular/core/testing';
import { AUTH_CONFIG } from 'ngx-oidc';

import { createAppConfig, createAuthConfig, createPartnerConfig } from './app.config';
import {
  DEFAULT_DEMO_ENV,
  DEMO_ENV,
  loadDemoEnv,
  mergeDemoEnv,
  PARTNER_DEFAULTS,
} from './demo-env';

const ORIGIN = 'http://localhost:4200';

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
    expect(env).toEqual({
      ...written,
      apiUrl: 'http://localhost:3101',
      managementAudience: 'https://management.ngx-oidc.test',
      renewal: 'refresh_token',
    });
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
    const env = mergeDemoEnv({
      ...written,
      responseType: 'id_token token',
      nonce: 'app-nonce-0123456789',
      loadUserInfo: true,
    });
    expect(env.loadUserInfo).toBeTrue();
    expect(env.responseType).toBe('id_token token');
    const config = createAuthConfig(env, ORIGIN);
    expect(config.responseType).toBe('id_token token');
    // A function called per login (provideAuth() refuses a constant nonce string).
    expect(config.nonce?.()).toBe('app-nonce-0123456789');
    expect(
      mergeDemoEnv({ ...written, responseType: 'token', nonce: 7 }).responseType,
    ).toBeUndefined();
    expect(createAuthConfig(mergeDemoEnv({ ...written, nonce: 7 }), ORIGIN)).not.toEqual(
      jasmine.objectContaining({ nonce: jasmine.anything() }),
    );
  });

  it('defaults managementAudience and renewal, and takes them when well-formed', () => {
    expect(DEFAULT_DEMO_ENV.managementAudience).toBe('https://management.ngx-oidc.test');
    expect(DEFAULT_DEMO_ENV.renewal).toBe('refresh_token');
    const defaults = mergeDemoEnv(written);
    expect(defaults.managementAudience).toBe('https://management.ngx-oidc.test');
    expect(defaults.renewal).toBe('refresh_token');
    const given = mergeDemoEnv({
      ...written,
      managementAudience: ' https://mgmt.example.test ',
      renewal: 'silent',
    });
    expect(given.managementAudience).toBe('https://mgmt.example.test');
    expect(given.renewal).toBe('silent');
    for (const renewal of ['refresh', 'SILENT', '', 1, true, null]) {
      expect(mergeDemoEnv({ ...written, renewal }).renewal)
        .withContext(String(renewal))
        .toBe('refresh_token');
    }
    expect(mergeDemoEnv({ ...written, managementAudience: '' }).managementAudience).toBe(
      'https://management.ngx-oidc.test',
    );
    expect(mergeDemoEnv(null)).toEqual(DEFAULT_DEMO_ENV);
  });

  it('takes the PAR mode only when it is one, and leaves it out by default', () => {
    expect(mergeDemoEnv(written).par).toBeUndefined();
    expect('par' in mergeDemoEnv(written)).toBeFalse();
    expect(mergeDemoEnv({ ...written, par: 'required' }).par).toBe('required');
    expect(mergeDemoEnv({ ...written, par: 'auto' }).par).toBe('auto');
    for (const par of ['REQUIRED', 'off', '', true, 1, null]) {
      expect('par' in mergeDemoEnv({ ...written, par }))
        .withContext(String(par))
        .toBeFalse();
    }
    // PAR is a feature, not a constructor-time option.
    expect(createAuthConfig(mergeDemoEnv({ ...written, par: 'required' }), ORIGIN)).toEqual(
      createAuthConfig(mergeDemoEnv(written), ORIGIN),
    );
  });

  it('turns DPoP on only for dpop: true, and leaves it out by default', () => {
    expect('dpop' in mergeDemoEnv(written)).toBeFalse();
    expect(mergeDemoEnv({ ...written, dpop: true }).dpop).toBeTrue();
    for (const dpop of ['true', 1, false, null]) {
      expect('dpop' in mergeDemoEnv({ ...written, dpop }))
        .withContext(String(dpop))
        .toBeFalse();
    }
  });

  it('builds the constructor-time options from the environment (renewal refresh_token)', () => {
    const env = mergeDemoEnv(written);
    const config = createAuthConfig(env, ORIGIN);
    expect(config).toEqual({
      authority: 'http://localhost:9100',
      clientId: 'ngx-oidc-demo',
      audience: 'https://api.ngx-oidc.test',
      scope: 'openid profile email read:messages offline_access',
      allowedUrls: [
        'http://localhost:3101/api',
        {
          uri: 'http://localhost:3101/management',
          audience: 'https://management.ngx-oidc.test',
          scope: 'read:current_user',
        },
      ],
      silentRedirectUri: 'http://localhost:4200/silent-callback.html',
      storage: 'session',
    });
    expect(Object.isFrozen(config)).toBeTrue();
    expect(Object.isFrozen(config.allowedUrls)).toBeTrue();
    expect(Object.isFrozen(config.allowedUrls![1])).toBeTrue();
  });

  it('asks for no refresh token with renewal "silent", and keeps the silent redirect URI', () => {
    const env = mergeDemoEnv({
      ...written,
      renewal: 'silent',
      managementAudience: 'https://mgmt.example.test',
    });
    const config = createAuthConfig(env, 'http://127.0.0.1:4300');
    expect(config.scope).toBe('openid profile email read:messages');
    expect(config.silentRedirectUri).toBe('http://127.0.0.1:4300/silent-callback.html');
    expect(config.allowedUrls).toEqual([
      'http://localhost:3101/api',
      {
        uri: 'http://localhost:3101/management',
        audience: 'https://mgmt.example.test',
        scope: 'read:current_user',
      },
    ]);
    expect(Object.isFrozen(config)).toBeTrue();
  });

  it('provides the environment and the same config object to the app', () => {
    const env = mergeDemoEnv(written);
    // The app's real origin: AuthService checks that silentRedirectUri is on it.
    TestBed.configureTestingModule({ providers: createAppConfig(env, location.origin).providers });
    expect(TestBed.inject(DEMO_ENV)).toBe(env);
    expect(TestBed.inject(AUTH_CONFIG)).toEqual(createAuthConfig(env, location.origin));
  });

  it('takes the partner provider from demo-env.json, with its allowlist apart from the main one', () => {
    const env = mergeDemoEnv({
      ...DEFAULT_DEMO_ENV,
      partnerAuthority: ' http://localhost:9101 ',
      partnerClientId: 'partner-client',
      partnerAudience: 'https://partner.example.test',
    });
    expect(createPartnerConfig(env)).toEqual(
      jasmine.objectContaining({
        authority: 'http://localhost:9101',
        clientId: 'partner-client',
        audience: 'https://partner.example.test',
        allowedUrls: [`${DEFAULT_DEMO_ENV.apiUrl}/partner`],
      }),
    );
    const defaults = createPartnerConfig(
      mergeDemoEnv({ ...DEFAULT_DEMO_ENV, partnerAuthority: '' }),
    );
    expect(defaults.authority).toBe(PARTNER_DEFAULTS.partnerAuthority);
    expect(defaults.clientId).toBe(PARTNER_DEFAULTS.partnerClientId);
    expect(defaults.audience).toBe(PARTNER_DEFAULTS.partnerAudience);
    expect(defaults.scope?.split(' ')).toContain('read:partner');
  });
});
