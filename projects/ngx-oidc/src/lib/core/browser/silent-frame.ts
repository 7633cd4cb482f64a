import { AuthError } from '../errors';

/**
 * Silent authentication's frame: a hidden iframe at the provider, whose final page (the app's
 * silent-callback page, same origin) posts `{ source: 'ngx-oidc', url }` to this window.
 * @param view The window that holds the frame and receives its message.
 * @param url The provider's authorization URL (`prompt=none`).
 * @param timeoutMs How long to wait for the silent-callback page's answer.
 * @returns A promise of the URL the silent-callback page reached (with the authorization response).
 * @throws {AuthError} `timeout` (as a rejection) when no answer came within `timeoutMs`; the frame is removed.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest (`prompt=none`)
 */
export function runFrame(view: Window, url: string, timeoutMs: number): Promise<string> {
  const doc = view.document;
  const frame = doc.createElement('iframe');
  frame.setAttribute('aria-hidden', 'true');
  frame.setAttribute('tabindex', '-1');
  frame.title = 'ngx-oidc silent authentication';
  frame.style.cssText = 'position:absolute;width:0;height:0;border:0;visibility:hidden';
  return new Promise<string>((resolve, reject) => {
    const done = () => {
      view.clearTimeout(timer);
      view.removeEventListener('message', onMessage);
      frame.remove();
    };
    const onMessage = (event: MessageEvent) => {
      // Only our own silent-callback page, in our own frame, may answer.
      if (event.origin !== view.location.origin || event.source !== frame.contentWindow) return;
      const data = event.data as { source?: unknown; url?: unknown } | null;
      if (data?.source !== 'ngx-oidc' || typeof data.url !== 'string') return;
      done();
      resolve(data.url);
    };
    const timer = view.setTimeout(() => {
      done();
      reject(
        new AuthError(
          'timeout',
          (typeof ngDevMode === 'undefined' || ngDevMode) ? `Silent authentication got no answer within ${timeoutMs / 1000} s: the provider may refuse to be framed, third-party cookies may be blocked, or silentRedirectUri does not serve the silent-callback page.` : '',
        ),
      );
    }, timeoutMs);
    view.addEventListener('message', onMessage);
    frame.src = url;
    doc.body.appendChild(frame);
  });
}
