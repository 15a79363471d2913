import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Child } from '../../bench/support/processes.js';
import { seedCompanies, WEBHOOK_SECRET } from '../../bench/support/seed.js';
import { createTestDatabase, queryOnce } from '../support/database.js';
import { webhooksApplied } from '../support/webhooks.js';
import { pool, prng, seedFromEnv, shuffle } from './support/random.js';
import { envelopeOf, signedHeaders, WEBHOOK_PATH, type BookingEventSpec } from './support/webhooks.js';

const BOOKINGS = 150;
const CONCURRENCY = 20;
const SEED = seedFromEnv(20261130);

/**
 * The webhook answers 200 once a delivery is stored; the instance applies it afterwards. Here a
 * `node dist/server/main.js` (ROLE=all) takes a burst of deliveries for one company (applied one at a
 * time under the company lock, so a backlog builds up), is killed with SIGKILL as soon as the last
 * one is acknowledged, and started again: every acknowledged delivery is applied by the new process,
 * exactly once, to the state of each booking's newest event.
 */
describe('webhook deliveries pending when the process is killed', () => {
  let server: Child | undefined;
  let databaseUrl: string;
  let drop: () => Promise<void>;
  let companyId: string;
  const sql = <T,>(query: string, params: unknown[] = []) => queryOnce<T>(databaseUrl, query, params);

  beforeAll(async () => {
    const db = await createTestDatabase('webhook_restart');
    databaseUrl = db.url;
    drop = db.drop;
    const [company] = await seedCompanies(databaseUrl, 1);
    companyId = company!.id;
  });
  afterAll(async () => {
    await server?.stop();
    await drop?.();
  });

  it(`applies after a restart what a killed process acknowledged (seed ${SEED})`, async () => {
    const base = Date.UTC(2036, 0, 5, 12);
    const events: BookingEventSpec[] = [];
    const expected = new Map<string, { status: string; start: string }>();
    for (let b = 0; b < BOOKINGS; b++) {
      const uid = `kill-${b}`;
      const start = new Date(base + b * 4 * 3_600_000);
      const moved = new Date(start.getTime() + 3_600_000);
      const at = Date.UTC(2035, 0, 1) + b * 10_000;
      events.push({ trigger: 'BOOKING_CREATED', uid, start, at: new Date(at) });
      events.push({ trigger: 'BOOKING_RESCHEDULED', uid: `${uid}-r`, rescheduleUid: uid, start: moved, at: new Date(at + 1000) });
      if (b % 2 === 0) events.push({ trigger: 'BOOKING_CANCELLED', uid: `${uid}-r`, start: moved, at: new Date(at + 2000) });
      expected.set(`${uid}-r`, { status: b % 2 === 0 ? 'CANCELLED' : 'RESCHEDULED', start: moved.toISOString() });
    }
    const bodies = shuffle(events.map((e) => JSON.stringify(envelopeOf(e))), prng(SEED));

    server = await startServer({ databaseUrl, role: 'all', logLevel: 'warn' });
    const started = Date.now();
    const statuses = await pool(bodies, CONCURRENCY, async (body) => {
      const response = await fetch(`${server!.url}${WEBHOOK_PATH}`, { method: 'POST', headers: signedHeaders(companyId, WEBHOOK_SECRET, body), body });
      await response.arrayBuffer();
      return response.status;
    });
    const ackedInMs = Date.now() - started;
    expect(await server.stop('SIGKILL')).toBeNull();
    server = undefined;
    expect(statuses.filter((s) => s !== 200), 'every delivery acknowledged').toEqual([]);

    const [atKill] = await sql<{ stored: number; pending: number }>(
      `select count(*)::int as stored, count(*) filter (where outcome = 'pending')::int as pending from webhook_deliveries where company_id = $1`,
      [companyId],
    );
    console.log(`${bodies.length} deliveries acknowledged in ${ackedInMs} ms; ${atKill!.pending} still pending when the process was killed`);
    expect(atKill!.stored, 'every acknowledged delivery is stored').toBe(bodies.length);
    expect(atKill!.pending, 'the 200 came before the application (a backlog was left)').toBeGreaterThan(0);

    const restartedAt = Date.now();
    server = await startServer({ databaseUrl, role: 'all', logLevel: 'warn' });
    await webhooksApplied(databaseUrl, companyId, 120_000);
    console.log(`backlog applied ${Date.now() - restartedAt} ms after the restart began`);

    const outcomes = await sql<{ outcome: string; n: number; bodies: number; unapplied: number }>(
      `select outcome, count(*)::int as n, count(body)::int as bodies, count(*) filter (where applied_at is null)::int as unapplied
       from webhook_deliveries where company_id = $1 group by outcome order by outcome`,
      [companyId],
    );
    expect(outcomes.filter((o) => !['applied', 'stale', 'duplicate', 'ignored'].includes(o.outcome)), 'nothing failed').toEqual([]);
    expect(outcomes.reduce((n, o) => n + o.n, 0), 'one row per delivery').toBe(bodies.length);
    expect(outcomes.reduce((n, o) => n + o.bodies + o.unapplied, 0), 'applied rows keep no body').toBe(0);

    const rows = await sql<{ cal_booking_uid: string; status: string; start_at: Date }>(
      'select cal_booking_uid, status, start_at from appointments where company_id = $1',
      [companyId],
    );
    const actual = new Map(rows.map((r) => [r.cal_booking_uid, { status: r.status, start: new Date(r.start_at).toISOString() }]));
    expect(rows, 'one appointment per booking').toHaveLength(BOOKINGS);
    expect(actual).toEqual(expected);
  });
});
