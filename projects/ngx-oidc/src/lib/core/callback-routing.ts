import { isCallbackUrl } from './callback-url';
import { LOGOUT_STATE_PREFIX } from './logout-return';
import { TRANSACTION_PREFIX } from './pending-logins';
import type { AuthPlatform } from './platform';
import { scopeName, type SessionScope } from './session-store';
import { readJsonOrNull, writeJson, type AuthStorage } from './storage';
import type { LoginTransaction } from './transaction';

/** A client of an app with several providers, as {@link routeCallbacks} tells them apart. */
export interface RoutedClient extends SessionScope {
  /** Where its provider sends the authorization response (the clients may share it). */
  readonly redirectUri: string;
  /** Members of this client's platform that differ from the page's (its silent-authentication frame). */
  readonly own?: Partial<AuthPlatform>;
}

/**
 * The platforms of the clients of one app with several providers (`withAuthProvider()`): each
 * sees the page's URL, except an authorization response that answers another client's login,
 * which it sees without its query and fragment (so its start-up finds no callback there).
 *
 * Whose response it is goes by its `state` (RFC 6749 §10.12), never by what else it says: the
 * client whose pending login transaction (`sessionStorage`, shared by the clients of the page)
 * has that state ({@link recordProvider}), or whose last logout sent it (RP-Initiated Logout 1.0
 * §3: the return from a logout; that key is per client id, so of two providers with the same
 * client id the first takes either's return, which only cleans the address bar). A response that
 * matches no pending login of any client is the first client's (the main provider's), which
 * refuses it with `state_mismatch`; the others ignore it, so it fails once. The owner then
 * checks the response as a single client does, its `iss` first (RFC 9207 §2.4): a response
 * carrying another provider's `iss` for this client's state is the mix-up attack, and fails
 * with `iss_parameter_mismatch`.
 *
 * @param platform The page's platform.
 * @param transactions Where the clients keep their login transactions (the page's session storage).
 * @param clients The clients, the main provider's first.
 * @returns One platform per client, in the same order; every other member is `platform`'s
 *   (or the client's `own`).
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export function routeCallbacks(
  platform: AuthPlatform,
  transactions: AuthStorage,
  clients: readonly RoutedClient[],
): AuthPlatform[] {
  const scopes = clients.map(scopeName);
  /** Index of the client whose response `href` is. */
  const owner = (href: string): number => {
    let state: string | null;
    try {
      const url = new URL(href);
      state = url.searchParams.get('state') ?? new URLSearchParams(url.hash.slice(1)).get('state');
    } catch {
      return 0;
    }
    if (state === null) return 0;
    // The key logout-return.ts reads: per client id.
    let index = clients.findIndex(
      (client) => read(transactions, LOGOUT_STATE_PREFIX + client.clientId) === state,
    );
    if (index < 0)
      index = scopes.indexOf(
        readJsonOrNull<LoginTransaction>(transactions, TRANSACTION_PREFIX + state)?.provider ?? '',
      );
    return Math.max(index, 0);
  };
  return clients.map(
    (client, index) =>
      new Proxy(platform, {
        get(target, name) {
          if (name === 'href') {
            return () => {
              const href = target.href();
              if (!isCallbackUrl(href, client.redirectUri) || owner(href) === index) return href;
              const url = new URL(href);
              return url.origin + url.pathname;
            };
          }
          const value: unknown =
            client.own && name in client.own
              ? Reflect.get(client.own, name)
              : Reflect.get(target, name);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
  );
}

function read(storage: AuthStorage, key: string): string | null {
  try {
    return storage.getItem(key);
  } catch {
    return null;
  }
}

/**
 * The provider (`scopeName`) of the login transaction of `state` (`LoginTransaction.provider`);
 * one that has none becomes `scope`'s. For {@link routeCallbacks}: a client of an app with
 * several providers claims the login it reports pending right after storing it
 * (`OidcClient.login`), before the browser leaves for the provider.
 *
 * @returns The transaction's provider, or `undefined` when no transaction has this state.
 */
export function claimTransaction(
  transactions: AuthStorage,
  state: string,
  scope: SessionScope,
): string | undefined {
  const key = TRANSACTION_PREFIX + state;
  const transaction = readJsonOrNull<LoginTransaction>(transactions, key);
  if (!transaction) return undefined;
  if (transaction.provider === undefined) {
    try {
      writeJson(transactions, key, { ...transaction, provider: scopeName(scope) });
    } catch {
      // Unwritable storage: the callback goes to the main provider, which refuses another's login.
    }
  }
  return transaction.provider ?? scopeName(scope);
}
