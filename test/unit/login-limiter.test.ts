import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../server/auth/login-limiter.js';

describe(LoginLimiter.name, () => {
  const keys = [{ key: 'account:a', max: 3 }, { key: 'ip:1', max: 5 }];

  it('counts every attempt when it is made and refuses beyond the budget until the window ends', () => {
    let now = 0;
    const sut = new LoginLimiter(60_000, () => now);
    for (let i = 0; i < 3; i++) expect(sut.attempt(keys)).toBe(0);
    expect(sut.attempt(keys)).toBe(60);
    now = 59_000;
    expect(sut.attempt(keys)).toBe(1);
    now = 60_001;
    expect(sut.attempt(keys)).toBe(0);
  });

  it('lets no more than the budget through when the attempts arrive together (nothing awaited between count and check)', () => {
    const sut = new LoginLimiter(60_000, () => 0);
    const passed = Array.from({ length: 40 }, () => sut.attempt(keys)).filter((wait) => wait === 0);
    expect(passed).toHaveLength(3);
  });

  it('counts the IP across accounts with its own, larger budget', () => {
    const sut = new LoginLimiter(60_000, () => 0);
    for (const account of ['a', 'b', 'c', 'd', 'e']) expect(sut.attempt([{ key: `account:${account}`, max: 3 }, { key: 'ip:1', max: 5 }])).toBe(0);
    expect(sut.attempt([{ key: 'account:z', max: 3 }, { key: 'ip:1', max: 5 }])).toBeGreaterThan(0);
    expect(sut.attempt([{ key: 'account:z', max: 3 }, { key: 'ip:2', max: 5 }])).toBe(0);
  });

  it('starts an account over after a success and gives the IP its attempt back', () => {
    const sut = new LoginLimiter(60_000, () => 0);
    sut.attempt(keys);
    sut.attempt(keys);
    sut.succeed(keys.slice(0, 1), keys.slice(1));
    for (let i = 0; i < 3; i++) expect(sut.attempt(keys)).toBe(0);
    expect(sut.attempt(keys)).toBeGreaterThan(0);
    // ip:1 holds 2 + 3 - 1 attempts: one more fits on another account
    expect(sut.attempt([{ key: 'account:b', max: 3 }, { key: 'ip:1', max: 5 }])).toBe(0);
    expect(sut.attempt([{ key: 'account:c', max: 3 }, { key: 'ip:1', max: 5 }])).toBeGreaterThan(0);
  });
});
