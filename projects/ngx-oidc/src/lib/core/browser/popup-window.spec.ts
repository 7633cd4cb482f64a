import { popupWindows } from './popup-window';
import { windowPlatform } from './window-platform';

type View = Window & typeof globalThis;

function fakeView(members: Record<string, unknown> = {}): View {
  return {
    location: { origin: 'https://app.example.com', href: 'https://app.example.com/page', assign: jasmine.createSpy('assign') },
    history: { state: null, replaceState: jasmine.createSpy('replaceState') },
    navigator: {},
    ...members,
  } as unknown as View;
}

describe('popupWindows', () => {
  it('opens a blank popup window synchronously, and hands over what window.open returned (null: blocked)', () => {
    const popup = { closed: false };
    const open = jasmine.createSpy('open').and.returnValues(popup, null);
    const platform = popupWindows(fakeView({ open, BroadcastChannel }));
    expect(platform.openPopup!()).toBe(popup as never);
    expect(open).toHaveBeenCalledOnceWith('about:blank', '_blank', 'popup,width=500,height=640');
    expect(platform.openPopup!()).toBeNull();
  });

  it('offers no popup without BroadcastChannel, which carries the answer back', () => {
    expect(popupWindows(fakeView({ open: () => null })).openPopup).toBeUndefined();
    expect(popupWindows(window).openPopup).toEqual(jasmine.any(Function));
  });

  it("closes the view's window (a popup's callback page)", () => {
    const view = fakeView({ close: jasmine.createSpy('close') });
    popupWindows(view).closeWindow!();
    expect(view.close).toHaveBeenCalledTimes(1);
  });

  it('joins the platform of its window only when given (withPopupLogin())', () => {
    const view = fakeView({ open: () => null, BroadcastChannel });
    expect(windowPlatform(view).openPopup).toBeUndefined();
    expect(windowPlatform(view).closeWindow).toBeUndefined();
    expect(windowPlatform(view, undefined, popupWindows).openPopup).toEqual(jasmine.any(Function));
  });
});
