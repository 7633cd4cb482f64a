import { HttpErrorResponse, HttpHeaders, HttpResponse } from '@angular/common/http';
import { AuthError } from 'ngx-oidc';

import { describeError, describeResponse } from './api-result';

describe('describeResponse / describeError', () => {
  const failure = (status: number, error: unknown, wwwAuthenticate?: string) =>
    new HttpErrorResponse({
      status,
      statusText: 'Status text',
      error,
      url: 'http://api.test/api/messages',
      headers: wwwAuthenticate
        ? new HttpHeaders({ 'WWW-Authenticate': wwwAuthenticate })
        : undefined,
    });

  it('formats a success as "<status> <body JSON>"', () => {
    expect(describeResponse(new HttpResponse({ status: 200, body: { a: [1] } }))).toBe(
      '200 {"a":[1]}',
    );
  });

  it('prefers error_description of WWW-Authenticate, unescaping quoted pairs', () => {
    const header =
      'Bearer realm="x", error="invalid_token", error_description="bad \\"sig\\", really"';
    expect(describeError(failure(401, { error_description: 'body' }, header))).toBe(
      '401 bad "sig", really',
    );
  });

  it('falls back to the error of WWW-Authenticate, then to the JSON body', () => {
    expect(describeError(failure(401, null, 'Bearer error=invalid_token'))).toBe(
      '401 invalid_token',
    );
    expect(
      describeError(failure(401, { error_description: 'described' }, 'Bearer realm="x"')),
    ).toBe('401 described');
    expect(describeError(failure(404, { error: 'not_found' }))).toBe('404 not_found');
  });

  it('falls back to the status text, and to the message for network failures', () => {
    expect(describeError(failure(500, null))).toBe('500 Status text');
    const network = new HttpErrorResponse({
      status: 0,
      statusText: 'Unknown Error',
      url: 'http://api.test/x',
    });
    expect(describeError(network)).toBe(`0 ${network.message}`);
  });

  it('shows an AuthError as "error <code>"', () => {
    expect(describeError(new AuthError('not_authenticated', 'nobody is logged in'))).toBe(
      'error not_authenticated',
    );
  });
});
