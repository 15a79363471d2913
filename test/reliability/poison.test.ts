import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Child } from '../../bench/support/processes.js';
import { seedCompanies, WEBHOOK_SECRET } from '../../bench/support/seed.js';
import { buildWebhook } from '../fakes/calcom-sandbox.js';
import { createTestDatabase, queryOnce } from '../support/database.js';
import { REFUSE_POISON_SQL, webhooksApplied } from '../support/webhooks.js';
import { bookingFixture, signedHeaders, WEBHOOK_PATH } from './support/webhooks.js';
import { sleep, until } from '../support/wait.js';

/** The applier's defaults (server/calcom/webhook-applier.ts): 5 attempts, 1 s doubling (1+2+4+8 s). */
const MAX_ATTEMPTS = 5;
/** "Promptly": far above the few milliseconds it takes, far below the ~15 s the poison takes to fail. */
const PROMPT_MS = 5_000;


/**
 * Issue 14's scenario against `node dist/server/main.js` (ROLE=all, production mode):
 * 1. The reported poison, a signed BOOKING_CREATED with `\u0000` in its title and a BOOKING_CANCELLED
 *    with `\u0000` in its cancellationReason: applied without the NUL.
 * 2. A delivery that truly cannot be applied (an unforeseen PostgreSQL error: a trigger refuses its
 *    title) fails five times, with the process SIGKILLed and restarted between attempts: its attempts
 *    are counted across the restart (five in all, not five more), then it is marked failed with a
 *    reason that holds no SQL and no input text. Valid deliveries sent before, during and after are
 *    applied promptly.
 */
describe('poison deliveries', () => {
  let server: Child | undefined;
  let databaseUrl: string;
  let drop: () => Promise<void>;
  let companyId: string;
  let hour = 0;
  const sql = <T,>(query: string, params: unknown[] = []) => queryOnce<T>(databaseUrl, query, params);

  const send = async (trigger: 'BOOKING_CREATED' | 'BOOKING_CANCELLED', uid: string, title: string, extra: Record<string, unknown> = {}) => {
    const booking = bookingFixture(uid, new Date(Date.UTC(2037, 0, 1, 12) + hour++ * 3_600_000), { title });
    const body = JSON.stringify(buildWebhook(trigger, trigger === 'BOOKING_CANCELLED' ? { ...booking, status: 'cancelled' } : booking, { createdAt: new Date().toISOString(), ...extra }));
    const response = await fetch(`${server!.url}${WEBHOOK_PATH}`, { method: 'POST', headers: signedHeaders(companyId, WEBHOOK_SECRET, body), body });
    expect(response.status).toBe(200);
    return Date.now();
  };
  const appointment = async (uid: string) => (await sql<{ status: string; title: string; cancellation_reason: string | null }>('select status, title, cancellation_reason from appointments where company_id = $1 and cal_booking_uid = $2', [companyId, uid]))[0];
  const poison = async () => (await sql<{ outcome: string; attempts: number; reason: string | null }>(`select outcome, attempts, reason from webhook_deliveries where company_id = $1 and booking_uid = 'veneno'`, [companyId]))[0]!;
  /** Sends a valid booking and returns how long after its acknowledgement it was applied. */
  const validAppliedIn = async (uid: string): Promise<number> => {
    const acked = await send('BOOKING_CREATED', uid, 'Consulta comum');
    await until(`${uid} applied`, async () => (await appointment(uid))?.status === 'CONFIRMED', 30_000);
    return Date.now() - acked;
  };

  beforeAll(async () => {
    const db = await createTestDatabase('poison');
    databaseUrl = db.url;
    drop = db.drop;
    const [company] = await seedCompanies(databaseUrl, 1);
    companyId = company!.id;
  });
  afterAll(async () => {
    await server?.stop();
    await drop?.();
  });

  it('applies the NUL poison clean, isolates what cannot be applied across a SIGKILL, and never stalls the company', async () => {
    server = await startServer({ databaseUrl, role: 'all', logLevel: 'warn' });

    await send('BOOKING_CREATED', 'nul-title', 'Consulta\u0000 de retorno');
    await send('BOOKING_CANCELLED', 'nul-title', 'Consulta\u0000 de retorno', { cancellationReason: 'Imprevisto\u0000' });
    await webhooksApplied(databaseUrl, companyId, 30_000);
    expect(await appointment('nul-title')).toEqual({ status: 'CANCELLED', title: 'Consulta de retorno', cancellation_reason: 'Imprevisto' });

    for (const statement of REFUSE_POISON_SQL) await sql(statement);

    const started = Date.now();
    await send('BOOKING_CREATED', 'veneno', 'Consulta VENENO');
    const latencies = [await validAppliedIn('depois-1')];
    await until('two failed attempts', async () => (await poison()).attempts >= 2, 60_000);

    // SIGKILL between attempts: the count is in the database, the restart does not reset it.
    expect(await server.stop('SIGKILL')).toBeNull();
    const before = await poison();
    server = await startServer({ databaseUrl, role: 'all', logLevel: 'warn' });
    expect((await poison()).attempts).toBeGreaterThanOrEqual(before.attempts);
    latencies.push(await validAppliedIn('depois-2'));

    const failed = await until('the poison marked failed', async () => {
      const row = await poison();
      return row.outcome === 'failed' ? row : undefined;
    }, 60_000);
    const failedAfterMs = Date.now() - started;
    latencies.push(await validAppliedIn('depois-3'));
    console.log(`poison: failed after ${failed.attempts} attempts in ${failedAfterMs} ms (attempts at the SIGKILL: ${before.attempts}); valid deliveries applied ${latencies.join(' / ')} ms after their 200`);

    expect(failed.attempts).toBe(MAX_ATTEMPTS);
    expect(failed.reason).toBe(`Falha ao aplicar (tentativa ${MAX_ATTEMPTS} de ${MAX_ATTEMPTS}): erro do banco de dados (SQLSTATE P0001)`);
    expect(Math.max(...latencies), 'valid deliveries applied promptly, poison or not').toBeLessThan(PROMPT_MS);
    expect(await appointment('veneno')).toBeUndefined();
    const [{ pending }] = await sql<{ pending: number }>(`select count(*)::int as pending from webhook_deliveries where company_id = $1 and outcome = 'pending'`, [companyId]);
    expect(pending).toBe(0);
  });
});
