import { thrownBy } from '../../test-support/fake-provider';
import { ALL_FEATURES } from '../../test-support/fake-platform';
import { checkFeatures } from './features';

describe('checkFeatures', () => {
  it('accepts the code flow without any feature', () => {
    expect(() => checkFeatures({ responseType: 'code', silentRedirectUri: undefined }, {})).not.toThrow();
  });

  for (const responseType of ['id_token token', 'id_token', 'code id_token'] as const) {
    it(`refuses responseType "${responseType}" without withImplicitFlow(), naming the option`, () => {
      const err = thrownBy(() => checkFeatures({ responseType, silentRedirectUri: undefined }, {}));

      expect(err.code).toBe('invalid_configuration');
      expect(err.details.option).toBe('responseType');
      expect(err.message).toContain('withImplicitFlow()');
      expect(() => checkFeatures({ responseType, silentRedirectUri: undefined }, ALL_FEATURES)).not.toThrow();
    });
  }

  it('refuses withDpop() with a response type whose access token comes from the authorization endpoint, or none', () => {
    const dpop = { dpop: (() => undefined) as never };
    for (const responseType of ['id_token token', 'id_token'] as const) {
      const err = thrownBy(() => checkFeatures({ responseType, silentRedirectUri: undefined }, { ...ALL_FEATURES, ...dpop }));

      expect(err.code).toBe('invalid_configuration');
      expect(err.details).toEqual(jasmine.objectContaining({ option: 'responseType', expected: 'code', actual: responseType }));
      expect(() => checkFeatures({ responseType, silentRedirectUri: undefined }, ALL_FEATURES)).not.toThrow();
    }
    expect(() => checkFeatures({ responseType: 'code', silentRedirectUri: undefined }, dpop)).not.toThrow();
    expect(() => checkFeatures({ responseType: 'code id_token', silentRedirectUri: undefined }, { ...ALL_FEATURES, ...dpop })).not.toThrow();
  });

  it('refuses silentRedirectUri without withSilentAuthentication(), naming the option', () => {
    const config = { responseType: 'code', silentRedirectUri: 'https://app.example.com/silent.html' } as const;
    const err = thrownBy(() => checkFeatures(config, { tokenHash: ALL_FEATURES.tokenHash }));

    expect(err.code).toBe('invalid_configuration');
    expect(err.details.option).toBe('silentRedirectUri');
    expect(err.message).toContain('withSilentAuthentication()');
    expect(() => checkFeatures(config, ALL_FEATURES)).not.toThrow();
  });
});
