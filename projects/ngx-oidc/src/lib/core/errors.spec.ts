import { AuthError, isAuthError } from './errors';

describe('AuthError', () => {
  it('carries a stable code, a message and its details as cause', () => {
    const details = { claim: 'nonce', expected: 'a', actual: 'b' };
    const err = new AuthError('nonce_mismatch', 'The nonce differs.', details);

    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('AuthError');
    expect(err.code).toBe('nonce_mismatch');
    expect(err.message).toBe('The nonce differs.');
    expect(err.details).toEqual(details);
    expect(err.cause).toEqual(details);
  });

  it('says the code and the compared values when the message is empty (production builds)', () => {
    const cause = new Error('inner');
    const err = new AuthError('nonce_mismatch', '', { claim: 'nonce', expected: 'a', actual: 'b', cause });

    expect(err.message).toBe('nonce_mismatch {"claim":"nonce","expected":"a","actual":"b"}');
    expect(err.details.cause).toBe(cause);
    expect(new AuthError('login_required', '').message).toBe('login_required');
  });

  it('defaults details to an empty object', () => {
    const err = new AuthError('state_mismatch', 'No such login.');

    expect(err.details).toEqual({});
    expect(err.cause).toEqual({});
  });
});

describe('isAuthError', () => {
  it('recognises AuthError instances only', () => {
    expect(isAuthError(new AuthError('network_error', 'down'))).toBeTrue();
    expect(isAuthError(new Error('plain'))).toBeFalse();
    expect(isAuthError({ name: 'AuthError', code: 'network_error', message: 'look-alike' })).toBeFalse();
    expect(isAuthError(null)).toBeFalse();
    expect(isAuthError(undefined)).toBeFalse();
  });
});
