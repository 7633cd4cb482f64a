import { CLIENT_ID, DISCOVERY, FakeProvider, rejectionOf } from '../../test-support/fake-provider';
import { revokeToken } from './revoke-token';

const REVOCATION = `${DISCOVERY.issuer}/token/revocation`;
const WITH_REVOCATION = { ...DISCOVERY, revocation_endpoint: REVOCATION };

describe('revokeToken', () => {
  let provider: FakeProvider;

  beforeEach(() => {
    provider = new FakeProvider();
    provider.on(REVOCATION, () => ({ status: 200, text: '' }));
  });

  it('posts token, token_type_hint=refresh_token and client_id as a form, without an Authorization header (RFC 7009 §2.1)', async () => {
    await revokeToken(WITH_REVOCATION, 'refresh-token-0', CLIENT_ID, provider.fetch);

    expect(provider.requests.length).toBe(1);
    const req = provider.requests[0];
    expect(req.url).toBe(REVOCATION);
    expect(req.method).toBe('POST');
    // fetch sends it as application/x-www-form-urlencoded.
    expect(req.body as unknown).toBeInstanceOf(URLSearchParams);
    expect(req.headers['authorization']).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({ token: 'refresh-token-0', token_type_hint: 'refresh_token', client_id: CLIENT_ID });
  });

  it('sends nothing when the provider advertises no revocation_endpoint', async () => {
    await revokeToken(DISCOVERY, 'refresh-token-0', CLIENT_ID, provider.fetch);

    expect(provider.requests).toEqual([]);
  });

  it('takes any HTTP 200 as done, whatever the body (RFC 7009 §2.2)', async () => {
    provider.on(REVOCATION, () => ({ status: 200, json: { unexpected: true } }));

    await expectAsync(revokeToken(WITH_REVOCATION, 'refresh-token-0', CLIENT_ID, provider.fetch)).toBeResolved();
  });

  it('fails with token_request_failed and the OAuth error of an error response (RFC 7009 §2.2.1)', async () => {
    provider.on(REVOCATION, () => ({ status: 400, json: { error: 'unsupported_token_type', error_description: 'no' } }));

    const err = await rejectionOf(revokeToken(WITH_REVOCATION, 'refresh-token-0', CLIENT_ID, provider.fetch));

    expect(err.code).toBe('token_request_failed');
    expect(err.details).toEqual(jasmine.objectContaining({ status: 400, error: 'unsupported_token_type' }));
  });

  it('fails with token_request_failed and the status for a non-JSON failure, once (never retried)', async () => {
    provider.on(REVOCATION, () => ({ status: 503, text: 'Service Unavailable' }));

    const err = await rejectionOf(revokeToken(WITH_REVOCATION, 'refresh-token-0', CLIENT_ID, provider.fetch));

    expect(err.code).toBe('token_request_failed');
    expect(err.details.status).toBe(503);
    expect(err.details.error).toBeUndefined();
    expect(provider.requests.length).toBe(1);
  });

  it('fails with network_error when the endpoint cannot be reached', async () => {
    provider.on(REVOCATION, () => 'network-error');

    const err = await rejectionOf(revokeToken(WITH_REVOCATION, 'refresh-token-0', CLIENT_ID, provider.fetch));

    expect(err.code).toBe('network_error');
  });
});
