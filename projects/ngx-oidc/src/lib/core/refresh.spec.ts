import { CLIENT_ID, createKey, DISCOVERY, FakeProvider, rejectionOf, type TestKey } from '../../test-support/fake-provider';
import { refreshTokens, type RefreshGrant } from './refresh';

const TOKEN_ENDPOINT = DISCOVERY.token_endpoint!;

describe('refresh', () => {
  let key: TestKey;
  let provider: FakeProvider;

  beforeAll(async () => {
    key = await createKey('k1');
  });

  beforeEach(() => {
    provider = new FakeProvider();
    provider.keys = [key.jwk];
  });

  function grant(overrides: Partial<RefreshGrant> = {}): RefreshGrant {
    return { refreshToken: 'refresh-token-0', clientId: CLIENT_ID, audienceParameter: 'audience', ...overrides };
  }

  function answer(status: number, json: unknown): void {
    provider.on(TOKEN_ENDPOINT, () => ({ status, json }));
  }

  function sentBody(): URLSearchParams {
    expect(provider.requestsTo(TOKEN_ENDPOINT).length).toBe(1);
    return new URLSearchParams(provider.requestsTo(TOKEN_ENDPOINT)[0].body);
  }

  describe('refreshTokens', () => {
    beforeEach(() => answer(200, { access_token: 'access-token-1', token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-token-1' }));

    it('posts a refresh_token grant with the refresh token and client id, and returns the response', async () => {
      const response = await refreshTokens(DISCOVERY, grant(), provider.fetch);

      expect(provider.requests.length).toBe(1);
      expect(provider.requests[0].method).toBe('POST');
      expect(provider.requests[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
      const body = sentBody();
      expect(body.get('grant_type')).toBe('refresh_token');
      expect(body.get('refresh_token')).toBe('refresh-token-0');
      expect(body.get('client_id')).toBe(CLIENT_ID);
      expect(body.has('scope')).toBeFalse();
      expect(body.has('audience')).toBeFalse();
      expect(body.has('resource')).toBeFalse();
      expect(response.access_token).toBe('access-token-1');
      expect(response.refresh_token).toBe('refresh-token-1');
    });

    it('sends scope only when one is given', async () => {
      await refreshTokens(DISCOVERY, grant({ scope: 'read:current_user' }), provider.fetch);

      expect(sentBody().get('scope')).toBe('read:current_user');
    });

    it('sends the audience as "audience" (Auth0 style)', async () => {
      await refreshTokens(DISCOVERY, grant({ audience: 'https://mgmt.example.com', audienceParameter: 'audience' }), provider.fetch);

      const body = sentBody();
      expect(body.get('audience')).toBe('https://mgmt.example.com');
      expect(body.has('resource')).toBeFalse();
    });

    it('sends the audience as "resource" (RFC 8707) when configured so', async () => {
      await refreshTokens(DISCOVERY, grant({ audience: 'https://mgmt.example.com', audienceParameter: 'resource' }), provider.fetch);

      const body = sentBody();
      expect(body.get('resource')).toBe('https://mgmt.example.com');
      expect(body.has('audience')).toBeFalse();
    });

    it('turns invalid_grant into login_required, keeping the provider error in details', async () => {
      answer(400, { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });

      const err = await rejectionOf(refreshTokens(DISCOVERY, grant(), provider.fetch));

      expect(err.code).toBe('login_required');
      expect(err.details.error).toBe('invalid_grant');
      expect(err.details.error_description).toBe('Unknown or invalid refresh token.');
      expect(err.details.status).toBe(400);
      expect(err.message).toContain('Unknown or invalid refresh token.');
      expect(err.message).not.toContain('refresh-token-0');
    });

    it('reports other OAuth errors as token_request_failed with the provider error', async () => {
      answer(400, { error: 'invalid_target', error_description: 'The audience is not allowed.' });

      const err = await rejectionOf(refreshTokens(DISCOVERY, grant({ audience: 'https://mgmt.example.com' }), provider.fetch));

      expect(err.code).toBe('token_request_failed');
      expect(err.details.error).toBe('invalid_target');
      expect(err.details.status).toBe(400);
    });

    it('never retries after a network error: exactly one request', async () => {
      provider.on(TOKEN_ENDPOINT, () => 'network-error');

      const err = await rejectionOf(refreshTokens(DISCOVERY, grant(), provider.fetch));

      expect(err.code).toBe('network_error');
      expect(provider.requestsTo(TOKEN_ENDPOINT).length).toBe(1);
    });

    it('never retries after a 5xx answer: exactly one request', async () => {
      answer(503, { error: 'temporarily_unavailable' });

      const err = await rejectionOf(refreshTokens(DISCOVERY, grant(), provider.fetch));

      expect(err.code).toBe('token_request_failed');
      expect(err.details.status).toBe(503);
      expect(provider.requestsTo(TOKEN_ENDPOINT).length).toBe(1);
    });

    it('refuses a 200 answer without an access token', async () => {
      answer(200, { token_type: 'Bearer' });

      const err = await rejectionOf(refreshTokens(DISCOVERY, grant(), provider.fetch));

      expect(err.code).toBe('invalid_response');
    });
  });
});
