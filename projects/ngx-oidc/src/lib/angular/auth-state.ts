import { computed, signal, type Signal } from '@angular/core';
import { BehaviorSubject, distinctUntilChanged, map, type Observable } from 'rxjs';
import type { ClientSnapshot } from '../core/client';

/** Everything the service exposes, as one immutable snapshot. */
export type AuthSnapshot = ClientSnapshot;

const INITIAL: AuthSnapshot = { isLoading: true, session: null, error: null, pending: null };

/**
 * One source of truth read two ways: signals and observables are derived from the same
 * snapshot and updated in the same call, so they never disagree, and both emit synchronously.
 */
export class AuthState {
  readonly #snapshot = signal<AuthSnapshot>(INITIAL);
  readonly #subject = new BehaviorSubject<AuthSnapshot>(INITIAL);

  /** The current snapshot. */
  get value(): AuthSnapshot {
    return this.#snapshot();
  }

  /** Applies a partial update to both the signal and the observable. */
  update(patch: Partial<AuthSnapshot>): void {
    const next = { ...this.#snapshot(), ...patch };
    this.#snapshot.set(next);
    this.#subject.next(next);
  }

  /** A signal of one derived value. */
  select<T>(project: (s: AuthSnapshot) => T): Signal<T> {
    return computed(() => project(this.#snapshot()));
  }

  /** An observable of one derived value, emitting only on change. */
  select$<T>(project: (s: AuthSnapshot) => T): Observable<T> {
    return this.#subject.pipe(map(project), distinctUntilChanged());
  }

  /** Completes the observables (the service is being destroyed). */
  complete(): void {
    this.#subject.complete();
  }
}
