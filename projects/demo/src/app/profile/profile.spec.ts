import { TestBed } from '@angular/core/testing';
import { FakeAuthService, provideAuthTesting } from 'ngx-oidc/testing';

import { fakeJwt } from '../../testing/fake-jwt';
import { Profile } from './profile';

describe('Profile', () => {
  let auth: FakeAuthService;

  beforeEach(() => {
    TestBed.configureTestingModule({
      imports: [Profile],
      providers: [provideAuthTesting()],
    });
    auth = TestBed.inject(FakeAuthService);
  });

  async function render(): Promise<HTMLElement> {
    const fixture = TestBed.createComponent(Profile);
    await fixture.whenStable();
    return fixture.nativeElement as HTMLElement;
  }

  it("lists the user's claims, one row per claim, and the ID token's expiry", async () => {
    const exp = 1_900_000_000;
    auth.logIn(
      { sub: 'alice', name: 'Alice Liddell', email: 'alice@example.com', exp, aud: ['a', 'b'] },
      { idToken: fakeJwt({ sub: 'alice', exp }) },
    );
    const root = await render();
    const rows = Array.from(root.querySelectorAll('[data-testid="profile-claims"] tbody tr')).map(
      (row) => Array.from(row.children).map((cell) => cell.textContent?.trim()),
    );
    expect(rows).toContain(['sub', 'alice']);
    expect(rows).toContain(['name', 'Alice Liddell']);
    expect(rows).toContain(['aud', '["a","b"]']);
    expect(rows).toContain(['exp', `${exp} (${new Date(exp * 1000).toISOString()})`]);
    expect(root.querySelector('[data-testid="id-token-expiry"]')?.textContent).toBe(
      new Date(exp * 1000).toISOString(),
    );
  });

  it('renders no claims without a user', async () => {
    const root = await render();
    expect(root.querySelector('[data-testid="profile-claims"]')).toBeNull();
  });
});
