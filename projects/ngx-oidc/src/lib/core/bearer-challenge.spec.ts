import { isInvalidTokenAnswer, parseBearerChallenge, tokenForRetry } from './bearer-challenge';
import { AuthError } from './errors';
import type { TokenRequest } from './token-cache';

describe('parseBearerChallenge', () => {
  it('reads quoted and bare auth-params, names lower-cased, escapes removed', () => {
    expect(
      parseBearerChallenge('Bearer realm="api", ERROR=invalid_token, error_description="The \\"token\\" expired", scope="read write"'),
    ).toEqual({ realm: 'api', error: 'invalid_token', error_description: 'The "token" expired', scope: 'read write' });
  });

  it('accepts the scheme in any case and surrounding whitespace', () => {
    expect(parseBearerChallenge('  bearer error="insufficient_scope"')).toEqual({ error: 'insufficient_scope' });
  });

  it('reads nothing from another scheme, a scheme that only starts with Bearer, or no header', () => {
    expect(parseBearerChallenge('Basic realm="x", error="invalid_token"')).toEqual({});
    expect(parseBearerChallenge('Bearerish error="invalid_token"')).toEqual({});
    expect(parseBearerChallenge('')).toEqual({});
    expect(parseBearerChallenge(null)).toEqual({});
    expect(parseBearerChallenge(undefined)).toEqual({});
  });
});

describe('isInvalidTokenAnswer', () => {
  it('is true for 401 with error="invalid_token" only', () => {
    expect(isInvalidTokenAnswer(401, 'Bearer error="invalid_token"')).toBeTrue();
    expect(isInvalidTokenAnswer(401, 'Bearer error=invalid_token, error_description="expired"')).toBeTrue();
  });

  it('is false for a 401 without invalid_token, a 403, and other schemes', () => {
    expect(isInvalidTokenAnswer(401, 'Bearer realm="api"')).toBeFalse();
    expect(isInvalidTokenAnswer(401, null)).toBeFalse();
    expect(isInvalidTokenAnswer(403, 'Bearer error="invalid_token"')).toBeFalse();
    expect(isInvalidTokenAnswer(403, 'Bearer error="insufficient_scope", scope="admin"')).toBeFalse();
    expect(isInvalidTokenAnswer(401, 'Basic error="invalid_token"')).toBeFalse();
  });
});

describe('tokenForRetry', () => {
  const request: TokenRequest = { audience: 'https://api.example.com' };

  function client(answer: () => Promise<string | null>) {
    const calls: [string, TokenRequest][] = [];
    return {
      calls,
      renewAfterRejection: (rejected: string, r: TokenRequest) => {
        calls.push([rejected, r]);
        return answer();
      },
    };
  }

  it('renews once for the rejected token and retries with the new one', async () => {
    const renewing = client(() => Promise.resolve('new'));
    await expectAsync(tokenForRetry(renewing, 'old', request)).toBeResolvedTo('new');
    expect(renewing.calls).toEqual([['old', request]]);
  });

  it('does not retry without a token, or with the token the API refused', async () => {
    await expectAsync(tokenForRetry(client(() => Promise.resolve(null)), 'old', request)).toBeResolvedTo(undefined);
    await expectAsync(tokenForRetry(client(() => Promise.resolve('old')), 'old', request)).toBeResolvedTo(undefined);
  });

  it("rejects with the renewal's AuthError, which says why", async () => {
    const over = new AuthError('login_required', 'The session is over.');
    await expectAsync(tokenForRetry(client(() => Promise.reject(over)), 'old', request)).toBeRejectedWith(over);
  });

  it('does not retry after a renewal failure that is not an AuthError (the API answer stands)', async () => {
    await expectAsync(tokenForRetry(client(() => Promise.reject(new Error('boom'))), 'old', request)).toBeResolvedTo(undefined);
  });
});
