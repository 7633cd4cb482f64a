import { FakeProvider, rejectionOf } from '../../test-support/fake-provider';
import { postForm } from './form-post';

describe('postForm', () => {
  const ENDPOINT = 'https://idp.example.com/par';
  let provider: FakeProvider;

  beforeEach(() => {
    provider = new FakeProvider();
  });

  it('POSTs the form once, asking for JSON, and returns the status and the parsed answer', async () => {
    provider.on(ENDPOINT, () => ({ status: 201, json: { request_uri: 'urn:x', expires_in: 60 } }));

    const answer = await postForm(provider.fetch, ENDPOINT, new URLSearchParams({ client_id: 'spa', scope: 'openid email' }), 'par_request_failed', 'PAR endpoint');

    expect(answer).toEqual({ status: 201, body: { request_uri: 'urn:x', expires_in: 60 } });
    expect(provider.requests.length).toBe(1);
    const [request] = provider.requests;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers['accept']).toBe('application/json');
    expect(request.body).toBe('client_id=spa&scope=openid+email');
  });

  it('fails with the given code when the answer is not JSON, and never retries a 5xx', async () => {
    provider.on(ENDPOINT, () => ({ status: 503, text: 'down for maintenance' }));

    expect((await rejectionOf(postForm(provider.fetch, ENDPOINT, new URLSearchParams(), 'token_request_failed', 'token endpoint'))).code).toBe('token_request_failed');
    expect(provider.requests.length).toBe(1);
  });

  it('fails with network_error, without a retry, when the request fails', async () => {
    provider.on(ENDPOINT, () => 'network-error');

    expect((await rejectionOf(postForm(provider.fetch, ENDPOINT, new URLSearchParams(), 'token_request_failed', ''))).code).toBe('network_error');
    expect(provider.requests.length).toBe(1);
  });
});
