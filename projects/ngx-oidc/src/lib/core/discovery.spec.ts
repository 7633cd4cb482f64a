import { DISCOVERY, FakeProvider, ISSUER, rejectionOf } from '../../test-support/fake-provider';
import { discoveryUrl, fetchDiscovery, validateDiscovery } from './discovery';

const DISCOVERY_URL = `${ISSUER}/.well-known/openid-configuration`;

describe('discovery', () => {
  let provider: FakeProvider;

  beforeEach(() => {
    provider = new FakeProvider();
  });

  describe('discoveryUrl', () => {
    it('appends the well-known path to the issuer, with or without trailing slash', () => {
      expect(discoveryUrl('https://idp.example.com')).toBe(DISCOVERY_URL);
      expect(discoveryUrl('https://idp.example.com/')).toBe(DISCOVERY_URL);
      expect(discoveryUrl('https://idp.example.com/realms/app')).toBe('https://idp.example.com/realms/app/.well-known/openid-configuration');
    });
  });

  describe('fetchDiscovery', () => {
    it('fetches the document with one GET and returns it', async () => {
      const doc = await fetchDiscovery(ISSUER, provider.fetch);

      expect(doc).toEqual(DISCOVERY);
      expect(provider.requests.length).toBe(1);
      expect(provider.requests[0].url).toBe(DISCOVERY_URL);
      expect(provider.requests[0].method).toBe('GET');
      expect(provider.requests[0].headers['accept']).toBe('application/json');
    });

    it('rejects a document whose issuer is another one with invalid_issuer', async () => {
      provider.discovery = { ...DISCOVERY, issuer: 'https://evil.example.com' };

      const err = await rejectionOf(fetchDiscovery(ISSUER, provider.fetch));

      expect(err.code).toBe('invalid_issuer');
      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'issuer', expected: ISSUER, actual: 'https://evil.example.com' }));
      expect(err.message).toContain('https://evil.example.com');
      expect(err.message).toContain(ISSUER);
    });

    it('names a document of another issuer invalid_issuer even when its endpoints are not https (mix-up first)', async () => {
      provider.discovery = {
        ...DISCOVERY,
        issuer: 'http://evil.example.com',
        authorization_endpoint: 'http://evil.example.com/authorize',
        token_endpoint: 'http://evil.example.com/token',
      };

      expect((await rejectionOf(fetchDiscovery(ISSUER, provider.fetch))).code).toBe('invalid_issuer');
    });

    it('rejects an issuer that differs by more than a trailing slash (path, case)', async () => {
      provider.discovery = { ...DISCOVERY, issuer: `${ISSUER}/tenant` };
      expect((await rejectionOf(fetchDiscovery(ISSUER, provider.fetch))).code).toBe('invalid_issuer');

      provider.discovery = { ...DISCOVERY, issuer: 'https://IDP.example.com' };
      expect((await rejectionOf(fetchDiscovery(ISSUER, provider.fetch))).code).toBe('invalid_issuer');
    });

    it('accepts an issuer that differs only by a trailing slash, keeping the provider spelling', async () => {
      provider.discovery = { ...DISCOVERY, issuer: `${ISSUER}/` };
      expect((await fetchDiscovery(ISSUER, provider.fetch)).issuer).toBe(`${ISSUER}/`);

      provider.discovery = DISCOVERY;
      expect((await fetchDiscovery(`${ISSUER}/`, provider.fetch)).issuer).toBe(ISSUER);
      expect(provider.requests.map((r) => r.url)).toEqual([DISCOVERY_URL, DISCOVERY_URL]);
    });

    for (const field of ['issuer', 'authorization_endpoint', 'jwks_uri', 'token_endpoint']) {
      it(`rejects a document without ${field} with discovery_failed`, async () => {
        const doc: Record<string, unknown> = { ...DISCOVERY };
        delete doc[field];
        provider.on(DISCOVERY_URL, () => ({ status: 200, json: doc }));

        const err = await rejectionOf(fetchDiscovery(ISSUER, provider.fetch));

        expect(err.code).toBe('discovery_failed');
        expect(err.details.claim).toBe(field);
        expect(err.message).toContain(field);
      });
    }

    it('rejects endpoints that are not http(s) URLs', async () => {
      provider.on(DISCOVERY_URL, () => ({ status: 200, json: { ...DISCOVERY, authorization_endpoint: 'javascript:alert(1)' } }));
      expect((await rejectionOf(fetchDiscovery(ISSUER, provider.fetch))).details.claim).toBe('authorization_endpoint');

      provider.on(DISCOVERY_URL, () => ({ status: 200, json: { ...DISCOVERY, jwks_uri: 'not a url' } }));
      expect((await rejectionOf(fetchDiscovery(ISSUER, provider.fetch))).details.claim).toBe('jwks_uri');

      provider.on(DISCOVERY_URL, () => ({ status: 200, json: { ...DISCOVERY, token_endpoint: 42 } }));
      expect((await rejectionOf(fetchDiscovery(ISSUER, provider.fetch))).code).toBe('discovery_failed');
    });

    it('rejects a body that is not JSON with discovery_failed', async () => {
      provider.on(DISCOVERY_URL, () => ({ status: 200, text: '<html>Welcome</html>' }));

      const err = await rejectionOf(fetchDiscovery(ISSUER, provider.fetch));

      expect(err.code).toBe('discovery_failed');
      expect(err.details.status).toBe(200);
    });

    it('rejects an HTTP 500 with discovery_failed and the status', async () => {
      provider.on(DISCOVERY_URL, () => ({ status: 500, text: '<html>Internal Server Error</html>' }));
      let err = await rejectionOf(fetchDiscovery(ISSUER, provider.fetch));
      expect(err.code).toBe('discovery_failed');
      expect(err.details.status).toBe(500);

      provider.on(DISCOVERY_URL, () => ({ status: 500, json: DISCOVERY }));
      err = await rejectionOf(fetchDiscovery(ISSUER, provider.fetch));
      expect(err.code).toBe('discovery_failed');
      expect(err.details.status).toBe(500);
      expect(err.message).toContain('500');
    });

    it('rejects a 404 with discovery_failed', async () => {
      const err = await rejectionOf(fetchDiscovery('https://other.example.com', provider.fetch));

      expect(err.code).toBe('discovery_failed');
      expect(err.details.status).toBe(404);
    });

    it('turns a network failure into network_error', async () => {
      provider.on(DISCOVERY_URL, () => 'network-error');

      const err = await rejectionOf(fetchDiscovery(ISSUER, provider.fetch));

      expect(err.code).toBe('network_error');
      expect(err.message).toContain(DISCOVERY_URL);
    });
  });

  describe('validateDiscovery', () => {
    it('returns the document when it is valid', () => {
      const body = { ...DISCOVERY } as Record<string, unknown>;
      expect(validateDiscovery(body, ISSUER)).toBe(body as never);
    });

    const refusal = (body: Record<string, unknown>, authority = ISSUER) => {
      try {
        validateDiscovery(body, authority);
      } catch (err) {
        return err as { code: string; details: Record<string, unknown> };
      }
      throw new Error('expected validateDiscovery to throw');
    };

    for (const [field, value] of [
      ['end_session_endpoint', 'javascript:alert(document.cookie)'],
      ['end_session_endpoint', 'data:text/html,<script>alert(1)</script>'],
      ['end_session_endpoint', 'http://idp.example.com/logout'],
      ['userinfo_endpoint', 'http://idp.example.com/userinfo'],
      ['revocation_endpoint', 'http://localhost/revoke'],
      ['token_endpoint', 'http://127.0.0.1/token'],
      ['jwks_uri', 'http://idp.example.com/jwks'],
      ['end_session_endpoint', 42],
      ['introspection_endpoint', 'ftp://idp.example.com/introspect'],
    ] as const) {
      it(`refuses ${field} ${String(value)} for an https issuer with discovery_failed`, () => {
        const err = refusal({ ...DISCOVERY, [field]: value });

        expect(err.code).toBe('discovery_failed');
        expect(err.details).toEqual(jasmine.objectContaining({ claim: field, actual: value }));
      });
    }

    it('accepts an absent or null optional endpoint', () => {
      const { end_session_endpoint: _, ...withoutLogout } = DISCOVERY;
      expect(validateDiscovery({ ...withoutLogout }, ISSUER).end_session_endpoint).toBeUndefined();
      expect(validateDiscovery({ ...DISCOVERY, revocation_endpoint: null }, ISSUER).issuer).toBe(ISSUER);
    });

    it('accepts http endpoints on loopback only for a loopback http issuer', () => {
      const local = 'http://localhost:9000';
      const doc = { issuer: local, authorization_endpoint: `${local}/auth`, token_endpoint: 'http://127.0.0.1:9000/token', jwks_uri: 'https://keys.example.com/jwks', end_session_endpoint: `${local}/logout` };

      expect(validateDiscovery(doc, local).token_endpoint).toBe('http://127.0.0.1:9000/token');
      expect(refusal({ ...doc, end_session_endpoint: 'http://idp.example.com/logout' }, local).details['claim']).toBe('end_session_endpoint');
      expect(refusal({ ...doc, end_session_endpoint: 'javascript:alert(1)' }, local).details['claim']).toBe('end_session_endpoint');
    });

    it('refuses a plain http issuer that is not on loopback', () => {
      const issuer = 'http://idp.example.com';
      expect(refusal({ ...DISCOVERY, issuer }, issuer).details['claim']).toBe('issuer');
    });
  });
});
