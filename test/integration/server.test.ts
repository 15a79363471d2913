import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/platform/logger.js';
import { printCommittedSchema } from '../../server/wiring/schema-file.js';
import { buildWebhook, signBody } from '../fakes/calcom-sandbox.js';
import { bookingFixture } from '../reliability/support/webhooks.js';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';

describe('HTTP server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('server');
  });
  afterAll(async () => server?.close());

  it('answers /healthz and /readyz once migrations ran', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    const tables = await server.app.orm.em.fork().getConnection().execute<{ table_name: string }[]>(
      `select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining([
      'api_keys', 'appointments', 'audit_log', 'companies', 'contacts', 'conversations', 'inbound_messages', 'sessions', 'users', 'webhook_deliveries',
    ]));
  });

  it('exposes Prometheus metrics including the product metrics', async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    for (const name of ['process_cpu_user_seconds_total', 'secretaria_appointments_total', 'secretaria_appointments_confirmed_total',
      'secretaria_appointments_cancelled_total', 'secretaria_appointments_latency_seconds']) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it('echoes or assigns a request id and sets security headers', async () => {
    const given = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const assigned = await fetch(`${server.url}/healthz`);
    expect(assigned.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(assigned.headers.get('x-content-type-options')).toBe('nosniff');
    const spa = await fetch(`${server.url}/`);
    expect(spa.headers.get('content-security-policy')).toMatch(/connect-src 'self'(;|$)/);
    expect(spa.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(spa.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  });

  it('logs one line per request, without the secrets of its URL or headers', async () => {
    const lines: string[] = [];
    const logged = await startTestServer('server_logs', { logLevel: 'info' }, { log: createLogger('info', { write: (line: string) => void lines.push(line) }) });
    try {
      const secret = 'swi_segredo-que-nao-pode-vazar';
      await fetch(`${logged.url}/api/whaticket/inbound/00000000-0000-4000-8000-000000000000?token=${secret}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: '{}',
      });
      const requestLines = lines.map((l) => JSON.parse(l) as { msg: string; req?: { url: string }; res?: { statusCode: number } }).filter((l) => l.req);
      expect(requestLines).toEqual([
        expect.objectContaining({ msg: 'request completed', req: expect.objectContaining({ url: '/api/whaticket/inbound/00000000-0000-4000-8000-000000000000?token=[redacted]' }), res: { statusCode: 401 } }),
      ]);
      expect(lines.join('\n')).not.toContain(secret);

      // A route adds what it learned to that one line: a stored Cal.com delivery and its id.
      const company = await seedCompany(logged.app, 'Registro', { calWebhookSecret: 'segredo-registro' });
      const body = JSON.stringify(buildWebhook('BOOKING_CREATED', bookingFixture('registro-1', new Date('2031-03-03T13:00:00.000Z'))));
      lines.length = 0;
      const answer = await fetch(`${logged.url}/api/agenda/webhook/cal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-cal-company': company.company.id, 'x-cal-signature-256': signBody('segredo-registro', body) },
        body,
      });
      expect(answer.status).toBe(200);
      const [stored] = await logged.app.orm.em.fork().getConnection().execute<Array<{ id: string }>>('select id from webhook_deliveries where company_id = ?', [company.company.id]);
      const webhookLines = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.req);
      expect(webhookLines).toEqual([
        expect.objectContaining({ msg: 'request completed', companyId: company.company.id, trigger: 'BOOKING_CREATED', deliveryId: stored!.id, outcome: 'pending', res: { statusCode: 200 } }),
      ]);
    } finally {
      await logged.close();
    }
  });

  it('answers unknown API routes with a JSON 404 and serves the SPA for client-side routes', async () => {
    const api = await fetch(`${server.url}/api/nope`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: expect.stringContaining('/api/nope') });
    const page = await fetch(`${server.url}/agenda`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<div id="root">');
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(1024 * 1024) }),
    });
    expect(response.status).toBe(413);
  });

  it('keeps schema.graphql in sync with the resolvers (run `npm run schema` after changing them)', async () => {
    expect(readFileSync('schema.graphql', 'utf8')).toBe(await printCommittedSchema());
  });
});
