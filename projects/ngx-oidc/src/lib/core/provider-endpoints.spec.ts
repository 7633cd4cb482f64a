import { APP_ORIGIN, DISCOVERY, ISSUER } from '../../test-support/fake-provider';
import { isProviderEndpoint, providerEndpoints } from './provider-endpoints';

describe('provider endpoints', () => {
  it('lists the discovery URL even before discovery is loaded', () => {
    expect([...providerEndpoints(ISSUER)]).toEqual([`${ISSUER}/.well-known/openid-configuration`]);
  });

  it('lists every endpoint of the discovery document as origin + path', () => {
    const endpoints = providerEndpoints(ISSUER, {
      ...DISCOVERY,
      authorization_endpoint: `${ISSUER}/authorize?tenant=a`,
      revocation_endpoint: `${ISSUER}/revoke`,
      introspection_endpoint: `${ISSUER}/introspect`,
      registration_endpoint: `${ISSUER}/register`,
    });

    expect([...endpoints].sort()).toEqual(
      [
        `${ISSUER}/.well-known/openid-configuration`,
        `${ISSUER}/authorize`,
        `${ISSUER}/oauth/token`,
        `${ISSUER}/.well-known/jwks.json`,
        `${ISSUER}/userinfo`,
        `${ISSUER}/logout`,
        `${ISSUER}/revoke`,
        `${ISSUER}/introspect`,
        `${ISSUER}/register`,
      ].sort(),
    );
  });

  it('lists the pushed authorization request endpoint and every other "…_endpoint", not the other URLs of the document', () => {
    const endpoints = providerEndpoints(ISSUER, {
      ...DISCOVERY,
      pushed_authorization_request_endpoint: `${ISSUER}/par`,
      device_authorization_endpoint: `${ISSUER}/device`,
      backchannel_authentication_endpoint: `${ISSUER}/bc-authorize`,
      op_policy_uri: `${ISSUER}/policy`,
      service_documentation: `${ISSUER}/docs`,
    });

    expect(endpoints.has(`${ISSUER}/par`)).toBeTrue();
    expect(endpoints.has(`${ISSUER}/device`)).toBeTrue();
    expect(endpoints.has(`${ISSUER}/bc-authorize`)).toBeTrue();
    expect(endpoints.has(`${ISSUER}/policy`)).toBeFalse();
    expect(endpoints.has(`${ISSUER}/docs`)).toBeFalse();
    expect(isProviderEndpoint(endpoints, `${ISSUER}/PAR/`, APP_ORIGIN)).toBeTrue();
  });

  it('skips malformed and non-string optional endpoints', () => {
    const endpoints = providerEndpoints(ISSUER, { ...DISCOVERY, revocation_endpoint: 'not a url', introspection_endpoint: 42 });

    expect(endpoints.has('not a url')).toBeFalse();
    expect(endpoints.size).toBe(6);
  });

  it('recognises requests to provider endpoints, ignoring query and default port', () => {
    const endpoints = providerEndpoints(ISSUER, DISCOVERY);

    expect(isProviderEndpoint(endpoints, `${ISSUER}/userinfo`, APP_ORIGIN)).toBeTrue();
    expect(isProviderEndpoint(endpoints, `${ISSUER}/oauth/token?x=1`, APP_ORIGIN)).toBeTrue();
    expect(isProviderEndpoint(endpoints, 'https://idp.example.com:443/userinfo', APP_ORIGIN)).toBeTrue();
  });

  for (const path of ['/oauth/token/', '//oauth//token', '/oauth/token;jsessionid=x', '/oauth/%74oken', '/oauth%2ftoken', '/oauth%5Ctoken', '/OAuth/Token', '/oauth/./token', '/x/../oauth/token']) {
    it(`recognises the token endpoint spelled ${path}`, () => {
      expect(isProviderEndpoint(providerEndpoints(ISSUER, DISCOVERY), `${ISSUER}${path}`, APP_ORIGIN)).toBeTrue();
    });
  }

  it('resolves a relative URL against the base it is given', () => {
    const endpoints = providerEndpoints(ISSUER, DISCOVERY);

    expect(isProviderEndpoint(endpoints, 'token', `${ISSUER}/oauth/`)).toBeTrue();
    expect(isProviderEndpoint(endpoints, 'token', `${ISSUER}/`)).toBeFalse();
  });

  it('does not flag other URLs', () => {
    const endpoints = providerEndpoints(ISSUER, DISCOVERY);

    expect(isProviderEndpoint(endpoints, `${ISSUER}/userinfo/extra`, APP_ORIGIN)).toBeFalse();
    expect(isProviderEndpoint(endpoints, 'https://api.example.com/userinfo', APP_ORIGIN)).toBeFalse();
    expect(isProviderEndpoint(endpoints, '/userinfo', APP_ORIGIN)).toBeFalse();
    expect(isProviderEndpoint(endpoints, 'https://', APP_ORIGIN)).toBeFalse();
  });
});
