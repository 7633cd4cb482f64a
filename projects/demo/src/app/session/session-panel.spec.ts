import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { AuthError } from 'ngx-oidc';
import { FakeAuthService, provideAuthTesting } from 'ngx-oidc/testing';

import { DEFAULT_DEMO_ENV, DEMO_ENV } from '../demo-env';
import { AuthEventLog, EVENT_LOG_SIZE } from './auth-event-log';
import { SessionPanel } from './session-panel';

describe('SessionPanel', () => {
  let auth: FakeAuthService;

  beforeEach(() => {
    TestBed.configureTestingModule({
      imports: [SessionPanel],
      providers: [
        provideAuthTesting({ authenticated: true, user: { sub: 'alice', name: 'Alice' } }),
        { provide: DEMO_ENV, useValue: DEFAULT_DEMO_ENV },
      ],
    });
    auth = TestBed.inject(FakeAuthService);
  });

  async function render(): Promise<ComponentFixture<SessionPanel>> {
    const fixture = TestBed.createComponent(SessionPanel);
    await fixture.whenStable();
    return fixture;
  }

  function el(fixture: ComponentFixture<SessionPanel>, id: string): HTMLElement {
    const found = (fixture.nativeElement as HTMLElement).querySelector<HTMLElement>(
      `[data-testid="${id}"]`,
    );
    if (!found) throw new Error(`no [data-testid="${id}"]`);
    return found;
  }

  function eventLines(fixture: ComponentFixture<SessionPanel>): string[] {
    return Array.from(
      el(fixture, 'events-log').querySelectorAll('[data-testid="event"]'),
      (li) => li.textContent?.trim() ?? '',
    );
  }

  /** Clicks "renew" and waits for the (fake) renewal to settle. */
  async function renew(fixture: ComponentFixture<SessionPanel>): Promise<string> {
    el(fixture, 'renew-button').click();
    await new Promise((resolve) => setTimeout(resolve));
    await fixture.whenStable();
    return el(fixture, 'renew-result').textContent ?? '';
  }

  describe('token expiry', () => {
    afterEach(() => jasmine.clock().uninstall());

    it('shows the expiry as an ISO time and a countdown that ticks every second', () => {
      jasmine.clock().install();
      jasmine.clock().mockDate(new Date('2030-01-01T12:00:00.000Z'));
      const expiresAt = Date.parse('2030-01-01T12:01:30.000Z');
      auth.setAccessToken('access-token-1', {}, { expiresAt });
      const fixture = TestBed.createComponent(SessionPanel);
      fixture.detectChanges();
      expect(el(fixture, 'token-expiry').textContent).toBe('2030-01-01T12:01:30.000Z (in 90 s)');
      jasmine.clock().tick(1000);
      fixture.detectChanges();
      expect(el(fixture, 'token-expiry').textContent).toBe('2030-01-01T12:01:30.000Z (in 89 s)');
      jasmine.clock().tick(91_000);
      fixture.detectChanges();
      expect(el(fixture, 'token-expiry').textContent).toBe(
        '2030-01-01T12:01:30.000Z (expired 2 s ago)',
      );
      // A renewal moves the expiry.
      const renewedExpiresAt = Date.parse('2030-01-01T12:06:32.000Z');
      auth.setAccessToken('access-token-2', {}, { expiresAt: renewedExpiresAt });
      fixture.detectChanges();
      expect(el(fixture, 'token-expiry').textContent).toBe('2030-01-01T12:06:32.000Z (in 300 s)');
    });

    it('stops ticking when destroyed', () => {
      const set = spyOn(window, 'setInterval').and.callThrough();
      const clear = spyOn(window, 'clearInterval').and.callThrough();
      const fixture = TestBed.createComponent(SessionPanel);
      fixture.detectChanges();
      const ticker = set.calls.all().find((call) => call.args[1] === 1000);
      expect(ticker).toBeDefined();
      expect(clear).not.toHaveBeenCalledWith(ticker!.returnValue);
      fixture.destroy();
      expect(clear).toHaveBeenCalledWith(ticker!.returnValue);
    });

    it('says "unknown" when the expiry is not known', async () => {
      // Logged in without the provider saying when the access token expires.
      expect(auth.expiresAt()).toBeNull();
      const fixture = await render();
      expect(el(fixture, 'token-expiry').textContent).toBe('unknown');
    });
  });

  describe('renew button', () => {
    it('forces a renewal and shows "renewed"', async () => {
      const fixture = await render();
      expect(el(fixture, 'renew-result').textContent).toBe('');
      expect(await renew(fixture)).toBe('renewed');
      expect(auth.getAccessTokenCalls).toEqual([{ forceRefresh: true }]);
    });

    it('shows "error <code>" when the renewal fails', async () => {
      const fixture = await render();
      auth.setAccessTokenError(
        new AuthError('login_required', 'the session at the provider is over'),
      );
      expect(await renew(fixture)).toBe('error login_required');
      auth.setAccessTokenError(new AuthError('timeout', 'silent authentication'));
      expect(await renew(fixture)).toBe('error timeout');
    });

    it('shows "error not_authenticated" when nobody is logged in any more', async () => {
      const fixture = await render();
      // getAccessToken() resolves null only when nobody is logged in (in the real app: the
      // session ended during the renewal). The fake, like AuthService, then also hides this
      // part of the panel, so that one answer is stubbed to check how the panel handles it.
      spyOn(auth, 'getAccessToken').and.resolveTo(null);
      expect(await renew(fixture)).toBe('error not_authenticated');
    });

    it('is disabled while the renewal runs', async () => {
      auth.setAccessTokenPending(true);
      const fixture = await render();
      el(fixture, 'renew-button').click();
      await fixture.whenStable();
      expect((el(fixture, 'renew-button') as HTMLButtonElement).disabled).toBeTrue();
      auth.setAccessToken('new-token');
      auth.setAccessTokenPending(false);
      await new Promise((r) => setTimeout(r));
      await fixture.whenStable();
      expect((el(fixture, 'renew-button') as HTMLButtonElement).disabled).toBeFalse();
      expect(el(fixture, 'renew-result').textContent).toBe('renewed');
    });
  });

  describe('events log', () => {
    it('lists events from before the panel was shown, newest first, with error codes', async () => {
      // Created at start-up (createAppConfig), long before the panel.
      TestBed.inject(AuthEventLog);
      auth.emitEvent({ type: 'login_started' });
      auth.emitEvent({ type: 'login_completed' });
      const fixture = await render();
      expect(eventLines(fixture)).toEqual(['login_completed', 'login_started']);

      auth.emitEvent({ type: 'token_renewed', audience: 'https://management.ngx-oidc.test' });
      auth.emitEvent({
        type: 'renew_failed',
        error: new AuthError('interaction_required', 'prompt=none'),
      });
      auth.emitEvent({
        type: 'login_failed',
        error: new AuthError('state_mismatch', 'no such login'),
      });
      await fixture.whenStable();
      expect(eventLines(fixture)).toEqual([
        'login_failed state_mismatch',
        'renew_failed interaction_required',
        'token_renewed',
        'login_completed',
        'login_started',
      ]);
      const renewed = el(fixture, 'events-log').querySelectorAll('li')[2];
      expect(renewed.getAttribute('title')).toContain('audience https://management.ngx-oidc.test');
    });

    it(`keeps the last ${EVENT_LOG_SIZE}`, async () => {
      TestBed.inject(AuthEventLog);
      auth.emitEvent({ type: 'login_completed' });
      for (let i = 0; i < EVENT_LOG_SIZE; i++) auth.emitEvent({ type: 'token_renewed' });
      auth.emitEvent({ type: 'session_expired' });
      const fixture = await render();
      const lines = eventLines(fixture);
      expect(lines.length).toBe(EVENT_LOG_SIZE);
      expect(lines[0]).toBe('session_expired');
      expect(lines).not.toContain('login_completed');
    });

    it('shows an empty list until something happens', async () => {
      const fixture = await render();
      expect(eventLines(fixture)).toEqual([]);
      expect((fixture.nativeElement as HTMLElement).textContent).toContain('None yet.');
    });
  });
});
