import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import type { CalcomGateway } from '../../server/calcom/calcom.gateway.js';
import { startApp } from '../../server/app.js';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID, signBody } from '../fakes/calcom-sandbox.js';
import { sendInbound, WhaticketSandbox } from '../fakes/whaticket-sandbox.js';
import { gql, login, seedCompany, startTestServer, TEST_APP_SECRET, testConfig, type TestServer } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { webhooksApplied } from '../support/webhooks.js';

const BOOK = `mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) { id status meetingUrl } }`;
const AUDIT = `query($filter: AuditLogFilter, $first: Int, $after: String) { auditLog(filter: $filter, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { action actorType actorLabel subject data } } } }`;

describe('operations: audit trail, diagnostics and troubleshooting symptoms', () => {
  let server: TestServer;
  let cal: CalcomSandbox;
  let company: Awaited<ReturnType<typeof seedCompany>>;
  let admin: string;
  let calUrl: string;
  const logs: string[] = [];

  const metric = async (name: string, labels: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  };
  const nextSlot = async () => {
    const from = new Date(Date.now() + 2 * 86_400_000);
    const result = await gql(server.url, 'query($f: DateTime!, $t: DateTime!) { availability(from: $f, to: $t) { start } }', { f: from.toISOString(), t: new Date(from.getTime() + 7 * 86_400_000).toISOString() }, admin);
    return (result.data!.availability as { start: string }[])[0]!.start;
  };

  beforeAll(async () => {
    cal = new CalcomSandbox();
    const { url } = await cal.start();
    calUrl = url;
    const { pino } = await import('pino');
    const { Writable } = await import('node:stream');
    const sink = new Writable({ write: (chunk, _enc, done) => { logs.push(chunk.toString()); done(); } });
    const db = await createTestDatabase('operations');
    const app = await startApp(testConfig(db.url), { log: pino({ level: 'info' }, sink) as never });
    server = { app, url: app.url!, databaseUrl: db.url, close: async () => { await app.close(); await db.drop(); } };
    (server.app.services.calendar as CalcomGateway).clientOptions = { timeoutMs: 800, baseBackoffMs: 5, maxRetries: 1 };
    company = await seedCompany(server.app, 'Operações', { calApiUrl: url, calApiKey: DEFAULT_API_KEY, calEventTypeId: DEFAULT_EVENT_TYPE_ID, calWebhookSecret: 'segredo-ops' });
    admin = await login(server.url, company.email, company.password);
  });
  afterAll(async () => {
    await server?.close();
    await cal?.stop();
  });

  it("shows an appointment's history: who did what, when and through which channel", async () => {
    const start = await nextSlot();
    const booked = (await gql(server.url, BOOK, { input: { start, clientName: 'Histórico', clientEmail: 'h@example.com' } }, admin)).data!.bookAppointment;
    await gql(server.url, `mutation { cancelAppointment(id: "${booked.id}", reason: "teste") { id } }`, {}, company.writeKey);
    const history = await gql(server.url, AUDIT, { filter: { subject: `appointment:${booked.id}` } }, admin);
    expect(history.errors).toBeUndefined();
    const nodes = history.data!.auditLog.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => [n.action, n.actorType])).toEqual([
      ['appointment.requested', 'ADMIN'],
      ['appointment.booked', 'ADMIN'],
      ['appointment.cancelled', 'API_KEY'],
    ]);
    expect(nodes[0].actorLabel).toBe(company.email);
    expect(JSON.parse(nodes[2].data)).toMatchObject({ reason: 'teste', via: 'api' });
  });

  it('pages the audit log and keeps it to admins of the same company', async () => {
    const first = await gql(server.url, AUDIT, { first: 2 }, admin);
    expect(first.data!.auditLog.edges).toHaveLength(2);
    expect(first.data!.auditLog.pageInfo.hasNextPage).toBe(true);
    const second = await gql(server.url, AUDIT, { first: 2, after: first.data!.auditLog.pageInfo.endCursor }, admin);
    expect(second.data!.auditLog.edges[0].node).not.toEqual(first.data!.auditLog.edges[1].node);
    expect((await gql(server.url, AUDIT, {}, company.readKey)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const other = await seedCompany(server.app, 'Outra');
    const otherAdmin = await login(server.url, other.email, other.password);
    expect((await gql(server.url, AUDIT, {}, otherAdmin)).data!.auditLog.totalCount).toBe(0);
  });

  it('symptom "webhook 401": log line with the reason, metric and panel diagnostic', async () => {
    const body = JSON.stringify({ triggerEvent: 'PING', createdAt: new Date().toISOString(), payload: {} });
    const before = await metric('secretaria_diagnostics_total', `company="${company.company.id}",symptom="webhook_unauthorized"`);
    const response = await fetch(`${server.url}/api/agenda/webhook/cal?company=${company.company.id}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-cal-signature-256': signBody('segredo-errado', body) }, body,
    });
    expect(response.status).toBe(401);
    expect(logs.some((l) => l.includes('Cal.com webhook rejected') && l.includes('invalid_signature') && l.includes(company.company.id))).toBe(true);
    expect(await metric('secretaria_diagnostics_total', `company="${company.company.id}",symptom="webhook_unauthorized"`)).toBe(before + 1);
    const diag = await gql(server.url, '{ webhookDiagnostics { outcome reason trigger } }', {}, admin);
    // The unverified body's trigger is not shown: a fixed reason only.
    expect(diag.data!.webhookDiagnostics[0]).toMatchObject({ outcome: 'rejected', trigger: null, reason: expect.stringMatching(/Assinatura inválida/) });
    const ok = await fetch(`${server.url}/api/agenda/webhook/cal?company=${company.company.id}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-cal-signature-256': signBody('segredo-ops', body) }, body,
    });
    expect(ok.status).toBe(200);
    await webhooksApplied(server.app);
    const after = await gql(server.url, '{ webhookDiagnostics { outcome reason trigger } }', {}, admin);
    expect(after.data!.webhookDiagnostics[0]).toMatchObject({ outcome: 'ignored', trigger: 'PING' });
  });

  it('symptom "slots vazios": the connection test says why, and a metric counts it', async () => {
    const ok = await gql(server.url, 'mutation { testCalcomConnection { ok slotCount message } }', {}, admin);
    expect(ok.data!.testCalcomConnection).toMatchObject({ ok: true, slotCount: expect.any(Number) });
    expect(ok.data!.testCalcomConnection.slotCount).toBeGreaterThan(0);
    const hours = cal.tenant().workingHours;
    cal.tenant().workingHours = { ...hours, days: [] };
    const empty = await gql(server.url, 'mutation { testCalcomConnection { ok slotCount message } }', {}, admin);
    cal.tenant().workingHours = hours;
    expect(empty.data!.testCalcomConnection).toMatchObject({ ok: true, slotCount: 0, message: expect.stringMatching(/usuário padrão/) });
    expect(await metric('secretaria_diagnostics_total', `company="${company.company.id}",symptom="slots_empty"`)).toBeGreaterThan(0);
  });

  it('symptom "agenda não configurada": clear error, metric, and a connection test that explains it', async () => {
    const bare = await seedCompany(server.app, 'Sem agenda');
    const token = await login(server.url, bare.email, bare.password);
    const test = await gql(server.url, 'mutation { testCalcomConnection { ok message } }', {}, token);
    expect(test.data!.testCalcomConnection).toMatchObject({ ok: false, message: expect.stringMatching(/não está configurada/) });
    const booking = await gql(server.url, BOOK, { input: { start: new Date(Date.now() + 86_400_000).toISOString(), clientName: 'X', clientEmail: 'x@example.com' } }, token);
    expect(booking.errors?.[0]?.extensions?.code).toBe('CALCOM_NOT_CONFIGURED');
    expect(await metric('secretaria_diagnostics_total', `company="${bare.company.id}",symptom="calendar_not_configured"`)).toBeGreaterThanOrEqual(2);
    // Settings apply at once: configuring it makes the next call work without a restart.
    const saved = await gql(server.url, 'mutation($i: CompanySettingsInput!) { updateCompanySettings(input: $i) { calendarConfigured } }', { i: { calApiUrl: calUrl, calApiKey: DEFAULT_API_KEY, calEventTypeId: DEFAULT_EVENT_TYPE_ID } }, token);
    expect(saved.data).toEqual({ updateCompanySettings: { calendarConfigured: true } });
    const now = await gql(server.url, 'mutation { testCalcomConnection { ok slotCount } }', {}, token);
    expect(now.data!.testCalcomConnection.ok).toBe(true);
    expect(now.data!.testCalcomConnection.slotCount).toBeGreaterThan(0);
  });

  it('symptom "link ausente": booked with the fallback, counted, visible in the history', async () => {
    cal.tenant().linkMode = 'none';
    const start = await nextSlot();
    const booked = (await gql(server.url, BOOK, { input: { start, clientName: 'Sem link', clientEmail: 's@example.com' } }, admin)).data!.bookAppointment;
    cal.tenant().linkMode = 'meetingUrl';
    expect(booked).toMatchObject({ status: 'CONFIRMED', meetingUrl: null });
    expect(await metric('secretaria_diagnostics_total', `company="${company.company.id}",symptom="meeting_link_missing"`)).toBeGreaterThan(0);
    const history = await gql(server.url, AUDIT, { filter: { subject: `appointment:${booked.id}` } }, admin);
    expect(JSON.parse(history.data!.auditLog.edges.at(-1).node.data)).toMatchObject({ meetingUrl: null });
  });
});

describe('graceful shutdown', () => {
  // Three server starts (one a cold `node` process), a 1.5 s Cal.com call, a graceful stop and up to
  // 15 s waiting for the reply: more than the default 30 s per test on a slow or busy machine.
  it('on SIGTERM finishes an in-flight booking and an in-flight WhatsApp job, exits 0, and loses no reply', async () => {
    const cal = new CalcomSandbox();
    const { url: calUrl } = await cal.start();
    const whaticket = new WhaticketSandbox({ tokens: ['wt-token'] });
    const { url: whaticketUrl } = await whaticket.start();
    const server = await startTestServer('shutdown-seed');
    const company = await seedCompany(server.app, 'Desligamento', { calApiUrl: calUrl, calApiKey: DEFAULT_API_KEY, calEventTypeId: DEFAULT_EVENT_TYPE_ID, whaticketUrl, whaticketToken: 'wt-token' });
    const databaseUrl = server.databaseUrl;
    await server.app.close();
    const child = spawn('node', ['dist/server/main.js'], {
      // The Cal.com and Whaticket fakes listen on loopback.
      env: { ...process.env, DATABASE_URL: databaseUrl, APP_SECRET: TEST_APP_SECRET, PORT: '0', LOG_LEVEL: 'info', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1,localhost' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (c: Buffer) => process.stderr.write(c));
    let restarted: Awaited<ReturnType<typeof startApp>> | undefined;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let buffer = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const match = /"url":"(http:\/\/[^"]+)"/.exec(buffer);
          if (match) resolve(match[1]!);
        });
        child.on('exit', (code) => reject(new Error(`exited early: ${code}`)));
      });
      const from = new Date(Date.now() + 2 * 86_400_000);
      const slots = await gql(url, 'query($f: DateTime!, $t: DateTime!) { availability(from: $f, to: $t) { start } }', { f: from.toISOString(), t: new Date(from.getTime() + 7 * 86_400_000).toISOString() }, company.writeKey);
      const start = (slots.data!.availability as { start: string }[])[0]!.start;
      cal.latencyMs = 1500;
      const inFlight = gql(url, BOOK, { input: { start, clientName: 'Em voo', clientEmail: 'v@example.com' } }, company.writeKey);
      const inbound = await sendInbound(url, company.company.id, company.inboundToken, { from: '5511988880000', text: 'quero marcar reunião na semana que vem', form: 'simple' });
      expect(inbound.status).toBe(200);
      await new Promise((r) => setTimeout(r, 400));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const result = await inFlight;
      expect(result.errors).toBeUndefined();
      expect(result.data!.bookAppointment.status).toBe('CONFIRMED');
      expect(await exited).toBe(0);
      cal.latencyMs = 0;

      // Whatever was left in the queues runs on the next start; the reply arrives exactly once.
      restarted = await startApp(testConfig(databaseUrl));
      const [reply] = await whaticket.waitForMessages(1, 15_000);
      expect(reply).toMatchObject({ number: '5511988880000', body: expect.stringMatching(/^Tenho este/) });
      await new Promise((r) => setTimeout(r, 1500));
      expect(whaticket.sent()).toHaveLength(1);
      const row = await restarted.orm.em.fork().findOneOrFail(Appointment, { id: result.data!.bookAppointment.id });
      expect(row.status).toBe('CONFIRMED');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await restarted?.close();
      await cal.stop();
      await whaticket.stop();
    }
  }, 120_000);
});
