import { scryptSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_LIMIT_PER_ACCOUNT } from '../../server/auth/auth.service.js';
import { SCRYPT } from '../../server/auth/tokens.js';
import { User } from '../../server/auth/user.entity.js';
import { AVAILABILITY_COST } from '../../server/platform/graphql-limits.js';
import { gql, login, seedCompany, startTestServer, type TestServer } from '../support/app.js';

// Issue 13, items 5, 8, 12 and 17. Each scrypt check takes ~0.3 s of CPU (N=2^17) on an idle machine:
// the timeouts leave room for a busy one.

describe('login limit, password hashing, complexity costs and CSP', { timeout: 120_000 }, () => {
  let server: TestServer;
  let a: Awaited<ReturnType<typeof seedCompany>>;

  beforeAll(async () => {
    server = await startTestServer('security-login', { corsOrigins: ['https://erp.example.com'] });
    a = await seedCompany(server.app, 'Alfa');
  });
  afterAll(async () => server?.close());

  const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';

  it(`checks no more than ${LOGIN_LIMIT_PER_ACCOUNT} of 40 parallel wrong passwords (each counted before its check)`, async () => {
    const target = await seedCompany(server.app, 'Alvo');
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => gql(server.url, LOGIN, { e: target.email, p: `errada-${i}` })));
    const codes = results.map((r) => r.errors?.[0]?.extensions?.code);
    expect(codes.filter((c) => c === 'UNAUTHENTICATED').length).toBeLessThanOrEqual(LOGIN_LIMIT_PER_ACCOUNT);
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(40 - LOGIN_LIMIT_PER_ACCOUNT);
    expect(codes.every((c) => c === 'UNAUTHENTICATED' || c === 'RATE_LIMITED')).toBe(true);
    const locked = results.find((r) => r.errors?.[0]?.extensions?.code === 'RATE_LIMITED')!;
    expect(locked.status).toBe(429);
    expect(locked.errors![0]!.message).toMatch(/^Muitas tentativas de login\. Tente novamente em \d+ min\.$/);
  });

  it('a lockout from elsewhere does not keep the admin out: the right password from an IP it signed in from still works', async () => {
    const target = await seedCompany(server.app, 'Bloqueio');
    const auth = server.app.services.auth;
    const em = () => server.app.orm.em.fork();
    const home = '198.51.100.7';
    expect((await auth.login(em(), target.email, target.password, home)).token).toMatch(/^svs_/);

    const attacker = '203.0.113.9';
    for (let i = 0; i < LOGIN_LIMIT_PER_ACCOUNT; i++) await expect(auth.login(em(), target.email, `errada-${i}`, attacker)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(auth.login(em(), target.email, 'errada-again', attacker)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // A new place is locked with the account...
    await expect(auth.login(em(), target.email, target.password, '203.0.113.50')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // ...the admin's usual one is not.
    expect((await auth.login(em(), target.email, target.password, home)).token).toMatch(/^svs_/);
  });

  it(`hashes with scrypt N=2^17, r=8, p=1 and rehashes an older hash at the next successful login`, async () => {
    const target = await seedCompany(server.app, 'Hash');
    const em = server.app.orm.em.fork();
    const user = await em.findOneOrFail(User, { email: target.email });
    expect(user.passwordHash).toMatch(new RegExp(`^scrypt\\$${2 ** 17}\\$8\\$1\\$`));
    expect(SCRYPT).toEqual({ N: 131072, r: 8, p: 1 });

    const salt = Buffer.from('0123456789abcdef');
    const old = ['scrypt', 16384, 8, 1, salt.toString('base64url'), scryptSync(target.password.normalize('NFKC'), salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')].join('$');
    await em.nativeUpdate(User, { id: user.id }, { passwordHash: old });
    expect(await login(server.url, target.email, target.password)).toMatch(/^svs_/);
    const rehashed = (await server.app.orm.em.fork().findOneOrFail(User, { id: user.id })).passwordHash;
    expect(rehashed).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(rehashed).not.toBe(old);
    expect(await login(server.url, target.email, target.password)).toMatch(/^svs_/);
  });

  describe('complexity', () => {
    let admin: string;
    beforeAll(async () => {
      admin = await login(server.url, a.email, a.password);
    });
    const range = { f: new Date(Date.now() + 86_400_000).toISOString(), t: new Date(Date.now() + 2 * 86_400_000).toISOString() };
    const audit = (n: number, first = 200) => Array.from({ length: n }, (_, i) => `l${i}: auditLog(first: ${first}) { edges { node { id action subject at actorLabel } } }`).join(' ');

    it('allows one availability per operation (aliases, fragments), not two', async () => {
      for (const query of [
        'query($f: DateTime!, $t: DateTime!) { x: availability(from: $f, to: $t) { start } y: availability(from: $f, to: $t) { start } }',
        'query($f: DateTime!, $t: DateTime!) { availability(from: $f, to: $t) { start } ...F } fragment F on Query { other: availability(from: $f, to: $t) { end } }',
      ]) {
        const result = await gql(server.url, query, range, admin);
        expect(result.status).toBe(400);
        expect(result.errors?.[0]?.message).toBe('Peça `availability` uma vez por operação (recebidas 2).');
      }
      // One (the same key twice merges into one field): not refused by validation (this company has no Cal.com).
      const one = await gql(server.url, 'query($f: DateTime!, $t: DateTime!) { availability(from: $f, to: $t) { start } availability(from: $f, to: $t) { end } }', range, admin);
      expect(one.errors?.[0]?.extensions?.code).toBe('CALCOM_NOT_CONFIGURED');
    });

    it(`costs availability ${AVAILABILITY_COST} points for its outbound calls`, async () => {
      const alone = await gql(server.url, `{ ${audit(7)} }`, {}, admin);
      expect(alone.errors).toBeUndefined();
      const withAvailability = await gql(server.url, `query($f: DateTime!, $t: DateTime!) { ${audit(7)} availability(from: $f, to: $t) { start end } }`, range, admin);
      expect(withAvailability.errors?.[0]?.message).toBe(`A consulta é complexa demais (${7 * 1401 + AVAILABILITY_COST + 2}; máximo 10000). Peça menos itens por página.`);
    });

    it('scales auditLog and webhookDiagnostics with first', async () => {
      expect((await gql(server.url, `{ ${audit(8)} }`, {}, admin)).errors?.[0]?.message).toMatch(/complexa demais \(11208;/);
      expect((await gql(server.url, `{ ${audit(8, 10)} }`, {}, admin)).errors).toBeUndefined();
      const diagnostics = (n: number, first: number) => `{ ${Array.from({ length: n }, (_, i) => `d${i}: webhookDiagnostics(first: ${first}) { at trigger outcome reason bookingUid }`).join(' ')} }`;
      expect((await gql(server.url, diagnostics(10, 100), {}, admin)).errors?.[0]?.message).toMatch(/complexa demais \(10010;/);
      expect((await gql(server.url, diagnostics(10, 20), {}, admin)).errors).toBeUndefined();
    });
  });

  it("serves the panel with connect-src limited to 'self' and the configured CORS origins", async () => {
    const response = await fetch(`${server.url}/`);
    const csp = response.headers.get('content-security-policy') ?? '';
    const connect = /connect-src ([^;]+)/.exec(csp)?.[1]?.trim();
    expect(connect).toBe("'self' https://erp.example.com");
  });
});
