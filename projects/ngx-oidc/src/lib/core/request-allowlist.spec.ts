import { APP_ORIGIN, DISCOVERY, testConfig } from '../../test-support/fake-provider';
import type { AllowedUrlMatcher } from './allowed-url';
import type { ResolvedAuthConfig } from './config';
import { createRequestAllowlist } from './request-allowlist';

const API = 'https://api.example.com';
const MGMT = 'https://mgmt.example.com';
const IDP = new URL(DISCOVERY.token_endpoint!).origin;
const TOKEN_ENDPOINT = DISCOVERY.token_endpoint!;

/**
 * The configuration with its matchers behind a proxy counting the lookups (`find`), so a spec
 * can tell a remembered answer from a computed one.
 */
function counted(overrides: Record<string, unknown>): { config: ResolvedAuthConfig; lookups: () => number } {
  const config = testConfig(overrides);
  let lookups = 0;
  const allowedUrls = new Proxy(config.allowedUrls as AllowedUrlMatcher[], {
    get(target, property, receiver) {
      if (property === 'find') lookups++;
      return Reflect.get(target, property, receiver);
    },
  });
  return { config: { ...config, allowedUrls }, lookups: () => lookups };
}

describe('createRequestAllowlist', () => {
  describe('without an allowlist', () => {
    it('never matches, and lets a token leave before discovery (known)', () => {
      const allowlist = createRequestAllowlist(testConfig({ allowedUrls: [] }));

      expect(allowlist.known()).toBe(true);
      expect(allowlist.learned()).toBeUndefined();
      expect(allowlist.match(`${API}/v1/items`, 'GET')).toBeUndefined();
      expect(allowlist.match('/api/items', 'POST')).toBeUndefined();
      allowlist.learn(DISCOVERY);
      expect(allowlist.match(`${API}/v1/items`, 'GET')).toBeUndefined();
      expect(allowlist.known()).toBe(true);
    });
  });

  describe('with an allowlist', () => {
    it("is not known until the provider's endpoints are learnt", () => {
      const allowlist = createRequestAllowlist(testConfig());

      expect(allowlist.known()).toBe(false);
      expect(allowlist.learned()).toBeUndefined();
      allowlist.learn(DISCOVERY);
      expect(allowlist.known()).toBe(true);
      expect(allowlist.learned()).toBe(DISCOVERY);
    });

    it('matches per HTTP method, on a segment boundary, relative URLs against the app origin', () => {
      const allowlist = createRequestAllowlist(testConfig({ allowedUrls: [{ uri: `${API}/v1`, httpMethod: 'GET' }, MGMT, '/api'] }));

      expect(allowlist.match(`${API}/v1/items`, 'GET')?.path).toBe('/v1');
      expect(allowlist.match(`${API}/v1/items`, 'get')?.path).withContext('methods compare upper-cased').toBe('/v1');
      expect(allowlist.match(`${API}/v1/items`, 'POST')).toBeUndefined();
      expect(allowlist.match(`${API}/v10/items`, 'GET')).toBeUndefined();
      expect(allowlist.match(`${MGMT}/users`, 'DELETE')?.origin).toBe(MGMT);
      expect(allowlist.match('/api/orders', 'PUT')?.origin).toBe(APP_ORIGIN);
      expect(allowlist.match(`${APP_ORIGIN}/apix`, 'PUT')).toBeUndefined();
      // Asked again (remembered now): the same answers, per method.
      expect(allowlist.match(`${API}/v1/items`, 'POST')).toBeUndefined();
      expect(allowlist.match(`${API}/v1/items`, 'GET')?.path).toBe('/v1');
    });

    it("never matches the provider's endpoints once learnt, under any spelling; other paths on its origin still match", () => {
      const allowlist = createRequestAllowlist(testConfig({ allowedUrls: [`${IDP}/oauth`, `${IDP}/.well-known`, `${IDP}/api`] }));

      // Before discovery only the discovery document is known to be the provider's.
      expect(allowlist.match(`${IDP}/.well-known/openid-configuration`, 'GET')).toBeUndefined();
      expect(allowlist.match(TOKEN_ENDPOINT, 'POST')?.path).toBe('/oauth');
      expect(allowlist.match(DISCOVERY.jwks_uri, 'GET')?.path).toBe('/.well-known');

      allowlist.learn(DISCOVERY);

      // Each spelling is under the /oauth entry: only the endpoint check withholds the token.
      for (const url of [TOKEN_ENDPOINT, `${IDP}/oauth/token/`, `${IDP}/oauth//token`, `${IDP}/oauth/token;x`, `${IDP}/oauth/%74oken`]) {
        expect(allowlist.match(url, 'POST')).withContext(url).toBeUndefined();
      }
      expect(allowlist.match(DISCOVERY.jwks_uri, 'GET')).toBeUndefined();
      expect(allowlist.match(`${IDP}/oauth/other`, 'POST')?.path).toBe('/oauth');
      expect(allowlist.match(`${IDP}/api/orders`, 'GET')?.path).toBe('/api');
    });

    it('never matches the pushed authorization request endpoint (RFC 9126), nor any other "…_endpoint" of the document', () => {
      const allowlist = createRequestAllowlist(testConfig({ allowedUrls: [`${IDP}/oauth`] }));
      const par = `${IDP}/oauth/par`;
      const device = `${IDP}/oauth/device/code`;
      expect(allowlist.match(par, 'POST')?.path).withContext('not an endpoint yet').toBe('/oauth');

      allowlist.learn({ ...DISCOVERY, pushed_authorization_request_endpoint: par, device_authorization_endpoint: device });

      expect(allowlist.match(par, 'POST')).toBeUndefined();
      expect(allowlist.match(`${IDP}/oauth/par/`, 'POST')).toBeUndefined();
      expect(allowlist.match(device, 'POST')).toBeUndefined();
      expect(allowlist.match(`${IDP}/oauth/other`, 'POST')?.path).toBe('/oauth');
    });

    it('forgets the answers of the endpoints a moved discovery document no longer names', () => {
      const allowlist = createRequestAllowlist(testConfig({ allowedUrls: [`${IDP}/oauth`] }));
      allowlist.learn(DISCOVERY);
      const moved = `${IDP}/oauth/v2/token`;
      expect(allowlist.match(TOKEN_ENDPOINT, 'POST')).toBeUndefined();
      expect(allowlist.match(moved, 'POST')?.path).withContext('not an endpoint yet').toBe('/oauth');

      const next = { ...DISCOVERY, token_endpoint: moved };
      allowlist.learn(next);

      expect(allowlist.learned()).toBe(next);
      expect(allowlist.match(moved, 'POST')).withContext('the answer remembered before is forgotten').toBeUndefined();
      expect(allowlist.match(TOKEN_ENDPOINT, 'POST')?.path).withContext('no longer an endpoint').toBe('/oauth');
    });

    it('remembers an answer per method and URL', () => {
      const { config, lookups } = counted({ allowedUrls: [`${API}/v1`] });
      const allowlist = createRequestAllowlist(config);

      allowlist.match(`${API}/v1/a`, 'GET');
      allowlist.match(`${API}/v2/a`, 'GET');
      expect(lookups()).toBe(2);
      expect(allowlist.match(`${API}/v1/a`, 'GET')?.path).toBe('/v1');
      expect(allowlist.match(`${API}/v2/a`, 'GET')).withContext('a remembered "no"').toBeUndefined();
      expect(lookups()).toBe(2);
      allowlist.match(`${API}/v1/a`, 'POST');
      expect(lookups()).withContext('another method is another answer').toBe(3);

      allowlist.learn(DISCOVERY);
      allowlist.match(`${API}/v1/a`, 'GET');
      expect(lookups()).withContext('learn() starts over').toBe(4);
    });

    it('keeps at most 256 answers per method: the 257th URL starts that method over', () => {
      const { config, lookups } = counted({ allowedUrls: [`${API}/v1`] });
      const allowlist = createRequestAllowlist(config);
      const url = (i: number) => `${API}/v${i % 2 ? 1 : 2}/items/${i}`;

      for (let i = 0; i < 256; i++) allowlist.match(url(i), 'GET');
      allowlist.match(`${API}/v1/items/0`, 'POST');
      expect(lookups()).toBe(257);
      for (let i = 0; i < 256; i++) expect(allowlist.match(url(i), 'GET')?.path).toBe(i % 2 ? '/v1' : undefined);
      expect(lookups()).withContext('all 256 remembered').toBe(257);

      expect(allowlist.match(url(256), 'GET')).toBeUndefined();
      expect(allowlist.match(url(257), 'GET')?.path).toBe('/v1');
      expect(lookups()).toBe(259);
      expect(allowlist.match(url(1), 'GET')?.path).withContext('forgotten, computed again').toBe('/v1');
      expect(allowlist.match(url(0), 'GET')).toBeUndefined();
      expect(lookups()).toBe(261);
      allowlist.match(`${API}/v1/items/0`, 'POST');
      expect(lookups()).withContext("the other method's answers stay").toBe(261);
    });

    it('keeps answers for at most 8 methods: a 9th starts over', () => {
      const { config, lookups } = counted({ allowedUrls: [MGMT] });
      const allowlist = createRequestAllowlist(config);

      for (let m = 0; m < 8; m++) allowlist.match(`${MGMT}/users`, `M${m}`);
      for (let m = 0; m < 8; m++) expect(allowlist.match(`${MGMT}/users`, `M${m}`)?.origin).toBe(MGMT);
      expect(lookups()).toBe(8);

      expect(allowlist.match(`${MGMT}/users`, 'M8')?.origin).toBe(MGMT);
      expect(lookups()).toBe(9);
      expect(allowlist.match(`${MGMT}/users`, 'M8')?.origin).toBe(MGMT);
      expect(lookups()).withContext('the 9th is remembered').toBe(9);
      expect(allowlist.match(`${MGMT}/users`, 'M0')?.origin).toBe(MGMT);
      expect(lookups()).withContext('the first 8 were forgotten').toBe(10);
    });

    it('answers right past both bounds, round after round', () => {
      const allowlist = createRequestAllowlist(testConfig({ allowedUrls: [{ uri: `${API}/v1`, httpMethod: 'GET' }, MGMT] }));
      for (let round = 1; round <= 2; round++) {
        for (let i = 0; i < 600; i++) {
          expect(allowlist.match(`${API}/v1/items/${i}`, 'GET')?.path).withContext(`round ${round}, GET ${i}`).toBe('/v1');
          expect(allowlist.match(`${API}/v1/items/${i}`, 'POST')).withContext(`round ${round}, POST ${i}`).toBeUndefined();
          expect(allowlist.match(`${API}/v10/items/${i}`, 'GET')).withContext(`round ${round}, /v10 ${i}`).toBeUndefined();
        }
        for (let m = 0; m < 20; m++) {
          expect(allowlist.match(`${MGMT}/users`, `M${m}`)?.origin).withContext(`round ${round}, M${m}`).toBe(MGMT);
          expect(allowlist.match(`${API}/v1/items/1`, `M${m}`)).withContext(`round ${round}, API with M${m}`).toBeUndefined();
        }
      }
    });
  });
});
