import type { StoredSession } from './session-store';
import { readJson, writeJson, type AuthStorage } from './storage';

/**
 * How long a tab waits for another tab's renewal to reach it before renewing itself. Renewing
 * with a refresh token another tab has already rotated would fail, and providers that detect
 * the reuse (RFC 9700 §4.14.2) revoke the whole grant, so waiting is the cheaper mistake.
 */
export const RENEWAL_BROADCAST_WAIT_MS = 2000;

/** Messages between the tabs of one app (a BroadcastChannel per issuer and client id, see `scopeName`). */
export type TabMessage =
  | { readonly type: 'session'; readonly session: StoredSession }
  | { readonly type: 'logout' }
  /** From the storage-event fallback, which carries no tokens: re-read shared storage. */
  | { readonly type: 'reload' }
  /**
   * Sent by a tab that holds the renewal lock and is about to replace session generation
   * `from`: the tabs still on that generation must wait for its result instead of renewing.
   */
  | { readonly type: 'renewing'; readonly from: string };

/** Written by the tab that renewed, read by a tab about to renew (shared storage). */
export interface RenewalMarker {
  /** Generation id of the session the renewal replaced. */
  readonly from: string;
  /** Generation id of the renewed session. */
  readonly to: string;
}

function renewalMarkerKey(scope: string): string {
  return `ngx-oidc.renewed.${scope}`;
}

/**
 * The last renewal any tab made, or `null`. Only a hint: Chromium copies localStorage into
 * each renderer process and delivers another tab's write a little later, so a tab that has
 * just been handed the renewal lock may not see the marker yet (hence the `renewing` message).
 */
export function readRenewalMarker(shared: AuthStorage, scope: string): RenewalMarker | null {
  try {
    return readJson<RenewalMarker>(shared, renewalMarkerKey(scope));
  } catch {
    return null;
  }
}

/** Tells the other tabs which session generation replaced which: ids only, no token. */
export function writeRenewalMarker(shared: AuthStorage, scope: string, marker: RenewalMarker): void {
  try {
    writeJson(shared, renewalMarkerKey(scope), marker);
  } catch {
    // Without the marker the `renewing` message still tells the other tabs; nothing else breaks.
  }
}
