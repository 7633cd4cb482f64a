import type { JWTPayload } from 'jose';
import type { TokenTime, TokenTimes } from './token-diagnosis';

// How diagnoseToken words times and lists in its findings.

/** A token's `iat`, `nbf` and `exp` as dates and in words, relative to `now` (epoch seconds). */
export function describeTimes(claims: JWTPayload, now: number): TokenTimes {
  const time = (at: unknown, past: string, future: string): TokenTime | undefined =>
    typeof at === 'number'
      ? { date: new Date(at * 1000), inWords: `${at <= now ? past : future} ${relative(at - now)}` }
      : undefined;
  return {
    issuedAt: time(claims.iat, 'issued', 'issued'),
    notBefore: time(claims.nbf, 'valid since', 'not valid until'),
    expiresAt: time(claims.exp, 'expired', 'expires'),
  };
}

/** "3 minutes ago", "in 2 hours", "now". */
export function relative(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs < 1) return 'now';
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  const [unit, size] = units.find(([, s]) => abs >= s)!;
  return new Intl.RelativeTimeFormat('en', { numeric: 'always' }).format(
    Math.sign(seconds) * Math.round(abs / size),
    unit,
  );
}

/** Values quoted and comma-separated. */
export function list(values: readonly unknown[]): string {
  return values.map((v) => `"${String(v)}"`).join(', ');
}

/** Epoch seconds as an ISO date. */
export function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
