import { APP_ORIGIN, CLIENT_ID, FailingStorage, testConfig } from '../../test-support/fake-provider';
import { LOGOUT_STATE_PREFIX, takeLogoutReturn } from './logout-return';
import { MemoryStorage } from './storage';

describe('takeLogoutReturn', () => {
  const STATE = 'logout-state-0123456789abcdef';
  let storage: MemoryStorage;
  let ctx: Parameters<typeof takeLogoutReturn>[0];

  beforeEach(() => {
    storage = new MemoryStorage();
    ctx = { config: testConfig(), transactions: storage };
  });

  function sent(state = STATE): void {
    storage.setItem(LOGOUT_STATE_PREFIX + CLIENT_ID, state);
  }

  it('recognises the return with the state it sent, once, and gives the URL without it', () => {
    sent();

    expect(takeLogoutReturn(ctx, `${APP_ORIGIN}/?lang=de&state=${STATE}#top`)).toBe('/?lang=de#top');
    expect(takeLogoutReturn(ctx, `${APP_ORIGIN}/?state=${STATE}`)).toBeUndefined();
    expect(storage.getItem(LOGOUT_STATE_PREFIX + CLIENT_ID)).toBeNull();
  });

  it('ignores another state, no state, and any state when no logout was sent', () => {
    expect(takeLogoutReturn(ctx, `${APP_ORIGIN}/callback?state=abc`)).toBeUndefined();
    sent();

    expect(takeLogoutReturn(ctx, `${APP_ORIGIN}/callback?state=${STATE}x`)).toBeUndefined();
    expect(takeLogoutReturn(ctx, `${APP_ORIGIN}/`)).toBeUndefined();
    expect(storage.getItem(LOGOUT_STATE_PREFIX + CLIENT_ID)).toBe(STATE);
  });

  it("ignores another client's logout state", () => {
    storage.setItem(LOGOUT_STATE_PREFIX + 'other-client', STATE);

    expect(takeLogoutReturn(ctx, `${APP_ORIGIN}/?state=${STATE}`)).toBeUndefined();
  });

  it('ignores everything when storage cannot be read', () => {
    const failing = new FailingStorage();
    failing.failGet = new Error('SecurityError');
    expect(takeLogoutReturn({ ...ctx, transactions: failing }, `${APP_ORIGIN}/?state=abc`)).toBeUndefined();
  });
});
