import { AuthError } from '../errors';
import { runFrame } from './silent-frame';

describe('runFrame (silent authentication frame)', () => {
  const blobUrls: string[] = [];
  const extraFrames: HTMLIFrameElement[] = [];

  afterEach(() => {
    blobUrls.splice(0).forEach((url) => URL.revokeObjectURL(url));
    extraFrames.splice(0).forEach((frame) => frame.remove());
  });

  /** A same-origin page (blob: URLs have their creator's origin) that runs `script`. */
  function page(script: string): string {
    const url = URL.createObjectURL(new Blob([`<!doctype html><script>${script}</script>`], { type: 'text/html' }));
    blobUrls.push(url);
    return url;
  }

  /** Calls runFrame and returns its promise with the iframe it added to the document. */
  function start(url: string, timeoutMs = 10_000): { result: Promise<string>; frame: HTMLIFrameElement } {
    const before = new Set(document.querySelectorAll('iframe'));
    const result = runFrame(window, url, timeoutMs);
    const added = [...document.querySelectorAll('iframe')].filter((f) => !before.has(f));
    expect(added.length).withContext('iframes runFrame added').toBe(1);
    return { result, frame: added[0] };
  }

  /** The next message this window receives that `accept` accepts. */
  function nextMessage(accept: (event: MessageEvent) => boolean): Promise<MessageEvent> {
    return new Promise((resolve) => {
      const listener = (event: MessageEvent) => {
        if (!accept(event)) return;
        window.removeEventListener('message', listener);
        resolve(event);
      };
      window.addEventListener('message', listener);
    });
  }

  /** What the frame's own silent-callback page would post (dispatched, not posted). */
  function answerFrom(frame: HTMLIFrameElement, data: unknown, origin = location.origin): void {
    window.dispatchEvent(new MessageEvent('message', { data, origin, source: frame.contentWindow }));
  }

  /** The `message` listener runFrame registers (the first one added after the spy is installed). */
  function spyOnMessageListeners(): () => EventListener {
    const add = spyOn(window, 'addEventListener').and.callThrough();
    spyOn(window, 'removeEventListener').and.callThrough();
    return () => add.calls.all().find((call) => call.args[0] === 'message')!.args[1] as EventListener;
  }

  it('loads the URL in a frame and resolves with the URL its silent-callback page posts', async () => {
    const listener = spyOnMessageListeners();
    const url = page(`parent.postMessage({ source: 'ngx-oidc', url: location.href + '?code=abc&state=xyz' }, '*');`);
    const { result, frame } = start(url);
    expect(frame.getAttribute('src')).toBe(url);

    await expectAsync(result).toBeResolvedTo(`${url}?code=abc&state=xyz`);
    expect(frame.isConnected).withContext('frame removed').toBeFalse();
    expect(window.removeEventListener).toHaveBeenCalledWith('message', listener());
  });

  it('adds a frame nobody sees or reaches with the keyboard', async () => {
    const { result, frame } = start('about:blank');
    expect(frame.getAttribute('aria-hidden')).toBe('true');
    expect(frame.tabIndex).toBe(-1);
    expect(getComputedStyle(frame).visibility).toBe('hidden');
    const box = frame.getBoundingClientRect();
    expect([box.width, box.height]).toEqual([0, 0]);

    answerFrom(frame, { source: 'ngx-oidc', url: 'https://app.example.com/silent?code=1' });
    await expectAsync(result).toBeResolvedTo('https://app.example.com/silent?code=1');
  });

  it('ignores messages of the wrong shape from its own page', async () => {
    const url = page(`
      for (const data of [
        { source: 'other-lib', url: 'https://app.example.com/wrong-source' },
        { source: 'ngx-oidc' },
        { source: 'ngx-oidc', url: 42 },
        { url: 'https://app.example.com/no-source' },
        null,
        'https://app.example.com/a-bare-string',
        ['ngx-oidc', 'https://app.example.com/an-array'],
      ]) parent.postMessage(data, '*');
      parent.postMessage({ source: 'ngx-oidc', url: 'https://app.example.com/silent?code=right' }, '*');
    `);
    const { result, frame } = start(url);
    await expectAsync(result).toBeResolvedTo('https://app.example.com/silent?code=right');
    expect(frame.isConnected).toBeFalse();
  });

  it('ignores a well-formed message from another window (this one, another frame)', async () => {
    const { result, frame } = start('about:blank');

    const fromSelf = nextMessage((e) => e.source === window);
    window.postMessage({ source: 'ngx-oidc', url: 'https://app.example.com/from-the-app' }, location.origin);
    expect((await fromSelf).origin).toBe(location.origin);

    const other = document.createElement('iframe');
    extraFrames.push(other);
    other.src = page(`parent.postMessage({ source: 'ngx-oidc', url: 'https://app.example.com/from-another-frame' }, '*');`);
    const fromOther = nextMessage((e) => e.source !== null && e.source === other.contentWindow);
    document.body.appendChild(other);
    expect((await fromOther).origin).toBe(location.origin);

    await expectAsync(result).toBePending();
    expect(frame.isConnected).toBeTrue();

    // Still listening: its own page's answer is taken.
    answerFrom(frame, { source: 'ngx-oidc', url: 'https://app.example.com/silent?code=own' });
    await expectAsync(result).toBeResolvedTo('https://app.example.com/silent?code=own');
  });

  it('ignores a well-formed message from its own frame once it shows another origin', async () => {
    // A data: document has an opaque origin ("null"): the frame left the app's origin.
    const url = `data:text/html,<script>parent.postMessage({ source: 'ngx-oidc', url: 'https://evil.example/x' }, '*')</script>`;
    const { result, frame } = start(url);
    const posted = await nextMessage((e) => e.source !== null && e.source === frame.contentWindow);
    expect(posted.origin).toBe('null');
    answerFrom(frame, { source: 'ngx-oidc', url: 'https://idp.example.com/authorize?x' }, 'https://idp.example.com');

    await expectAsync(result).toBePending();
    expect(frame.isConnected).toBeTrue();

    answerFrom(frame, { source: 'ngx-oidc', url: 'https://app.example.com/silent?code=own' });
    await expectAsync(result).toBeResolvedTo('https://app.example.com/silent?code=own');
  });

  describe('without an answer', () => {
    beforeEach(() => jasmine.clock().install());
    afterEach(() => jasmine.clock().uninstall());

    it("rejects with AuthError 'timeout' after timeoutMs, removing the frame and its listener", async () => {
      const listener = spyOnMessageListeners();
      const { result, frame } = start('about:blank', 5_000);

      jasmine.clock().tick(4_999);
      await expectAsync(result).toBePending();
      expect(frame.isConnected).toBeTrue();
      expect(window.removeEventListener).not.toHaveBeenCalledWith('message', listener());

      jasmine.clock().tick(1);
      await expectAsync(result).toBeRejectedWith(jasmine.any(AuthError));
      await expectAsync(result).toBeRejectedWith(jasmine.objectContaining({ code: 'timeout' }));
      expect(frame.isConnected).toBeFalse();
      expect(window.removeEventListener).toHaveBeenCalledWith('message', listener());
    });
  });
});
