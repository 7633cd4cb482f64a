import type { LoginOptions } from 'ngx-oidc';

/** The raw values of the show-time options form. */
export interface ShowOptionsForm {
  readonly scope: string;
  readonly audience: string;
  readonly state: string;
  readonly prompt: string;
  readonly loginHint: string;
}

/** The prompt values of OIDC Core 1.0 §3.1.2.1 ('' = not sent). */
export const PROMPTS = ['', 'none', 'login', 'consent', 'select_account'] as const;

/**
 * Builds a NEW `LoginOptions` object from the form: trimmed values, empty fields left out, so
 * that only what the user chose overrides the constructor-time defaults, for this login only.
 */
export function toLoginOptions(form: ShowOptionsForm): LoginOptions {
  const options: { -readonly [K in keyof LoginOptions]: LoginOptions[K] } = {};
  const scope = form.scope.trim();
  const audience = form.audience.trim();
  const state = form.state.trim();
  const prompt = form.prompt.trim();
  const loginHint = form.loginHint.trim();
  if (scope) options.scope = scope;
  if (audience) options.audience = audience;
  if (state) options.state = state;
  if (prompt) options.prompt = prompt;
  if (loginHint) options.loginHint = loginHint;
  return options;
}
