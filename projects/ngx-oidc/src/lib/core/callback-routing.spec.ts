import {
  APP_ORIGIN,
  CLIENT_ID,
  FakeProvider,
  ISSUER,
  NOW,
  testConfig,
} from '../../test-support/fake-provider';
import { FakePlatform } from '../../test-support/fake-platform';
import { claimTransaction, routeCallbacks } from './callback-routing';
import { LOGOUT_STATE_PREFIX } from './logout-return';
import { TRANSACTION_PREFIX } from './pending-logins';
import { scopeName } from './session-store';
import { MemoryStorage } from './storage';
import { createTransaction, saveTransaction } from './transaction';

describe('routeCallbacks', () => {
  const PARTNER = 'https://partner.example.com';
  const main = testConfig();
  const partner = testConfig({ authority: PARTNER, allowedUrls: [] });
  let storage: MemoryStorage;
  let platform: FakePlatform;

  beforeEach(() => {
    storage = new MemoryStorage();
    platform = new FakePlatform({ provider: new FakeProvider(), url: `${APP_ORIGIN}/` });
  });

  /** A login of `config` stored and claimed, as the multi-provider layer does; returns its state. */
  function pendingLogin(config = partner): string {
    const tx = createTransaction(config, {}, NOW);
    saveTransaction(storage, tx);
    claimTransaction(storage, tx.state, config);
    return tx.state;
  }

  /** What each client sees of `url`. */
  function seen(url: string): string[] {
    platform.url = url;
    return routeCallbacks(platform, storage, [main, partner]).map((p) => p.href());
  }

  it('shows a callback only to the client whose login sent its state (same client id, same redirect URI)', () => {
    const state = pendingLogin(partner);
    const url = `${APP_ORIGIN}/callback?code=c&state=${state}&iss=${encodeURIComponent(ISSUER)}`;
    // Whatever iss says: the owner checks it (RFC 9207), nobody else sees the response.
    expect(seen(url)).toEqual([`${APP_ORIGIN}/callback`, url]);
    const mine = pendingLogin(main);
    expect(seen(`${APP_ORIGIN}/callback?code=c&state=${mine}`)).toEqual([
      `${APP_ORIGIN}/callback?code=c&state=${mine}`,
      `${APP_ORIGIN}/callback`,
    ]);
  });

  it('routes by a state in the fragment too (implicit and hybrid flows)', () => {
    const state = pendingLogin(partner);
    const url = `${APP_ORIGIN}/callback#id_token=x&state=${state}`;
    expect(seen(url)).toEqual([`${APP_ORIGIN}/callback`, url]);
  });

  it('gives a response that matches no pending login to the first client only (it fails once, state_mismatch)', () => {
    const url = `${APP_ORIGIN}/callback?code=c&state=unknown`;
    expect(seen(url)).toEqual([url, `${APP_ORIGIN}/callback`]);
    const unclaimed = createTransaction(partner, {}, NOW);
    saveTransaction(storage, unclaimed);
    expect(seen(`${APP_ORIGIN}/callback?state=${unclaimed.state}`)[1]).toBe(
      `${APP_ORIGIN}/callback`,
    );
  });

  it('gives the return from a logout to the client whose logout state it carries', () => {
    storage.setItem(LOGOUT_STATE_PREFIX + CLIENT_ID, 'logout-state');
    const other = testConfig({ authority: PARTNER, clientId: 'partner-client', allowedUrls: [] });
    platform.url = `${APP_ORIGIN}/callback?state=logout-state`;
    expect(routeCallbacks(platform, storage, [other, main]).map((p) => p.href())).toEqual([
      `${APP_ORIGIN}/callback`,
      platform.url,
    ]);
  });

  it("leaves every other URL alone, and every other member the page platform's (or the client's own)", async () => {
    expect(seen(`${APP_ORIGIN}/orders?state=x&code=y`)).toEqual([
      `${APP_ORIGIN}/orders?state=x&code=y`,
      `${APP_ORIGIN}/orders?state=x&code=y`,
    ]);
    const frame = (): Promise<string> => Promise.resolve('framed');
    const [first, second] = routeCallbacks(platform, storage, [
      main,
      { ...partner, own: { runFrame: frame } },
    ]);
    first.replaceUrl('/after');
    expect(platform.replaced).toEqual(['/after']);
    expect(first.origin).toBe(APP_ORIGIN);
    expect(first.runFrame).toBe(platform.runFrame);
    expect(await second.runFrame!('u', 1)).toBe('framed');
  });
});

describe('claimTransaction', () => {
  it("marks an unclaimed transaction as the caller's, and never takes another's", () => {
    const storage = new MemoryStorage();
    const partner = { authority: 'https://partner.example.com', clientId: CLIENT_ID };
    const tx = createTransaction(testConfig(), {}, NOW);
    saveTransaction(storage, tx);
    expect(claimTransaction(storage, tx.state, partner)).toBe(scopeName(partner));
    expect(claimTransaction(storage, tx.state, { authority: ISSUER, clientId: CLIENT_ID })).toBe(
      scopeName(partner),
    );
    expect(JSON.parse(storage.getItem(TRANSACTION_PREFIX + tx.state)!)).toEqual(
      jasmine.objectContaining({
        state: tx.state,
        nonce: tx.nonce,
        codeVerifier: tx.codeVerifier,
        provider: scopeName(partner),
      }),
    );
    expect(claimTransaction(storage, 'no-such-state', partner)).toBeUndefined();
  });
});
