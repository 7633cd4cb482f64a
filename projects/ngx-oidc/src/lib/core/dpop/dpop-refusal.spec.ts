import { explainDpopRefusal } from './dpop-refusal';

describe('explainDpopRefusal (development-mode hints)', () => {
  const answer = (headers: Record<string, string>) => new Headers(headers);

  it('tells an app without withDpop() that the API takes only DPoP-bound tokens', () => {
    const hint = explainDpopRefusal(401, answer({ 'WWW-Authenticate': 'DPoP algs="ES256", error="invalid_token"' }), false);
    expect(hint).toContain('withDpop()');
    // An API that takes both schemes refused for another reason: no DPoP hint.
    expect(explainDpopRefusal(401, answer({ 'WWW-Authenticate': 'DPoP algs="ES256", Bearer error="invalid_token"' }), false)).toBeUndefined();
    expect(explainDpopRefusal(401, answer({ 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="DPoP is nice"' }), false)).toBeUndefined();
  });

  it('tells a DPoP app that the API speaks only Bearer', () => {
    expect(explainDpopRefusal(401, answer({ 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token"' }), true)).toContain('"Bearer" challenge only');
    // "DPoP" inside a quoted value is no challenge.
    expect(explainDpopRefusal(401, answer({ 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="no, DPoP here"' }), true)).toContain('"Bearer" challenge only');
  });

  it('explains a refused proof', () => {
    const hint = explainDpopRefusal(401, answer({ 'WWW-Authenticate': 'DPoP error="invalid_dpop_proof", error_description="htu mismatch", algs="ES256"' }), true);
    expect(hint).toContain('"htu"');
    expect(hint).toContain('Access-Control-Allow-Headers');
  });

  it('tells a nonce challenge whose DPoP-Nonce cannot be read from one that came again', () => {
    const challenge = 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"';
    expect(explainDpopRefusal(401, answer({ 'WWW-Authenticate': challenge }), true)).toContain('Access-Control-Expose-Headers');
    expect(explainDpopRefusal(401, answer({ 'WWW-Authenticate': challenge, 'DPoP-Nonce': 'n-2' }), true)).toContain('again');
  });

  it('says nothing of other refusals, nor of a 403', () => {
    expect(explainDpopRefusal(401, answer({ 'WWW-Authenticate': 'DPoP error="invalid_token", algs="ES256"' }), true)).toBeUndefined();
    expect(explainDpopRefusal(401, answer({}), true)).toBeUndefined();
    expect(explainDpopRefusal(403, answer({ 'WWW-Authenticate': 'DPoP error="insufficient_scope", scope="write"' }), false)).toBeUndefined();
  });
});
