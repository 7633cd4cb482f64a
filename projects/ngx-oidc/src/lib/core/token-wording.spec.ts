import { describeTimes, iso, list, relative } from './token-wording';

describe('token wording', () => {
  it('words a time relative to now', () => {
    expect(relative(0)).toBe('now');
    expect(relative(-180)).toBe('3 minutes ago');
    expect(relative(7200)).toBe('in 2 hours');
    expect(relative(-2 * 86400)).toBe('2 days ago');
    expect(relative(45)).toBe('in 45 seconds');
  });

  it("describes iat, nbf and exp, and leaves out what the token lacks", () => {
    const now = 1_700_000_000;
    const times = describeTimes({ iat: now - 60, exp: now + 3600 }, now);

    expect(times.issuedAt?.inWords).toBe('issued 1 minute ago');
    expect(times.issuedAt?.date).toEqual(new Date((now - 60) * 1000));
    expect(times.expiresAt?.inWords).toBe('expires in 1 hour');
    expect(times.notBefore).toBeUndefined();
    expect(describeTimes({ exp: now - 1 }, now).expiresAt?.inWords).toBe('expired 1 second ago');
    expect(describeTimes({ nbf: now + 120 }, now).notBefore?.inWords).toBe('not valid until in 2 minutes');
  });

  it('quotes lists and writes epoch seconds as ISO dates', () => {
    expect(list(['a', 1])).toBe('"a", "1"');
    expect(list([])).toBe('');
    expect(iso(0)).toBe('1970-01-01T00:00:00.000Z');
  });
});
