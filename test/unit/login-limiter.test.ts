import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../server/auth/login-limiter.js';

describe(LoginLimiter.name, () => {
  const keys = [{ key: 'email:a', max: 3 }, { key: 'ip:1', max: 5 }];

  it('blocks a key after its budget of failures until the window ends', () => {
    let now = 0;
    const sut = new LoginLimiter(60_000, () => now);
    for (let i = 0; i < 3; i++) sut.fail(keys);
    expect(sut.retryAfter(keys)).toBe(60);
    now = 59_000;
    expect(sut.retryAfter(keys)).toBe(1);
    now = 60_001;
    expect(sut.retryAfter(keys)).toBe(0);
  });

  it('counts the IP across e-mails with its own, larger budget', () => {
    const sut = new LoginLimiter(60_000, () => 0);
    for (const email of ['a', 'b', 'c', 'd', 'e']) sut.fail([{ key: `email:${email}`, max: 3 }, { key: 'ip:1', max: 5 }]);
    expect(sut.retryAfter([{ key: 'email:z', max: 3 }, { key: 'ip:1', max: 5 }])).toBeGreaterThan(0);
    expect(sut.retryAfter([{ key: 'email:z', max: 3 }, { key: 'ip:2', max: 5 }])).toBe(0);
  });

  it('forgets an e-mail failure count after a success', () => {
    const sut = new LoginLimiter(60_000, () => 0);
    sut.fail(keys);
    sut.fail(keys);
    sut.succeed(keys.slice(0, 1));
    sut.fail(keys);
    expect(sut.retryAfter(keys)).toBe(0);
  });
});
