import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Company } from '../../server/companies/company.entity.js';
import { purgeExpired, RETENTION_QUEUE } from '../../server/platform/retention.js';
import { gql, login, seedCompany, startTestServer, type TestServer } from '../support/app.js';

/** A plain HTTP server on loopback that records hits and answers with `handler`. */
async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits: () => hits };
}

const close = (server: Server | undefined) => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const UPDATE = 'mutation($input: CompanySettingsInput!) { updateCompanySettings(input: $input) { calApiUrl calApiKey calendarConfigured whaticketUrl whaticketToken } }';
const AVAILABILITY = '{ availability(from: "2031-01-06T00:00:00Z", to: "2031-01-07T00:00:00Z") { start } }';

describe('tenant URLs (outbound guard) and their secrets', () => {
  let server: TestServer;
  let remote: Awaited<ReturnType<typeof listen>>;
  let internal: Awaited<ReturnType<typeof listen>>;
  let company: Awaited<ReturnType<typeof seedCompany>>;
  let admin: string;

  beforeAll(async () => {
    // "remote": an allowed host (its port only) answering every call with an error of its own words.
    remote = await listen((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', error: { code: 'BadRequestException', message: 'texto remoto confidencial: senha=hunter2' } }));
    });
    // "internal": something on our own network (a database port, a metadata service) that must never be reached.
    internal = await listen((_req, res) => res.end('{"segredo":"interno"}'));
    server = await startTestServer('security-outbound', { outboundAllowedHosts: [{ host: '127.0.0.1', port: remote.port }] });
    company = await seedCompany(server.app, 'Clínica Guarda', { calApiUrl: `http://127.0.0.1:${remote.port}`, calApiKey: 'cal_live_guarda_0001', calEventTypeId: 1001, whaticketUrl: `http://127.0.0.1:${remote.port}/wa`, whaticketToken: 'wt_token_guarda_0002' });
    admin = await login(server.url, company.email, company.password);
  });
  afterAll(async () => {
    await server?.close();
    await close(remote?.server);
    await close(internal?.server);
  });

  it.each([
    ['calApiUrl', 'http://169.254.169.254/latest/meta-data/'],
    ['calApiUrl', 'http://127.0.0.1:5432'],
    ['calApiUrl', 'http://2130706433:5432'],
    ['calApiUrl', 'http://[::ffff:7f00:1]:6379'],
    ['calApiUrl', 'http://[fd00::10]'],
    ['whaticketUrl', 'http://10.0.0.8:8080'],
    ['whaticketUrl', 'http://192.168.1.1'],
    ['whaticketUrl', 'http://localhost:3000'],
  ])('refuses %s = %s when saved, with a pt-BR reason, changing nothing', async (field, url) => {
    const before = await server.app.orm.em.fork().findOneOrFail(Company, { id: company.company.id });
    const result = await gql(server.url, UPDATE, { input: { [field]: url } }, admin);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/aponta para um endereço interno ou reservado/);
    const after = await server.app.orm.em.fork().findOneOrFail(Company, { id: company.company.id });
    expect({ cal: after.calApiUrl, wa: after.whaticketUrl }).toEqual({ cal: before.calApiUrl, wa: before.whaticketUrl });
  });

  it('never returns Cal.com text to the client: our message and the HTTP status only', async () => {
    const result = await gql(server.url, AVAILABILITY, {}, company.readKey);
    expect(remote.hits()).toBeGreaterThan(0);
    const error = result.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'CALCOM_REJECTED', calcomStatus: 400 });
    expect(error?.message).toMatch(/O Cal.com recusou a operação \(HTTP 400\)/);
    expect(JSON.stringify(result)).not.toMatch(/texto remoto|hunter2|BadRequestException/);
  });

  it('checks again when it connects: a stored URL pointing inside is never called', async () => {
    // As if DNS had changed after the save check (or the row predates it).
    await server.app.orm.em.fork().nativeUpdate(Company, { id: company.company.id }, { calApiUrl: `http://127.0.0.1:${internal.port}` });
    server.app.services.companies.forget(company.company.id);
    const result = await gql(server.url, AVAILABILITY, {}, company.readKey);
    expect(result.errors?.[0]?.extensions?.code).toBe('CALCOM_REJECTED');
    expect(result.errors?.[0]?.message).toMatch(/endereço interno ou reservado/);
    expect(JSON.stringify(result)).not.toContain('segredo');
    expect(internal.hits()).toBe(0);
    await server.app.orm.em.fork().nativeUpdate(Company, { id: company.company.id }, { calApiUrl: `http://127.0.0.1:${remote.port}` });
  });

  it('clears the stored key when the Cal.com URL changes, and keeps a key sent with the new URL', async () => {
    const base = `http://127.0.0.1:${remote.port}`;
    const moved = await gql(server.url, UPDATE, { input: { calApiUrl: `${base}/outro` } }, admin);
    expect(moved.data?.updateCompanySettings).toMatchObject({ calApiUrl: `${base}/outro`, calApiKey: null, calendarConfigured: false });
    // The Whaticket token is another host's secret: untouched.
    expect(moved.data?.updateCompanySettings.whaticketToken).toBe('****0002');

    const both = await gql(server.url, UPDATE, { input: { calApiUrl: base, calApiKey: 'cal_live_nova_chave_7788' } }, admin);
    expect(both.data?.updateCompanySettings).toMatchObject({ calApiUrl: base, calApiKey: '****7788', calendarConfigured: true });

    // Same URL again (trailing slash only): not a change, the key stays.
    const same = await gql(server.url, UPDATE, { input: { calApiUrl: `${base}/` } }, admin);
    expect(same.data?.updateCompanySettings.calApiKey).toBe('****7788');
  });

  it('clears the Whaticket token when the Whaticket URL changes', async () => {
    const moved = await gql(server.url, UPDATE, { input: { whaticketUrl: `http://127.0.0.1:${remote.port}/outro-wa` } }, admin);
    expect(moved.data?.updateCompanySettings).toMatchObject({ whaticketToken: null, calApiKey: '****7788' });
    const row = await server.app.orm.em.fork().findOneOrFail(Company, { id: company.company.id });
    expect(row.whaticketToken).toBeNull();
  });
});

describe('/metrics exposure', () => {
  const TOKEN = 'token-de-metricas-0123456789';
  let withToken: TestServer;
  let production: TestServer;

  beforeAll(async () => {
    withToken = await startTestServer('security-metrics-token', { metricsToken: TOKEN });
    production = await startTestServer('security-metrics-port', { production: true, publicMetrics: false, metricsListener: true, metricsPort: 0 });
  });
  afterAll(async () => {
    await withToken?.close();
    await production?.close();
  });

  it('with METRICS_TOKEN, answers only Authorization: Bearer <token>', async () => {
    const scrape = (authorization?: string) => fetch(`${withToken.url}/metrics`, { headers: authorization ? { authorization } : {} });
    expect((await scrape()).status).toBe(401);
    expect((await scrape(`Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await scrape(`Basic ${TOKEN}`)).status).toBe(401);
    const ok = await scrape(`Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('secretaria_appointments_total');
  });

  it('labels request durations with a fixed set of methods (the request line is unauthenticated)', async () => {
    const { request } = await import('node:http');
    for (const method of ['PROPFIND', 'MKCOL', 'PURGE']) {
      await new Promise<void>((resolve) => {
        const req = request(`${withToken.url}/healthz`, { method }, (res) => res.resume().on('end', resolve));
        req.on('error', () => resolve());
        req.end();
      });
    }
    const text = await (await fetch(`${withToken.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(text).not.toMatch(/method="(PROPFIND|MKCOL|PURGE)"/);
    expect(text).toMatch(/secretaria_http_request_duration_seconds_count\{[^}]*method="OTHER"/);
  });

  it('in production without a token, serves metrics only on METRICS_PORT', async () => {
    expect((await fetch(`${production.url}/metrics`)).status).toBe(404);
    expect(production.app.metricsUrl).toBeDefined();
    expect(production.app.metricsUrl).not.toBe(production.url);
    const scraped = await fetch(`${production.app.metricsUrl}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('secretaria_http_request_duration_seconds');
  });
});

describe('client IP and the public rate limit', () => {
  let direct: TestServer;
  let proxied: TestServer;

  beforeAll(async () => {
    // production: true is where `trustProxy: true` used to be set.
    direct = await startTestServer('security-ip-direct', { production: true, publicRateLimit: 3 });
    proxied = await startTestServer('security-ip-proxied', { production: true, publicRateLimit: 3, trustProxy: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await direct?.close();
    await proxied?.close();
  });

  const inbound = (url: string, companyId: string, forwardedFor: string) =>
    fetch(`${url}/api/whaticket/inbound/${companyId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor }, body: '{}' });

  it('ignores X-Forwarded-For without TRUST_PROXY and counts made-up company ids against the IP', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await inbound(direct.url, randomUUID(), `203.0.113.${i}`)).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
  });

  it('gives a known company its own budget from the same IP', async () => {
    const company = await seedCompany(direct.app, 'Conhecida');
    const response = await fetch(`${direct.url}/api/whaticket/inbound/${company.company.id}`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${company.inboundToken}` }, body: '{}',
    });
    expect(response.status).not.toBe(429);
  });

  it('keys the Cal.com webhook limit the same way: IP, plus the company once it exists', async () => {
    const webhook = (company: string) =>
      fetch(`${direct.url}/api/agenda/webhook/cal?company=${company}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250)}` }, body: '{}' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await webhook(randomUUID())).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const known = await seedCompany(direct.app, 'Conhecida no webhook', { calWebhookSecret: 'segredo-conhecido' });
    expect((await webhook(known.company.id)).status).toBe(401); // its own budget: bad signature, not 429
  });

  it('reads the client IP from X-Forwarded-For when the proxy is listed in TRUST_PROXY', async () => {
    for (let i = 0; i < 5; i++) expect((await inbound(proxied.url, randomUUID(), `198.51.100.${i}`)).status).toBe(401);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await inbound(proxied.url, randomUUID(), '198.51.100.200')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe('retention', () => {
  let server: TestServer;
  let clock = new Date();

  beforeAll(async () => {
    server = await startTestServer('security-retention', {}, { now: () => clock });
  });
  afterAll(async () => server?.close());

  it('is a scheduled job', async () => {
    const rows = await server.app.orm.em.getConnection().execute<Array<{ name: string; cron: string }>>('select name, cron from pgboss.schedule where name = ?', [RETENTION_QUEUE]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.cron).toMatch(/^\d+ \d+ \* \* \*$/);
  });

  it('deletes expired sessions and drops webhook bodies after 30 days, keeping what dedupe needs', async () => {
    const company = await seedCompany(server.app, 'Retenção');
    const connection = server.app.orm.em.getConnection();
    const [user] = await connection.execute<Array<{ id: string }>>('select id from users where company_id = ?', [company.company.id]);
    const now = new Date('2032-06-01T12:00:00Z');
    const day = 86_400_000;
    for (const [label, expires] of [['expired', now.getTime() - 1000], ['live', now.getTime() + day]] as const) {
      await connection.execute('insert into sessions (id, user_id, company_id, token_hash, expires_at) values (?, ?, ?, ?, ?)', [randomUUID(), user!.id, company.company.id, `hash-${label}`, new Date(expires)]);
    }
    const deliveries = [
      { hash: 'old-applied', at: now.getTime() - 31 * day, outcome: 'applied' },
      { hash: 'old-failed', at: now.getTime() - 40 * day, outcome: 'failed' },
      { hash: 'old-pending', at: now.getTime() - 31 * day, outcome: 'pending' },
      { hash: 'recent', at: now.getTime() - 29 * day, outcome: 'failed' },
    ];
    for (const d of deliveries) {
      await connection.execute(
        `insert into webhook_deliveries (id, company_id, trigger, body_hash, outcome, received_at, body) values (?, ?, 'BOOKING_CREATED', ?, ?, ?, '{"x":1}')`,
        [randomUUID(), company.company.id, d.hash, d.outcome, new Date(d.at)],
      );
    }

    const report = await purgeExpired(server.app.orm, now);
    expect(report.sessionsDeleted).toBeGreaterThanOrEqual(1);
    const sessions = await connection.execute<Array<{ token_hash: string }>>('select token_hash from sessions where company_id = ?', [company.company.id]);
    expect(sessions.map((s) => s.token_hash)).toEqual(['hash-live']);
    const rows = await connection.execute<Array<{ body_hash: string; body: string | null }>>('select body_hash, body from webhook_deliveries where company_id = ? order by body_hash', [company.company.id]);
    expect(Object.fromEntries(rows.map((r) => [r.body_hash, r.body !== null]))).toEqual({ 'old-applied': false, 'old-failed': false, 'old-pending': true, recent: true });
  });

  it('runs from the queue with the injected clock', async () => {
    const company = await seedCompany(server.app, 'Relógio');
    const connection = server.app.orm.em.getConnection();
    const [user] = await connection.execute<Array<{ id: string }>>('select id from users where company_id = ?', [company.company.id]);
    // Expires in a year: only a clock moved past it purges the session.
    await connection.execute('insert into sessions (id, user_id, company_id, token_hash, expires_at) values (?, ?, ?, ?, ?)', [randomUUID(), user!.id, company.company.id, 'hash-next-year', new Date(Date.now() + 365 * 86_400_000)]);
    clock = new Date(Date.now() + 366 * 86_400_000);
    await server.app.jobs.sendMany(RETENTION_QUEUE, [{}]);
    const left = await until(
      async () => (await connection.execute<Array<{ n: string }>>('select count(*) as n from sessions where token_hash = ?', ['hash-next-year']))[0]!.n,
      (n) => Number(n) === 0,
    );
    expect(Number(left)).toBe(0);
  });
});

describe('npm start', () => {
  it('runs in production by default: without APP_SECRET it refuses to start (exit 78)', async () => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), DATA_DIR: mkdtempSync(join(tmpdir(), 'sv-start-')), PORT: '0', LOG_LEVEL: 'silent' };
    delete env.NODE_ENV;
    delete env.APP_SECRET;
    delete env.DATABASE_URL;
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile('node', ['dist/server/main.js'], { env, timeout: 60_000 }, (error, _stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr });
      });
      child.on('error', () => {});
    });
    expect(result.stderr).toContain('APP_SECRET is required when NODE_ENV=production');
    expect(result.code).toBe(78);
  });
});
