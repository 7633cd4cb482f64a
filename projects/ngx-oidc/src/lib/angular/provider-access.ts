import { inject, Injectable, Injector, runInInjectionContext } from '@angular/core';
import type { CanActivateFn, CanMatchFn } from '@angular/router';
import type { AuthClient } from '../core/auth-client';
import { clientOf } from './auth-client';
import { authGuard } from './auth.guard';
import { AuthService } from './auth.service';

// How an app reaches the providers `withAuthProvider()` (auth-providers.ts) adds: their
// services, and the guard of each. Tested with the feature, in auth-providers.spec.ts.

/** The client behind the main `AuthService` of an app with several providers (see {@link AuthProviders}). */
export interface ProviderRouter extends AuthClient {
  /** The other providers' services, by name. */
  readonly ɵservices: ReadonlyMap<string, AuthService>;
}

/**
 * The services of the providers of the app: the main one (`provideAuth()`'s) and those of
 * `withAuthProvider()`. For use where `injectAuth()` cannot run (outside an injection context).
 */
@Injectable({ providedIn: 'root' })
export class AuthProviders {
  private readonly injector = inject(Injector);

  /** The names given to `withAuthProvider()`, in order (the main provider has none). */
  get names(): readonly string[] {
    return [...this.others().keys()];
  }

  /**
   * The service of a provider.
   * @param name A name given to `withAuthProvider()`; omitted, the main provider's (`AuthService`).
   * @throws {TypeError} when no provider has this name.
   */
  get(name?: string): AuthService {
    if (name === undefined) return this.injector.get(AuthService);
    const service = this.others().get(name);
    if (!service) {
      throw new TypeError(
        typeof ngDevMode === 'undefined' || ngDevMode
          ? `No auth provider is named "${name}" (${this.names.map((n) => `"${n}"`).join(', ') || 'none are configured'}): provideAuth(config, withAuthProvider('${name}', itsConfig)).`
          : name,
      );
    }
    return service;
  }

  private others(): ReadonlyMap<string, AuthService> {
    return (
      (clientOf(this.injector.get(AuthService)) as Partial<ProviderRouter>).ɵservices ?? new Map()
    );
  }
}

/**
 * The `AuthService` of a provider, in an injection context (a constructor, a field initializer,
 * a guard, …): `readonly partner = injectAuth('partner')`.
 * @param name A name given to `withAuthProvider()`; omitted, the main provider's.
 * @throws {TypeError} when no provider has this name.
 */
export function injectAuth(name?: string): AuthService {
  return inject(AuthProviders).get(name);
}

/**
 * `authGuard` for another provider than the main one: lets the users logged in to provider
 * `name` through, and sends anyone else to its login (or its `loginRoute`), as `authGuard` does
 * for the main provider. Usable as `canActivate`, `canActivateChild` and `canMatch`.
 *
 * ```ts
 * { path: 'partner', component: PartnerPage, canActivate: [authGuardFor('partner')] }
 * ```
 *
 * @param name A name given to `withAuthProvider()`.
 * @throws {TypeError} when the guard runs and no provider has this name (the navigation fails).
 */
export function authGuardFor(name: string): CanActivateFn & CanMatchFn {
  return (route, stateOrSegments) => {
    // authGuard itself, with this provider's service where it asks for AuthService.
    const injector = Injector.create({
      providers: [{ provide: AuthService, useValue: injectAuth(name) }],
      parent: inject(Injector),
    });
    return runInInjectionContext(injector, () =>
      (authGuard as (r: unknown, s: unknown) => ReturnType<CanActivateFn>)(route, stateOrSegments),
    );
  };
}
