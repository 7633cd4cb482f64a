import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { AuthService } from 'ngx-oidc';

/** One row of the claims table. */
interface ClaimRow {
  readonly key: string;
  readonly value: string;
  /** For time claims (`exp`, `iat`, …): the instant as an ISO string. */
  readonly time?: string;
}

const TIME_CLAIMS = new Set(['exp', 'iat', 'auth_time', 'nbf', 'updated_at']);

/** The logged-in user's claims and the ID token's expiry (route guarded by `authGuard`). */
@Component({
  selector: 'app-profile',
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './profile.html',
  styleUrl: './profile.css',
})
export class Profile {
  protected readonly auth = inject(AuthService);

  protected readonly claims = computed<ClaimRow[]>(() =>
    Object.entries(this.auth.user() ?? {}).map(([key, value]) => ({
      key,
      value: typeof value === 'string' ? value : JSON.stringify(value),
      time: TIME_CLAIMS.has(key) && typeof value === 'number' ? isoTime(value) : undefined,
    })),
  );

  /** `acr` of the raw ID token: how the user signed in (OIDC Core 1.0 §2). */
  protected readonly idTokenAcr = computed(() => {
    const acr = jwtPayload(this.auth.idToken())?.['acr'];
    return typeof acr === 'string' ? acr : null;
  });

  /** `exp` of the raw ID token (the `user` claims may be merged with UserInfo). */
  protected readonly idTokenExpiry = computed(() => {
    const exp = jwtPayload(this.auth.idToken())?.['exp'] ?? this.auth.user()?.exp;
    return typeof exp === 'number'
      ? { iso: isoTime(exp), local: new Date(exp * 1000).toLocaleString() }
      : null;
  });
}

function isoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}

/** Decodes a JWT's payload for display only; the library has already validated it. */
function jwtPayload(jwt: string | null): Record<string, unknown> | null {
  const part = jwt?.split('.')[1];
  if (!part) return null;
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return null;
  }
}
