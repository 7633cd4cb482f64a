import { APP_ORIGIN, ISSUER, thrownBy } from '../../test-support/fake-provider';
import { parseCallbackUrl, providerError, validateAuthResponse } from './callback';

const REDIRECT = `${APP_ORIGIN}/callback`;

describe('callback', () => {
  describe('parseCallbackUrl', () => {
    it('reads code, state, iss and session_state', () => {
      expect(parseCallbackUrl(`${REDIRECT}?code=abc&state=xyz&iss=${encodeURIComponent(ISSUER)}&session_state=s1`)).toEqual({
        code: 'abc',
        state: 'xyz',
        iss: ISSUER,
        session_state: 's1',
      } as never);
    });

    it('reads an error response with its description', () => {
      expect(parseCallbackUrl(`${REDIRECT}?error=access_denied&error_description=User%20cancelled&state=xyz`)).toEqual({
        error: 'access_denied',
        error_description: 'User cancelled',
        state: 'xyz',
      });
    });

    it('ignores unrelated parameters', () => {
      expect(parseCallbackUrl(`${REDIRECT}?code=abc&state=xyz&utm_source=mail`)).toEqual({ code: 'abc', state: 'xyz' });
    });

    for (const name of ['code', 'state', 'error', 'iss']) {
      it(`refuses a duplicated ${name} parameter`, () => {
        const err = thrownBy(() => parseCallbackUrl(`${REDIRECT}?${name}=a&${name}=b${name === 'state' ? '' : '&state=s'}`));

        expect(err.code).toBe('invalid_response');
        expect(err.details.parameter).toBe(name);
        expect(err.message).toContain('2 times');
      });
    }

    it('refuses a response with both code and error', () => {
      const err = thrownBy(() => parseCallbackUrl(`${REDIRECT}?code=abc&error=access_denied&state=xyz`));

      expect(err.code).toBe('invalid_response');
      expect(err.message).toContain('both');
    });

    it('refuses an oversized parameter', () => {
      const err = thrownBy(() => parseCallbackUrl(`${REDIRECT}?code=${'a'.repeat(4097)}&state=xyz`));

      expect(err.code).toBe('invalid_response');
      expect(err.details.parameter).toBe('code');
    });

    it('accepts a parameter of exactly the maximum length', () => {
      expect(parseCallbackUrl(`${REDIRECT}?code=${'a'.repeat(4096)}&state=xyz`).code?.length).toBe(4096);
    });

    it('refuses non-ASCII characters in code and state', () => {
      let err = thrownBy(() => parseCallbackUrl(`${REDIRECT}?code=ab%C3%A9&state=xyz`));
      expect(err.code).toBe('invalid_response');
      expect(err.details.parameter).toBe('code');

      err = thrownBy(() => parseCallbackUrl(`${REDIRECT}?code=abc&state=x%0Ay`));
      expect(err.code).toBe('invalid_response');
      expect(err.details.parameter).toBe('state');
    });

    it('allows non-ASCII text in error_description', () => {
      expect(parseCallbackUrl(`${REDIRECT}?error=access_denied&error_description=Abgebrochen%20%E2%9C%8B`).error_description).toBe('Abgebrochen ✋');
    });

    it('refuses an unparsable URL', () => {
      expect(thrownBy(() => parseCallbackUrl('/callback?code=abc')).code).toBe('invalid_response');
    });
  });

  describe('validateAuthResponse', () => {
    it('returns code, state and iss of a valid response', () => {
      expect(validateAuthResponse({ code: 'abc', state: 'xyz', iss: ISSUER }, 'xyz', ISSUER, true)).toEqual(
        jasmine.objectContaining({ code: 'abc', state: 'xyz', iss: ISSUER, id_token: undefined, access_token: undefined }),
      );
    });

    it('accepts a response with an ID token but no iss although the provider advertises RFC 9207', () => {
      expect(validateAuthResponse({ id_token: 'x.y.z', state: 'xyz' }, 'xyz', ISSUER, true, 'id_token').id_token).toBe('x.y.z');
      const err = thrownBy(() => validateAuthResponse({ id_token: 'x.y.z', state: 'xyz', iss: 'https://evil.test' }, 'xyz', ISSUER, true, 'id_token'));
      expect(err.code).toBe('iss_parameter_mismatch');
      expect(thrownBy(() => validateAuthResponse({ code: 'abc', state: 'xyz' }, 'xyz', ISSUER, true)).code).toBe('iss_parameter_mismatch');
    });

    it('refuses another state with state_mismatch', () => {
      const err = thrownBy(() => validateAuthResponse({ code: 'abc', state: 'forged' }, 'xyz', ISSUER, false));

      expect(err.code).toBe('state_mismatch');
      expect(err.details).toEqual(jasmine.objectContaining({ expected: 'xyz', actual: 'forged' }));
    });

    it('refuses a response without state with state_mismatch', () => {
      expect(thrownBy(() => validateAuthResponse({ code: 'abc' }, 'xyz', ISSUER, false)).code).toBe('state_mismatch');
    });

    it('refuses a response without iss when the provider advertises it (RFC 9207)', () => {
      const err = thrownBy(() => validateAuthResponse({ code: 'abc', state: 'xyz' }, 'xyz', ISSUER, true));

      expect(err.code).toBe('iss_parameter_mismatch');
      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'iss', expected: ISSUER, actual: undefined }));
      expect(err.message).toContain('(missing)');
    });

    it('refuses an iss of another provider (mix-up attack)', () => {
      const err = thrownBy(() => validateAuthResponse({ code: 'abc', state: 'xyz', iss: 'https://evil.test' }, 'xyz', ISSUER, false));

      expect(err.code).toBe('iss_parameter_mismatch');
      expect(err.details.actual).toBe('https://evil.test');
      expect(err.message).toContain('https://evil.test');
    });

    it('checks iss even on error responses', () => {
      expect(thrownBy(() => validateAuthResponse({ error: 'access_denied', state: 'xyz', iss: 'https://evil.test' }, 'xyz', ISSUER, false)).code).toBe(
        'iss_parameter_mismatch',
      );
    });

    it('accepts a response without iss when the provider does not advertise it', () => {
      expect(validateAuthResponse({ code: 'abc', state: 'xyz' }, 'xyz', ISSUER, false).code).toBe('abc');
    });

    it('turns an error response into authorization_error with error and description', () => {
      const err = thrownBy(() =>
        validateAuthResponse({ error: 'access_denied', error_description: 'User cancelled', state: 'xyz' }, 'xyz', ISSUER, false),
      );

      expect(err.code).toBe('authorization_error');
      expect(err.details).toEqual(jasmine.objectContaining({ error: 'access_denied', error_description: 'User cancelled' }));
      expect(err.message).toContain('access_denied');
      expect(err.message).toContain('User cancelled');
    });

    it('checks iss before state: a response from another issuer is iss_parameter_mismatch whatever its state', () => {
      const err = thrownBy(() => validateAuthResponse({ code: 'abc', state: 'forged', iss: 'https://evil.test' }, 'xyz', ISSUER, false));

      expect(err.code).toBe('iss_parameter_mismatch');
    });

    it('reports an error response only once iss and state match, never with the words of an unmatched one', () => {
      const text = 'Your account is locked, call +1 555 0100';
      const forged = thrownBy(() => validateAuthResponse({ error: 'access_denied', error_description: text, state: 'forged' }, 'xyz', ISSUER, false));
      const stateless = thrownBy(() => validateAuthResponse({ error: 'access_denied', error_description: text }, 'xyz', ISSUER, false));
      const wrongIss = thrownBy(() => validateAuthResponse({ error: 'access_denied', error_description: text, state: 'xyz', iss: 'https://evil.test' }, 'xyz', ISSUER, false));

      expect([forged.code, stateless.code, wrongIss.code]).toEqual(['state_mismatch', 'state_mismatch', 'iss_parameter_mismatch']);
      for (const err of [forged, stateless, wrongIss]) {
        expect(err.message).not.toContain(text);
        expect(JSON.stringify(err.details)).not.toContain(text);
      }
    });

    for (const [responseType, name] of [
      ['code', 'id_token'],
      ['code', 'access_token'],
      ['id_token', 'access_token'],
      ['code id_token', 'access_token'],
    ] as const) {
      it(`refuses a "${responseType}" response that also carries ${name} with invalid_response (OIDC Core 3.1.2.5, 3.3.2.5)`, () => {
        const asked = responseType.includes('id_token') ? { id_token: 'x.y.z' } : {};
        const params = { code: 'abc', state: 'xyz', iss: ISSUER, ...asked, [name]: 'injected', token_type: 'Bearer' };

        const err = thrownBy(() => validateAuthResponse(params, 'xyz', ISSUER, true, responseType));

        expect(err.code).toBe('invalid_response');
        expect(err.details.parameter).toBe(name);
      });
    }

    it('exempts a missing iss (RFC 9207) only for response types with an ID token, not for an ID token added to a code response', () => {
      const err = thrownBy(() => validateAuthResponse({ code: 'abc', id_token: 'x.y.z', state: 'xyz' }, 'xyz', ISSUER, true, 'code'));

      expect(err.code).toBe('iss_parameter_mismatch');
      expect(err.details.actual).toBeUndefined();
      expect(validateAuthResponse({ code: 'abc', id_token: 'x.y.z', state: 'xyz' }, 'xyz', ISSUER, true, 'code id_token').code).toBe('abc');
    });

    it('refuses a response with neither code nor error', () => {
      const err = thrownBy(() => validateAuthResponse({ state: 'xyz' }, 'xyz', ISSUER, false));

      expect(err.code).toBe('invalid_response');
      expect(err.details.parameter).toBe('code');
    });

    it('refuses an empty code', () => {
      expect(thrownBy(() => validateAuthResponse({ code: '', state: 'xyz' }, 'xyz', ISSUER, false)).code).toBe('invalid_response');
    });
  });

  describe('providerError', () => {
    it('gives the interaction errors codes of their own, keeping the provider\'s words', () => {
      for (const [error, code] of [
        ['login_required', 'login_required'],
        ['consent_required', 'consent_required'],
        ['interaction_required', 'interaction_required'],
        ['account_selection_required', 'interaction_required'],
        ['access_denied', 'authorization_error'],
      ]) {
        const err = providerError({ error, error_description: 'why' });
        expect(err.code).withContext(error).toBe(code as never);
        expect(err.details.error).withContext(error).toBe(error);
        expect(err.message).withContext(error).toContain('why');
      }
    });

    it('builds authorization_error without a description', () => {
      const err = providerError({ error: 'temporarily_unavailable' });

      expect(err.code).toBe('authorization_error');
      expect(err.details.error).toBe('temporarily_unavailable');
      expect(err.details.error_description).toBeUndefined();
    });
  });
});
