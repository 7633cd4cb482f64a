import { DOCUMENT } from '@angular/common';
import { PLATFORM_ID } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { AUTH_BROWSER } from './auth-browser';
import { AUTH_FEATURES } from './features';

type View = Window & typeof globalThis;

/** A window-like object with what windowPlatform reads. */
function fakeView(): View {
  return {
    location: { origin: 'https://app.example.com', href: 'https://app.example.com/page', assign: jasmine.createSpy('assign') },
    history: { state: null, replaceState: jasmine.createSpy('replaceState') },
    navigator: {},
  } as unknown as View;
}

describe('AUTH_BROWSER', () => {
  it("is, in the browser, the platform of the document's window", () => {
    TestBed.configureTestingModule({});
    const browser = TestBed.inject(AUTH_BROWSER);
    expect(browser.server).toBeFalsy();
    expect(browser.origin).toBe(location.origin);
    expect(browser.href()).toBe(location.href);
    expect(browser.runFrame).toBeUndefined();
    const channel = browser.openChannel!(`ngx-oidc-spec-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    expect(channel).toBeDefined();
    channel?.close();
  });

  it("runs the silent-authentication frame of AUTH_FEATURES in the document's window", async () => {
    const frame = jasmine.createSpy('frame').and.resolveTo('https://app.example.com/silent?code=1');
    TestBed.configureTestingModule({ providers: [{ provide: AUTH_FEATURES, useValue: { protocol: {}, frame } }] });
    await expectAsync(TestBed.inject(AUTH_BROWSER).runFrame!('https://idp.example.com/authorize', 5_000)).toBeResolvedTo(
      'https://app.example.com/silent?code=1',
    );
    expect(frame).toHaveBeenCalledOnceWith(window, 'https://idp.example.com/authorize', 5_000);
  });

  it("follows DOCUMENT's defaultView", () => {
    const view = fakeView();
    TestBed.configureTestingModule({ providers: [{ provide: DOCUMENT, useValue: { defaultView: view } }] });
    const browser = TestBed.inject(AUTH_BROWSER);
    expect(browser.server).toBeFalsy();
    expect(browser.origin).toBe('https://app.example.com');
    browser.assign('https://idp.example.com/authorize');
    expect(view.location.assign).toHaveBeenCalledOnceWith('https://idp.example.com/authorize');
  });

  it('is the server platform for a document without a window', () => {
    TestBed.configureTestingModule({ providers: [{ provide: DOCUMENT, useValue: { defaultView: null } }] });
    expect(TestBed.inject(AUTH_BROWSER).server).toBeTrue();
  });

  it('is the server platform on the server, though the document there has a window', async () => {
    const fetch = spyOn(window, 'fetch');
    const frame = jasmine.createSpy('frame');
    TestBed.configureTestingModule({
      providers: [
        { provide: PLATFORM_ID, useValue: 'server' },
        { provide: AUTH_FEATURES, useValue: { protocol: {}, frame } },
      ],
    });
    expect(TestBed.inject(DOCUMENT).defaultView).toBe(window);
    const browser = TestBed.inject(AUTH_BROWSER);
    expect(browser.server).toBeTrue();
    expect(browser.runFrame).toBeUndefined();
    expect(browser.openChannel).toBeUndefined();
    await expectAsync(browser.fetch('https://idp.example.com/.well-known/openid-configuration')).toBeRejected();
    expect(fetch).not.toHaveBeenCalled();
  });
});
