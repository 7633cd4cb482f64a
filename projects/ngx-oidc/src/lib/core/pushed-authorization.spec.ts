import { FakeAuthServer, ManualClock } from '../../test-support/fake-platform';
import {
  APP_ORIGIN,
  CLIENT_ID,
  createKey,
  DISCOVERY,
  FakeProvider,
  ISSUER,
  NOW,
  rejectionOf,
  testConfig,
  type FakeRoute,
  type TestKey,
} from '../../test-support/fake-provider';
import type { ProtocolFeatures } from './features';
import { completeLogin, startLogin, type FlowContext } from './login-flow';
import { createMetadataCache } from './metadata-cache';
import { calculateCodeChallenge } from './pkce';
import { pushAuthorizationRequest, type PushedAuthorizationMode } from './pushed-authorization';
import { silentLogin } from './silent-auth';
import { MemoryStorage } from './storage';
import type { DiscoveryDocument } from './types';

const PAR_ENDPOINT = `${ISSUER}/oauth/par`;
const REQUEST_URI = 'urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c';
const WITH_PAR: DiscoveryDocument = { ...DISCOVERY, pushed_authorization_request_endpoint: PAR_ENDPOINT };

/** The URL buildAuthorizeUrl() makes for a login (abridged). */
function authorizeUrl(endpoint = DISCOVERY.authorization_endpoint): string {
  const url = new URL(endpoint);
  for (const [name, value] of Object.entries({
    client_id: CLIENT_ID,
    redirect_uri: 'https://app.example.com/callback',
    response_type: 'code',
    scope: 'openid profile',
    state: 'state-123',
    nonce: 'nonce-456',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    acr_values: 'urn:mace:incommon:iap:silver',
    max_age: '300',
    audience: 'https://api.example.com',
  })) {
    url.searchParams.set(name, value);
  }
  return url.toString();
}

/** RFC 9126 §2.2's example answer. */
const created: FakeRoute = () => ({ status: 201, json: { request_uri: REQUEST_URI, expires_in: 60 } });

describe('pushAuthorizationRequest', () => {
  let provider: FakeProvider;

  beforeEach(() => {
    provider = new FakeProvider();
  });

  it('POSTs every authorization parameter, form-encoded with client_id, and returns a URL with client_id and request_uri only', async () => {
    provider.on(PAR_ENDPOINT, created);

    const url = new URL(await pushAuthorizationRequest(WITH_PAR, authorizeUrl(), provider.fetch, 'auto'));

    expect(provider.requests.length).toBe(1);
    const [request] = provider.requests;
    expect(request.url).toBe(PAR_ENDPOINT);
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers['accept']).toBe('application/json');
    expect(request.headers['authorization']).toBeUndefined();
    expect([...new URLSearchParams(request.body)]).toEqual([...new URL(authorizeUrl()).searchParams]);
    expect(url.origin + url.pathname).toBe(DISCOVERY.authorization_endpoint);
    expect([...url.searchParams]).toEqual([
      ['client_id', CLIENT_ID],
      ['request_uri', REQUEST_URI],
    ]);
  });

  it("keeps the authorization endpoint's own query on the URL and out of the push (RFC 6749 §3.1)", async () => {
    const endpoint = `${ISSUER}/authorize?p=b2c_1_signin`;
    provider.on(PAR_ENDPOINT, created);

    const url = new URL(await pushAuthorizationRequest({ ...WITH_PAR, authorization_endpoint: endpoint }, authorizeUrl(endpoint), provider.fetch, 'required'));

    expect(new URLSearchParams(provider.requests[0].body).has('p')).toBeFalse();
    expect([...url.searchParams]).toEqual([
      ['p', 'b2c_1_signin'],
      ['client_id', CLIENT_ID],
      ['request_uri', REQUEST_URI],
    ]);
  });

  describe("mode 'auto'", () => {
    it('returns the URL unchanged, without a request, when the provider has no PAR endpoint', async () => {
      const url = authorizeUrl();

      expect(await pushAuthorizationRequest(DISCOVERY, url, provider.fetch, 'auto')).toBe(url);
      expect(provider.requests).toEqual([]);
    });

    it('fails with par_unavailable when the provider requires PAR but advertises no endpoint', async () => {
      const err = await rejectionOf(pushAuthorizationRequest({ ...DISCOVERY, require_pushed_authorization_requests: true }, authorizeUrl(), provider.fetch, 'auto'));

      expect(err.code).toBe('par_unavailable');
      expect(err.details.claim).toBe('pushed_authorization_request_endpoint');
      expect(err.message).toContain('require_pushed_authorization_requests');
      expect(provider.requests).toEqual([]);
    });
  });

  describe("mode 'required'", () => {
    it('fails with par_unavailable, never falling back to the URL, when the provider has no PAR endpoint', async () => {
      for (const discovery of [DISCOVERY, { ...DISCOVERY, pushed_authorization_request_endpoint: null }] as DiscoveryDocument[]) {
        const err = await rejectionOf(pushAuthorizationRequest(discovery, authorizeUrl(), provider.fetch, 'required'));

        expect(err.code).toBe('par_unavailable');
        expect(err.message).toContain("mode: 'required'");
      }
      expect(provider.requests).toEqual([]);
    });

    it('pushes when the provider has the endpoint', async () => {
      provider.on(PAR_ENDPOINT, created);

      const url = new URL(await pushAuthorizationRequest(WITH_PAR, authorizeUrl(), provider.fetch, 'required'));

      expect(url.searchParams.get('request_uri')).toBe(REQUEST_URI);
      expect(provider.requestsTo(PAR_ENDPOINT).length).toBe(1);
    });
  });

  it('refuses a PAR endpoint that is not https (or loopback http for a loopback issuer) with discovery_failed, sending nothing', async () => {
    for (const endpoint of ['http://idp.example.com/par', 'javascript:alert(1)', 'not a url', '', 42]) {
      const discovery = { ...DISCOVERY, pushed_authorization_request_endpoint: endpoint } as DiscoveryDocument;
      const err = await rejectionOf(pushAuthorizationRequest(discovery, authorizeUrl(), provider.fetch, 'auto'));

      expect(err.code).withContext(String(endpoint)).toBe('discovery_failed');
      expect(err.details.claim).toBe('pushed_authorization_request_endpoint');
    }
    expect(provider.requests).toEqual([]);
  });

  it('accepts a loopback http PAR endpoint of a loopback issuer', async () => {
    const issuer = 'http://localhost:9000';
    provider.on(`${issuer}/par`, created);
    const discovery = { ...DISCOVERY, issuer, authorization_endpoint: `${issuer}/auth`, pushed_authorization_request_endpoint: `${issuer}/par` };

    const url = new URL(await pushAuthorizationRequest(discovery, authorizeUrl(`${issuer}/auth`), provider.fetch, 'auto'));

    expect(url.origin + url.pathname).toBe(`${issuer}/auth`);
    expect(url.searchParams.get('request_uri')).toBe(REQUEST_URI);
  });

  describe('error answers (RFC 9126 §2.3)', () => {
    it('turns an OAuth error into par_request_failed with error, error_description and status', async () => {
      provider.on(PAR_ENDPOINT, () => ({ status: 400, json: { error: 'invalid_request', error_description: 'The redirect_uri is not registered.' } }));

      const err = await rejectionOf(pushAuthorizationRequest(WITH_PAR, authorizeUrl(), provider.fetch, 'auto'));

      expect(err.code).toBe('par_request_failed');
      expect(err.details).toEqual(jasmine.objectContaining({ status: 400, error: 'invalid_request', error_description: 'The redirect_uri is not registered.' }));
      expect(err.message).toContain('invalid_request: The redirect_uri is not registered.');
    });

    it('reports any other status as par_request_failed with the status, including a 200 (success is 201)', async () => {
      for (const status of [405, 413, 429, 500, 200]) {
        provider.on(PAR_ENDPOINT, () => ({ status, json: status === 200 ? { request_uri: REQUEST_URI, expires_in: 60 } : {} }));

        const err = await rejectionOf(pushAuthorizationRequest(WITH_PAR, authorizeUrl(), provider.fetch, 'auto'));

        expect(err.code).withContext(String(status)).toBe('par_request_failed');
        expect(err.details.status).toBe(status);
        expect(err.details.error).toBeUndefined();
      }
    });

    it('reports a body that is not a JSON object as par_request_failed', async () => {
      for (const route of [() => ({ status: 201, text: '<html>' }), () => ({ status: 502, text: 'Bad Gateway' }), () => ({ status: 201, json: [REQUEST_URI] })] as FakeRoute[]) {
        provider.on(PAR_ENDPOINT, route);

        const err = await rejectionOf(pushAuthorizationRequest(WITH_PAR, authorizeUrl(), provider.fetch, 'auto'));

        expect(err.code).toBe('par_request_failed');
      }
    });

    it('reports a network failure as network_error, without a retry (a POST)', async () => {
      provider.on(PAR_ENDPOINT, () => 'network-error');

      const err = await rejectionOf(pushAuthorizationRequest(WITH_PAR, authorizeUrl(), provider.fetch, 'auto'));

      expect(err.code).toBe('network_error');
      expect(provider.requestsTo(PAR_ENDPOINT).length).toBe(1);
    });
  });

  describe('malformed 201 answers', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['no request_uri', { expires_in: 60 }, 'request_uri'],
      ['an empty request_uri', { request_uri: '', expires_in: 60 }, 'request_uri'],
      ['a request_uri that is not a string', { request_uri: 42, expires_in: 60 }, 'request_uri'],
      ['no expires_in', { request_uri: REQUEST_URI }, 'expires_in'],
      ['expires_in as a string', { request_uri: REQUEST_URI, expires_in: '60' }, 'expires_in'],
      ['expires_in 0', { request_uri: REQUEST_URI, expires_in: 0 }, 'expires_in'],
      ['a negative expires_in', { request_uri: REQUEST_URI, expires_in: -5 }, 'expires_in'],
    ];
    for (const [what, json, claim] of cases) {
      it(`refuses ${what} with invalid_response naming ${claim}`, async () => {
        provider.on(PAR_ENDPOINT, () => ({ status: 201, json }));

        const err = await rejectionOf(pushAuthorizationRequest(WITH_PAR, authorizeUrl(), provider.fetch, 'auto'));

        expect(err.code).toBe('invalid_response');
        expect(err.details.claim).toBe(claim);
      });
    }
  });
});

/**
 * The provider's side of PAR: keeps each pushed form under a fresh single-use `request_uri`
 * (RFC 9126 §2.2) and turns an authorization URL that refers to one back into the request.
 */
class PushedRequests {
  readonly forms = new Map<string, URLSearchParams>();
  private count = 0;

  constructor(provider: FakeProvider) {
    provider.on(PAR_ENDPOINT, (req) => {
      const requestUri = `urn:ietf:params:oauth:request_uri:req-${++this.count}`;
      this.forms.set(requestUri, new URLSearchParams(req.body));
      return { status: 201, json: { request_uri: requestUri, expires_in: 60 } };
    });
  }

  /** The authorization request `url` refers to, as the authorization endpoint reads it (§4). */
  resolve(url: string): string {
    const q = new URL(url).searchParams;
    const form = this.forms.get(q.get('request_uri')!);
    this.forms.delete(q.get('request_uri')!);
    if (!form || form.get('client_id') !== q.get('client_id')) throw new Error(`unknown request_uri in ${url}`);
    return `${DISCOVERY.authorization_endpoint}?${form}`;
  }
}

describe('logins through PAR', () => {
  let key: TestKey;
  let provider: FakeProvider;
  let server: FakeAuthServer;
  let pushed: PushedRequests;
  let transactions: MemoryStorage;
  let ctx: FlowContext;

  beforeAll(async () => {
    key = await createKey('k1');
  });

  beforeEach(() => {
    provider = new FakeProvider();
    provider.discovery = WITH_PAR;
    server = new FakeAuthServer(provider, key, new ManualClock(NOW));
    pushed = new PushedRequests(provider);
    transactions = new MemoryStorage();
    ctx = {
      config: testConfig(),
      fetch: provider.fetch,
      transactions,
      now: () => NOW,
      metadata: createMetadataCache(ISSUER, provider.fetch, new MemoryStorage(), () => NOW),
      features: withPar('auto'),
    };
  });

  function withPar(mode: PushedAuthorizationMode): ProtocolFeatures {
    return { par: (discovery, url, fetchFn) => pushAuthorizationRequest(discovery, url, fetchFn, mode) };
  }

  describe('redirect login (startLogin)', () => {
    it('sends the browser to the authorization endpoint with client_id and request_uri only; the login options were pushed', async () => {
      const { url, transaction } = await startLogin(ctx, { acrValues: 'gold', maxAge: 60, loginHint: 'alice@example.com', audience: 'https://orders.example.com' });

      const parsed = new URL(url);
      expect(parsed.origin + parsed.pathname).toBe(DISCOVERY.authorization_endpoint);
      expect([...parsed.searchParams.keys()]).toEqual(['client_id', 'request_uri']);
      expect(parsed.searchParams.get('client_id')).toBe(CLIENT_ID);
      const [form] = [...pushed.forms.values()];
      expect(form.get('client_id')).toBe(CLIENT_ID);
      expect(form.get('redirect_uri')).toBe(`${APP_ORIGIN}/callback`);
      expect(form.get('state')).toBe(transaction.state);
      expect(form.get('nonce')).toBe(transaction.nonce);
      expect(form.get('code_challenge')).toBe(await calculateCodeChallenge(transaction.codeVerifier));
      expect(form.get('code_challenge_method')).toBe('S256');
      expect(form.get('acr_values')).toBe('gold');
      expect(form.get('max_age')).toBe('60');
      expect(form.get('login_hint')).toBe('alice@example.com');
      expect(form.get('audience')).toBe('https://orders.example.com');
      expect(form.has('request_uri')).toBeFalse();
      expect(transactions.length).toBe(1);
    });

    it('completes like any login: the callback matches the stored transaction', async () => {
      const { url } = await startLogin(ctx);
      const callback = await server.silentSuccess()(pushed.resolve(url), 0);

      const result = await completeLogin(ctx, callback);

      expect(result.tokens.claims.sub).toBe('alice');
      expect(server.tokenRequests('authorization_code').length).toBe(1);
    });

    it("in mode 'auto', sends the parameters in the URL when the provider has no PAR endpoint", async () => {
      provider.discovery = DISCOVERY;

      const { url, transaction } = await startLogin(ctx);

      expect(new URL(url).searchParams.get('state')).toBe(transaction.state);
      expect(new URL(url).searchParams.has('request_uri')).toBeFalse();
      expect(provider.requestsTo(PAR_ENDPOINT)).toEqual([]);
    });

    it("in mode 'required', fails with par_unavailable when the provider has no PAR endpoint, storing nothing", async () => {
      provider.discovery = DISCOVERY;

      const err = await rejectionOf(startLogin({ ...ctx, features: withPar('required') }));

      expect(err.code).toBe('par_unavailable');
      expect(transactions.length).toBe(0);
    });

    it('stores nothing when the push is refused, fails or is answered malformed', async () => {
      const answers: FakeRoute[] = [
        () => ({ status: 400, json: { error: 'invalid_scope' } }),
        () => 'network-error',
        () => ({ status: 201, json: { expires_in: 60 } }),
      ];
      const codes: string[] = [];
      for (const answer of answers) {
        provider.on(PAR_ENDPOINT, answer);
        codes.push((await rejectionOf(startLogin(ctx))).code);
      }

      expect(codes).toEqual(['par_request_failed', 'network_error', 'invalid_response']);
      expect(transactions.length).toBe(0);
    });

    it('refuses a provider that requires PAR when the app did not add the feature, before any push, storing nothing', async () => {
      provider.discovery = { ...WITH_PAR, require_pushed_authorization_requests: true };

      const err = await rejectionOf(startLogin({ ...ctx, features: {} }));

      expect(err.code).toBe('invalid_configuration');
      expect(err.details.expected).toBe('withPushedAuthorizationRequests()');
      expect(err.message).toContain('withPushedAuthorizationRequests()');
      expect(provider.requestsTo(PAR_ENDPOINT)).toEqual([]);
      expect(transactions.length).toBe(0);
    });

    it('pushes for a provider that requires PAR, in either mode', async () => {
      provider.discovery = { ...WITH_PAR, require_pushed_authorization_requests: true };

      for (const mode of ['auto', 'required'] as const) {
        const { url } = await startLogin({ ...ctx, features: withPar(mode) });
        expect([...new URL(url).searchParams.keys()]).withContext(mode).toEqual(['client_id', 'request_uri']);
      }
    });
  });

  describe('silent login', () => {
    it('pushes the prompt=none request and loads only client_id and request_uri in the frame', async () => {
      const frames: string[] = [];
      const silentUri = `${APP_ORIGIN}/silent-callback.html`;

      const result = await silentLogin(ctx, silentUri, { idTokenHint: 'the.id.token' }, (url, timeoutMs) => {
        frames.push(url);
        return server.silentSuccess()(pushed.resolve(url), timeoutMs);
      });

      expect(result.tokens.claims.sub).toBe('alice');
      expect([...new URL(frames[0]).searchParams.keys()]).toEqual(['client_id', 'request_uri']);
      const form = new URLSearchParams(provider.requestsTo(PAR_ENDPOINT)[0].body);
      expect(form.get('prompt')).toBe('none');
      expect(form.get('redirect_uri')).toBe(silentUri);
      expect(form.get('id_token_hint')).toBe('the.id.token');
      expect(server.tokenRequests('authorization_code')[0].get('redirect_uri')).toBe(silentUri);
    });

    it('fails without loading a frame when the push is refused', async () => {
      provider.on(PAR_ENDPOINT, () => ({ status: 400, json: { error: 'invalid_request' } }));
      const frames: string[] = [];

      const err = await rejectionOf(
        silentLogin(ctx, `${APP_ORIGIN}/silent-callback.html`, {}, async (url) => {
          frames.push(url);
          return url;
        }),
      );

      expect(err.code).toBe('par_request_failed');
      expect(frames).toEqual([]);
      expect(transactions.length).toBe(0);
    });
  });
});
