import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebhook } from '../fakes/calcom-sandbox.js';
import { gql, login, seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { REFUSE_POISON_SQL, webhooksApplied } from '../support/webhooks.js';
import { bookingFixture, signedHeaders, WEBHOOK_PATH } from '../reliability/support/webhooks.js';
import { sleep, until } from '../support/wait.js';

const SECRET = 'segredo-isolamento';
const MAX_ATTEMPTS = 3;
/** Retries at +1.5 s and +4.5 s: long enough to look at a delivery between its attempts. */
const RETRY_BASE_MS = 1500;


interface DeliveryRow {
  id: string;
  outcome: string;
  attempts: number;
  reason: string | null;
  waiting: boolean;
  has_body: boolean;
}

/**
 * Issue 14, item 2: a delivery the applier cannot apply (here a real PostgreSQL error: a trigger refuses
 * appointments titled VENENO) is isolated: attempts counted in the database, marked failed with a safe
 * reason, never holding back the company's other deliveries; only later events of its own booking wait.
 * An admin retries or discards it from Diagnóstico.
 */
describe('a Cal.com delivery that cannot be applied', () => {
  let server: TestServer;
  let company: Awaited<ReturnType<typeof seedCompany>>;
  let other: Awaited<ReturnType<typeof seedCompany>>;
  let admin: string;
  let hour = 0;
  const sql = <T>(query: string, params: unknown[] = []) => server.app.orm.em.getConnection().execute<T[]>(query, params);

  const send = async (trigger: 'BOOKING_CREATED' | 'BOOKING_CANCELLED', uid: string, title: string, at = new Date()): Promise<void> => {
    const booking = bookingFixture(uid, new Date(Date.UTC(2034, 5, 1, 12) + hour++ * 3_600_000), { title });
    const body = JSON.stringify(buildWebhook(trigger, trigger === 'BOOKING_CANCELLED' ? { ...booking, status: 'cancelled' } : booking, { createdAt: at.toISOString(), ...(trigger === 'BOOKING_CANCELLED' ? { cancellationReason: 'Imprevisto' } : {}) }));
    const response = await fetch(`${server.url}${WEBHOOK_PATH}`, { method: 'POST', headers: signedHeaders(company.company.id, SECRET, body), body });
    expect(response.status).toBe(200);
  };
  const delivery = async (uid: string, trigger = 'BOOKING_CREATED'): Promise<DeliveryRow> => {
    const [row] = await sql<DeliveryRow>(
      `select id, outcome, attempts, reason, coalesce(retry_at > clock_timestamp(), false) as waiting, body is not null as has_body
       from webhook_deliveries where company_id = ? and booking_uid = ? and trigger = ?`,
      [company.company.id, uid, trigger],
    );
    return row!;
  };
  const appointment = async (uid: string) => (await sql<{ status: string }>('select status from appointments where company_id = ? and cal_booking_uid = ?', [company.company.id, uid]))[0];

  beforeAll(async () => {
    server = await startTestServer('webhook-isolation', {}, { webhookApplier: { maxAttempts: MAX_ATTEMPTS, retryBaseMs: RETRY_BASE_MS } });
    company = await seedCompany(server.app, 'Clínica Isolamento', { calWebhookSecret: SECRET });
    other = await seedCompany(server.app, 'Outra Clínica', { calWebhookSecret: 'outro' });
    admin = await login(server.url, company.email, company.password);
    for (const statement of REFUSE_POISON_SQL) await sql(statement);
  });
  afterAll(async () => server?.close());

  it('does not hold back the deliveries behind it, and is marked failed with a safe reason after the last attempt', async () => {
    await send('BOOKING_CREATED', 'poison-1', 'Consulta VENENO');
    await send('BOOKING_CREATED', 'valid-1', 'Consulta comum');
    // Applied right away, while the poison waits for its retry.
    await until('the valid delivery applied', async () => (await appointment('valid-1'))?.status === 'CONFIRMED', 10_000);
    const meanwhile = await delivery('poison-1');
    expect(meanwhile).toMatchObject({ outcome: 'pending', attempts: 1, waiting: true });
    expect(meanwhile.reason).toBe(`Falha ao aplicar (tentativa 1 de ${MAX_ATTEMPTS}): erro do banco de dados (SQLSTATE P0001)`);

    const failed = await until('the poison marked failed', async () => {
      const row = await delivery('poison-1');
      return row.outcome === 'failed' ? row : undefined;
    }, 20_000);
    // No SQL, no input text (the title was in the database's message), the body kept for a retry.
    expect(failed).toMatchObject({ attempts: MAX_ATTEMPTS, waiting: false, has_body: true, reason: `Falha ao aplicar (tentativa ${MAX_ATTEMPTS} de ${MAX_ATTEMPTS}): erro do banco de dados (SQLSTATE P0001)` });
    expect(await appointment('poison-1')).toBeUndefined();

    const diagnostics = await gql<{ webhookDiagnostics: Array<{ id: string; outcome: string; reason: string; attempts: number; bookingUid: string }> }>(
      server.url,
      '{ webhookDiagnostics(first: 20) { id outcome reason attempts bookingUid } }',
      {},
      admin,
    );
    expect(diagnostics.data!.webhookDiagnostics.find((d) => d.bookingUid === 'poison-1')).toEqual({ id: failed.id, outcome: 'failed', reason: failed.reason, attempts: MAX_ATTEMPTS, bookingUid: 'poison-1' });
  });

  it('holds back only the later events of its own booking, until it has failed', async () => {
    const t0 = Date.now();
    await send('BOOKING_CREATED', 'poison-2', 'Consulta VENENO', new Date(t0));
    await send('BOOKING_CANCELLED', 'poison-2', 'Consulta comum', new Date(t0 + 1000));
    await send('BOOKING_CREATED', 'valid-2', 'Consulta comum', new Date(t0 + 2000));
    await until('the other booking applied', async () => (await appointment('valid-2'))?.status === 'CONFIRMED', 10_000);
    // Between its second and third attempts the poison waits for its retry, and so does its booking's cancellation.
    await until('the poison between attempts 2 and 3', async () => {
      const poison = await delivery('poison-2');
      if (poison.attempts !== 2 || !poison.waiting) return false;
      expect((await delivery('poison-2', 'BOOKING_CANCELLED')).outcome).toBe('pending');
      return true;
    }, 20_000);
    await webhooksApplied(server.app, company.company.id, 20_000);
    expect((await delivery('poison-2')).outcome).toBe('failed');
    expect((await delivery('poison-2', 'BOOKING_CANCELLED')).outcome).toBe('applied');
    expect(await appointment('poison-2')).toEqual({ status: 'CANCELLED' });
  });

  it('is retried by an admin once the cause is gone, or discarded; admins of the company only', async () => {
    const RETRY = 'mutation($id: ID!) { retryWebhookDelivery(id: $id) { id outcome attempts reason } }';
    const DISCARD = 'mutation($id: ID!) { discardWebhookDelivery(id: $id) { id outcome attempts reason } }';
    const poison1 = await delivery('poison-1');
    const poison2 = await delivery('poison-2');
    expect([poison1.outcome, poison2.outcome]).toEqual(['failed', 'failed']);

    // Another company's admin does not see it; a read-only API key may not act.
    const otherAdmin = await login(server.url, other.email, other.password);
    expect((await gql(server.url, RETRY, { id: poison1.id }, otherAdmin)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(server.url, DISCARD, { id: poison1.id }, otherAdmin)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(server.url, RETRY, { id: poison1.id }, company.readKey)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await delivery('poison-1')).outcome).toBe('failed');

    await sql('drop trigger refuse_poison on appointments');
    const retried = await gql(server.url, RETRY, { id: poison1.id }, admin);
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.retryWebhookDelivery).toEqual({ id: poison1.id, outcome: 'pending', attempts: 0, reason: 'Recebido; aplicando.' });
    await until('the retried delivery applied', async () => (await appointment('poison-1'))?.status === 'CONFIRMED', 10_000);
    expect(await delivery('poison-1')).toMatchObject({ outcome: 'applied', has_body: false });
    // Only failed deliveries: retrying an applied one is a conflict.
    expect((await gql(server.url, RETRY, { id: poison1.id }, admin)).errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const discarded = await gql(server.url, DISCARD, { id: poison2.id }, admin);
    expect(discarded.data!.discardWebhookDelivery).toEqual({ id: poison2.id, outcome: 'discarded', attempts: MAX_ATTEMPTS, reason: 'Descartada por um administrador.' });
    expect(await delivery('poison-2')).toMatchObject({ outcome: 'discarded', has_body: false });
    const audit = await sql<{ action: string; subject: string }>("select action, subject from audit_log where company_id = ? and action like 'webhook.%' order by at", [company.company.id]);
    expect(audit).toEqual([{ action: 'webhook.retried', subject: poison1.id }, { action: 'webhook.discarded', subject: poison2.id }]);
  });
});
