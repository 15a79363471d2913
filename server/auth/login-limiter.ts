export interface LimitKey {
  key: string;
  max: number;
}

/**
 * Fixed-window counter of failed logins per key (IP, e-mail). In memory per instance: an attacker
 * spreading over N instances gets N× the budget, which is acceptable for this threat model.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until every key may try again, or 0. */
  retryAfter(keys: LimitKey[]): number {
    const now = this.now();
    let wait = 0;
    for (const { key, max } of keys) {
      const entry = this.failures.get(key);
      if (entry && entry.resetAt > now && entry.count >= max) {
        wait = Math.max(wait, Math.ceil((entry.resetAt - now) / 1000));
      }
    }
    return wait;
  }

  fail(keys: LimitKey[]): void {
    const now = this.now();
    for (const { key } of keys) {
      const entry = this.failures.get(key);
      if (!entry || entry.resetAt <= now) this.failures.set(key, { count: 1, resetAt: now + this.windowMs });
      else entry.count += 1;
    }
    if (this.failures.size > 50_000) this.sweep(now);
  }

  succeed(keys: LimitKey[]): void {
    for (const { key } of keys) this.failures.delete(key);
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(key);
  }
}
