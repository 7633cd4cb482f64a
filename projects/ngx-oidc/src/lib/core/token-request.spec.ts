import { DISCOVERY, FakeProvider, rejectionOf, tokenRoute } from '../../test-support/fake-provider';
import { exchangeCode, requestTokens, validateTokenResponse } from './token-request';

const TOKEN_ENDPOINT = DISCOVERY.token_endpoint!;
const GRANT = {
  code: 'auth-code-1',
  codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
  redirectUri: 'https://app.example.com/callback',
  clientId: 'spa-client',
};

describe('token request', () => {
  let provider: FakeProvider;

  beforeEach(() => {
    provider = new FakeProvider();
    provider.on(TOKEN_ENDPOINT, tokenRoute('id.token.jwt'));
  });

  describe('exchangeCode', () => {
    it('posts the code grant with the PKCE verifier as a form, without any Authorization header', async () => {
      await exchangeCode(DISCOVERY, GRANT, provider.fetch);

      expect(provider.requests.length).toBe(1);
      const req = provider.requests[0];
      expect(req.url).toBe(TOKEN_ENDPOINT);
      expect(req.method).toBe('POST');
      expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(req.headers['authorization']).toBeUndefined();
      const body = new URLSearchParams(req.body);
      expect(Object.fromEntries(body)).toEqual({
        grant_type: 'authorization_code',
        code: 'auth-code-1',
        redirect_uri: 'https://app.example.com/callback',
        client_id: 'spa-client',
        code_verifier: GRANT.codeVerifier,
      });
      expect(body.has('client_secret')).toBeFalse();
    });

    it('returns the token response', async () => {
      const response = await exchangeCode(DISCOVERY, GRANT, provider.fetch);

      expect(response).toEqual(jasmine.objectContaining({ access_token: 'access-token-1', token_type: 'Bearer', expires_in: 3600, id_token: 'id.token.jwt' }));
    });

    it('turns invalid_grant into token_request_failed with the OAuth error, sending exactly one request', async () => {
      provider.on(TOKEN_ENDPOINT, () => ({ status: 400, json: { error: 'invalid_grant', error_description: 'Code already used' } }));

      const err = await rejectionOf(exchangeCode(DISCOVERY, GRANT, provider.fetch));

      expect(err.code).toBe('token_request_failed');
      expect(err.details).toEqual(jasmine.objectContaining({ status: 400, error: 'invalid_grant', error_description: 'Code already used' }));
      expect(err.message).toContain('invalid_grant');
      expect(err.message).not.toContain(GRANT.code);
      expect(err.message).not.toContain(GRANT.codeVerifier);
      expect(provider.requestsTo(TOKEN_ENDPOINT).length).toBe(1);
    });

    it('turns an HTML 500 into token_request_failed with the status, without retrying', async () => {
      provider.on(TOKEN_ENDPOINT, () => ({ status: 500, text: '<html><body>Internal Server Error</body></html>' }));

      const err = await rejectionOf(exchangeCode(DISCOVERY, GRANT, provider.fetch));

      expect(err.code).toBe('token_request_failed');
      expect(err.details.status).toBe(500);
      expect(provider.requests.length).toBe(1);
    });

    it('turns a JSON error without "error" into token_request_failed naming the status', async () => {
      provider.on(TOKEN_ENDPOINT, () => ({ status: 503, json: { message: 'maintenance' } }));

      const err = await rejectionOf(exchangeCode(DISCOVERY, GRANT, provider.fetch));

      expect(err.code).toBe('token_request_failed');
      expect(err.details.status).toBe(503);
      expect(err.details.error).toBeUndefined();
      expect(err.message).toContain('HTTP 503');
    });

    it('turns a network failure into network_error, without retrying', async () => {
      provider.on(TOKEN_ENDPOINT, () => 'network-error');

      const err = await rejectionOf(exchangeCode(DISCOVERY, GRANT, provider.fetch));

      expect(err.code).toBe('network_error');
      expect(provider.requests.length).toBe(1);
    });

    it('refuses a 200 answer whose token_type is not Bearer', async () => {
      provider.on(TOKEN_ENDPOINT, tokenRoute('id.token.jwt', { token_type: 'DPoP' }));

      const err = await rejectionOf(exchangeCode(DISCOVERY, GRANT, provider.fetch));

      expect(err.code).toBe('invalid_response');
      expect(err.details.claim).toBe('token_type');
      expect(err.message).toContain('DPoP');
      expect(provider.requests.length).toBe(1);
    });

    it('refuses a 200 answer without access_token', async () => {
      provider.on(TOKEN_ENDPOINT, tokenRoute('id.token.jwt', { access_token: undefined }));

      const err = await rejectionOf(exchangeCode(DISCOVERY, GRANT, provider.fetch));

      expect(err.code).toBe('invalid_response');
      expect(err.details.claim).toBe('access_token');
    });

    it('fails with discovery_failed when the provider has no token endpoint', async () => {
      const err = await rejectionOf(exchangeCode({ ...DISCOVERY, token_endpoint: undefined }, GRANT, provider.fetch));

      expect(err.code).toBe('discovery_failed');
      expect(provider.requests.length).toBe(0);
    });
  });

  describe('requestTokens', () => {
    it('posts any grant body as given', async () => {
      await requestTokens(DISCOVERY, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'rt' }), provider.fetch);

      expect(provider.requests[0].body).toBe('grant_type=refresh_token&refresh_token=rt');
    });
  });

  describe('validateTokenResponse', () => {
    const valid = { access_token: 'at', token_type: 'Bearer' };

    it('accepts a minimal Bearer response and a lower-case token type', () => {
      expect(validateTokenResponse(valid)).toEqual(valid);
      expect(validateTokenResponse({ ...valid, token_type: 'bearer' }).token_type).toBe('bearer');
    });

    it('refuses an empty access_token', () => {
      expect(() => validateTokenResponse({ ...valid, access_token: '' })).toThrow(jasmine.objectContaining({ code: 'invalid_response' }));
    });

    it('refuses a missing token_type', () => {
      expect(() => validateTokenResponse({ access_token: 'at' })).toThrow(jasmine.objectContaining({ code: 'invalid_response', details: { claim: 'token_type' } }));
    });

    it('refuses a negative or non-numeric expires_in', () => {
      expect(() => validateTokenResponse({ ...valid, expires_in: -1 })).toThrow(jasmine.objectContaining({ details: { claim: 'expires_in' } }));
      expect(() => validateTokenResponse({ ...valid, expires_in: '3600' })).toThrow(jasmine.objectContaining({ details: { claim: 'expires_in' } }));
    });

    it('refuses id_token, refresh_token or scope that are not strings', () => {
      for (const field of ['id_token', 'refresh_token', 'scope']) {
        expect(() => validateTokenResponse({ ...valid, [field]: 42 }))
          .withContext(field)
          .toThrow(jasmine.objectContaining({ code: 'invalid_response', details: { claim: field } }));
      }
    });
  });
});
