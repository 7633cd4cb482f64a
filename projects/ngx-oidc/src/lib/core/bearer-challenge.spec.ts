import { challengeSchemes, checkBearerChallenge, parseBearerChallenge, tokenForRetry } from './bearer-challenge';
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

  it('reads the Bearer challenge among others (RFC 9110 §11.6.1), and only its params', () => {
    const header =
      'DPoP algs="ES256 PS256", error="use_dpop_nonce", Bearer realm="api", error="insufficient_user_authentication", ' +
      'acr_values="urn:example:mfa urn:example:hwk", max_age=60, Basic realm="legacy", charset="UTF-8"';
    expect(parseBearerChallenge(header)).toEqual({
      realm: 'api',
      error: 'insufficient_user_authentication',
      acr_values: 'urn:example:mfa urn:example:hwk',
      max_age: '60',
    });
    // A token68 challenge before it (its "=" padding is no parameter of Bearer's).
    expect(parseBearerChallenge('Negotiate YWxhZGRpbjpvcGVuc2VzYW1l==, Bearer error="invalid_token"')).toEqual({ error: 'invalid_token' });
    // Two Bearer challenges (two headers joined by a comma): the first counts.
    expect(parseBearerChallenge('Bearer error="invalid_token", Bearer error="insufficient_scope"')).toEqual({ error: 'invalid_token' });
  });

  it('reads the DPoP challenge instead when asked for that scheme (RFC 9449 §7.1), in any case', () => {
    const header = 'Bearer realm="api", error="invalid_token", DPoP error="use_dpop_nonce", error_description="nonce", algs="ES256"';
    expect(parseBearerChallenge(header, 'DPoP')).toEqual({ error: 'use_dpop_nonce', error_description: 'nonce', algs: 'ES256' });
    expect(parseBearerChallenge('dpop error="invalid_token"', 'DPoP')).toEqual({ error: 'invalid_token' });
    expect(parseBearerChallenge('Bearer error="invalid_token"', 'DPoP')).toEqual({});
    expect(parseBearerChallenge('DPoPish error="invalid_token"', 'DPoP')).toEqual({});
  });

  it('keeps commas, equals signs and spaces inside quoted values', () => {
    expect(parseBearerChallenge('Bearer error_description="a=b, c", scope = "read write"')).toEqual({ error_description: 'a=b, c', scope: 'read write' });
  });
});

describe('challengeSchemes', () => {
  it('lists the schemes, lower-cased, in order; a word in a quoted value is none', () => {
    expect(challengeSchemes('DPoP algs="ES256 PS256", Bearer realm="api", error="invalid_token", Basic realm="x"')).toEqual(['dpop', 'bearer', 'basic']);
    expect(challengeSchemes('Bearer error="invalid_token", error_description="use a, DPoP proof"')).toEqual(['bearer']);
    expect(challengeSchemes('Bearer')).toEqual(['bearer']);
    expect(challengeSchemes('')).toEqual([]);
    expect(challengeSchemes(null)).toEqual([]);
  });
});

describe('checkBearerChallenge', () => {
  it('asks for renewal on 401 with error="invalid_token" only', () => {
    expect(checkBearerChallenge(401, 'Bearer error="invalid_token"')).toBeTrue();
    expect(checkBearerChallenge(401, 'Bearer error=invalid_token, error_description="expired"')).toBeTrue();
    expect(checkBearerChallenge(401, 'Basic realm="x", Bearer error="invalid_token"')).toBeTrue();
  });

  it('hands a 401 without invalid_token, a 403, and other schemes to the app', () => {
    expect(checkBearerChallenge(401, 'Bearer realm="api"')).toBeFalse();
    expect(checkBearerChallenge(401, null)).toBeFalse();
    expect(checkBearerChallenge(403, 'Bearer error="invalid_token"')).toBeFalse();
    expect(checkBearerChallenge(403, 'Bearer error="insufficient_scope", scope="admin"')).toBeFalse();
    expect(checkBearerChallenge(401, 'Basic error="invalid_token"')).toBeFalse();
  });

  it('with a DPoP-bound token, reads the DPoP challenge: invalid_token renews, Bearer\'s does not', () => {
    expect(checkBearerChallenge(401, 'DPoP error="invalid_token", algs="ES256"', undefined, 'DPoP')).toBeTrue();
    expect(checkBearerChallenge(401, 'Bearer error="invalid_token"', undefined, 'DPoP')).toBeFalse();
    expect(checkBearerChallenge(401, 'DPoP error="use_dpop_nonce"', undefined, 'DPoP')).toBeFalse();
    expect(checkBearerChallenge(401, 'DPoP error="invalid_token"')).toBeFalse();
    expect(() => checkBearerChallenge(401, 'DPoP error="insufficient_user_authentication", acr_values="gold"', undefined, 'DPoP')).toThrowMatching(
      (e) => e instanceof AuthError && e.code === 'insufficient_user_authentication',
    );
  });

  describe('RFC 9470 step-up', () => {
    function stepUpOf(status: number, header: string, answer?: unknown): AuthError {
      try {
        checkBearerChallenge(status, header, answer);
      } catch (error) {
        if (error instanceof AuthError) return error;
        throw error;
      }
      throw new Error('checkBearerChallenge did not throw');
    }

    it('throws insufficient_user_authentication with the login options the API asks for, and the answer as cause', () => {
      const answer = { status: 401 };
      const err = stepUpOf(
        401,
        'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:example:mfa urn:example:hwk", max_age="300"',
        answer,
      );

      expect(err.code).toBe('insufficient_user_authentication');
      expect(err.details.stepUp).toEqual({ acrValues: 'urn:example:mfa urn:example:hwk', acrRequired: true, maxAge: 300 });
      expect(err.details.cause).toBe(answer);
    });

    it('reads a bare max_age, and no acr_values: nothing to require', () => {
      const err = stepUpOf(401, 'Bearer error="insufficient_user_authentication", max_age=0');

      expect(err.details.stepUp).toEqual({ acrValues: undefined, acrRequired: false, maxAge: 0 });
    });

    it('reads acr_values without max_age, and ignores a max_age that is not a whole number of seconds', () => {
      for (const maxAge of ['', ' max_age="soon",', ' max_age="-5",', ' max_age="1.5",']) {
        const err = stepUpOf(401, `Bearer error="insufficient_user_authentication",${maxAge} acr_values="urn:example:mfa"`);

        expect(err.details.stepUp).withContext(maxAge).toEqual({ acrValues: 'urn:example:mfa', acrRequired: true, maxAge: undefined });
      }
    });

    it('finds the challenge among other challenges of the header', () => {
      const err = stepUpOf(401, 'DPoP algs="ES256", Bearer realm="api", error="insufficient_user_authentication", acr_values="gold", Basic realm="x", max_age="9"');

      expect(err.details.stepUp).toEqual({ acrValues: 'gold', acrRequired: true, maxAge: undefined });
    });

    it('says in development what the API asked for', () => {
      const err = stepUpOf(401, 'Bearer error="insufficient_user_authentication", error_description="MFA please", acr_values="urn:example:mfa", max_age=60');

      expect(err.message).toContain('"urn:example:mfa"');
      expect(err.message).toContain('max_age 60');
      expect(err.message).toContain('MFA please');
    });

    it('is not a step-up on another status, or in another scheme', () => {
      expect(checkBearerChallenge(403, 'Bearer error="insufficient_user_authentication", acr_values="gold"')).toBeFalse();
      expect(checkBearerChallenge(401, 'Basic error="insufficient_user_authentication", acr_values="gold"')).toBeFalse();
    });
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
