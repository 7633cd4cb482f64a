import { serverPlatform } from './server-platform';

describe('serverPlatform', () => {
  it('is marked as the server, with a consistent origin and URL', () => {
    const platform = serverPlatform();
    expect(platform.server).toBeTrue();
    expect(new URL(platform.href()).origin).toBe(platform.origin);
  });

  it('fetches nothing: fetch rejects without calling the network', async () => {
    const fetch = spyOn(window, 'fetch');
    await expectAsync(serverPlatform().fetch('https://idp.example.com/.well-known/openid-configuration')).toBeRejectedWithError(Error);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('leaves the address bar and the history alone', () => {
    const href = location.href;
    const replaceState = spyOn(history, 'replaceState');
    const pushState = spyOn(history, 'pushState');
    const platform = serverPlatform();
    platform.assign('https://idp.example.com/authorize');
    platform.replaceUrl(`${location.origin}/?ngx-oidc-spec=server`);
    expect(location.href).toBe(href);
    expect(replaceState).not.toHaveBeenCalled();
    expect(pushState).not.toHaveBeenCalled();
  });

  describe('timers', () => {
    beforeEach(() => jasmine.clock().install());
    afterEach(() => jasmine.clock().uninstall());

    it('schedules nothing: a timer never fires, and cancelling it is harmless', () => {
      const fired = jasmine.createSpy('fired');
      const cancel = serverPlatform().setTimer!(fired, 1_000);
      jasmine.clock().tick(24 * 3600_000);
      expect(fired).not.toHaveBeenCalled();
      expect(() => cancel()).not.toThrow();
    });
  });

  it('offers no frame, tab channel or lock', () => {
    const platform = serverPlatform();
    expect(platform.runFrame).toBeUndefined();
    expect(platform.openChannel).toBeUndefined();
    expect(platform.withLock).toBeUndefined();
  });

  it('warns on the console', () => {
    const warn = spyOn(console, 'warn');
    serverPlatform().warn('server warning');
    expect(warn).toHaveBeenCalledOnceWith('server warning');
  });
});
