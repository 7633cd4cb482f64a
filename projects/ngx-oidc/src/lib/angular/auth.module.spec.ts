import { ApplicationInitStatus } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { FakeBrowser, TEST_CONFIG } from '../../test-support/fake-browser';
import { APP_ORIGIN, FakeProvider } from '../../test-support/fake-provider';
import { AUTH_BROWSER } from './auth-browser';
import { AUTH_CONFIG } from './auth-config';
import { AuthModule } from './auth.module';
import { AuthService } from './auth.service';

describe('AuthModule', () => {
  afterEach(() => sessionStorage.clear());

  it('provides the same service and start-up as provideAuth()', async () => {
    const browser = new FakeBrowser(`${APP_ORIGIN}/`, new FakeProvider());
    TestBed.configureTestingModule({
      imports: [AuthModule.forRoot(TEST_CONFIG)],
      providers: [{ provide: AUTH_BROWSER, useValue: browser }],
    });
    await TestBed.inject(ApplicationInitStatus).donePromise;
    expect(TestBed.inject(AUTH_CONFIG)).toBe(TEST_CONFIG);
    const auth = TestBed.inject(AuthService);
    expect(auth.isLoading()).toBeFalse();
    await auth.login();
    expect(new URL(browser.assigned[0]).origin).toBe('https://idp.example.com');
  });

  it('checks the configuration at once', () => {
    expect(() => AuthModule.forRoot({ authority: 'http://idp.example.com', clientId: 'x' })).toThrowError(/https/);
  });
});
