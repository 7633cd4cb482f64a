import { DISCOVERY, FakeProvider, rejectionOf } from '../../test-support/fake-provider';
import { fetchUserInfo } from './userinfo';

const USERINFO = DISCOVERY.userinfo_endpoint!;
const ACCESS_TOKEN = 'secret-access-token-xyz';

describe('fetchUserInfo', () => {
  let provider: FakeProvider;

  beforeEach(() => {
    provider = new FakeProvider();
    provider.on(USERINFO, () => ({ status: 200, json: { sub: 'alice', email: 'alice@example.com' } }));
  });

  it('sends the access token as Bearer and returns the claims of the same subject', async () => {
    const claims = await fetchUserInfo(DISCOVERY, ACCESS_TOKEN, 'alice', provider.fetch);

    expect(claims).toEqual({ sub: 'alice', email: 'alice@example.com' });
    expect(provider.requests.length).toBe(1);
    expect(provider.requests[0].url).toBe(USERINFO);
    expect(provider.requests[0].method).toBe('GET');
    expect(provider.requests[0].headers['authorization']).toBe(`Bearer ${ACCESS_TOKEN}`);
  });

  it('rejects claims about another subject with userinfo_sub_mismatch', async () => {
    provider.on(USERINFO, () => ({ status: 200, json: { sub: 'mallory', email: 'mallory@example.com' } }));

    const err = await rejectionOf(fetchUserInfo(DISCOVERY, ACCESS_TOKEN, 'alice', provider.fetch));

    expect(err.code).toBe('userinfo_sub_mismatch');
    expect(err.details).toEqual(jasmine.objectContaining({ claim: 'sub', expected: 'alice', actual: 'mallory' }));
    expect(err.message).toContain('mallory');
    expect(err.message).toContain('alice');
    expect(err.message).not.toContain(ACCESS_TOKEN);
  });

  it('rejects a response without sub with userinfo_sub_mismatch', async () => {
    provider.on(USERINFO, () => ({ status: 200, json: { email: 'alice@example.com' } }));

    expect((await rejectionOf(fetchUserInfo(DISCOVERY, ACCESS_TOKEN, 'alice', provider.fetch))).code).toBe('userinfo_sub_mismatch');
  });

  it('turns an error status into userinfo_failed with status and error', async () => {
    provider.on(USERINFO, () => ({ status: 401, json: { error: 'invalid_token' } }));

    const err = await rejectionOf(fetchUserInfo(DISCOVERY, ACCESS_TOKEN, 'alice', provider.fetch));

    expect(err.code).toBe('userinfo_failed');
    expect(err.details).toEqual(jasmine.objectContaining({ status: 401, error: 'invalid_token' }));
    expect(err.message).not.toContain(ACCESS_TOKEN);
  });

  it('fails with invalid_configuration (loadUserInfo) when the provider has no userinfo endpoint', async () => {
    const err = await rejectionOf(fetchUserInfo({ ...DISCOVERY, userinfo_endpoint: undefined }, ACCESS_TOKEN, 'alice', provider.fetch));

    expect(err.code).toBe('invalid_configuration');
    expect(err.details.option).toBe('loadUserInfo');
    expect(provider.requests.length).toBe(0);
  });

  it('turns a body that is not a JSON object into userinfo_failed', async () => {
    provider.on(USERINFO, () => ({ status: 200, json: ['not', 'an', 'object'] }));

    expect((await rejectionOf(fetchUserInfo(DISCOVERY, ACCESS_TOKEN, 'alice', provider.fetch))).code).toBe('userinfo_failed');
  });

  it('turns a network failure into network_error', async () => {
    provider.on(USERINFO, () => 'network-error');

    expect((await rejectionOf(fetchUserInfo(DISCOVERY, ACCESS_TOKEN, 'alice', provider.fetch))).code).toBe('network_error');
  });
});
