export interface LimitKey {
  key: string;
  max: number;
}

/**
 * Fixed-window counter of login attempts per key (account, IP). In memory per instance: an attacker
 * spreading over N instances gets N× the budget, which is acceptable for this threat model.
 *
 * An attempt is counted before its password is checked (`attempt`, synchronous, so parallel
 * requests cannot all pass the check before any of them is counted); a success gives it back.
 */
export class LoginLimiter {
  private readonly attempts = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts one attempt on every key and returns 0, or, when a key has used its budget, counts
   * nothing and returns the seconds until every key may try again.
   */
  attempt(keys: LimitKey[]): number {
    const now = this.now();
    let wait = 0;
    for (const { key, max } of keys) {
      const entry = this.attempts.get(key);
      if (entry && entry.resetAt > now && entry.count >= max) wait = Math.max(wait, Math.ceil((entry.resetAt - now) / 1000));
    }
    if (wait > 0) return wait;
    for (const { key } of keys) {
      const entry = this.attempts.get(key);
      if (!entry || entry.resetAt <= now) this.attempts.set(key, { count: 1, resetAt: now + this.windowMs });
      else entry.count += 1;
    }
    if (this.attempts.size > 50_000) this.sweep(now);
    return 0;
  }

  /** A successful attempt: `reset` keys start over, the others get this attempt back. */
  succeed(reset: LimitKey[], refund: LimitKey[] = []): void {
    for (const { key } of reset) this.attempts.delete(key);
    for (const { key } of refund) {
      const entry = this.attempts.get(key);
      if (entry && entry.count > 0) entry.count -= 1;
    }
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.attempts) if (entry.resetAt <= now) this.attempts.delete(key);
  }
}
