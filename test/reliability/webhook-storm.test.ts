import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { webhooksApplied } from '../support/webhooks.js';
import { pool, prng, seedFromEnv, shuffle } from './support/random.js';
import { envelopeOf, signedHeaders, WEBHOOK_PATH, type BookingEventSpec } from './support/webhooks.js';

const SECRET = 'segredo-da-tempestade';
const BOOKINGS = 500;
const DELIVERIES = 3000;
const CONCURRENCY = 20;
const SEED = seedFromEnv(20261129);

interface Expected {
  uid: string;
  status: 'RESCHEDULED' | 'CANCELLED';
  start: string;
}

/**
 * 500 Cal.com bookings, each created, rescheduled 1–4 times (a new uid each time) and, for most,
 * cancelled: about 2,100 events. 30% of the 3,000 deliveries are duplicates (two thirds byte-for-byte
 * retries, one third the same event re-serialised), all shuffled and sent 20 at a time.
 */
function storm(random: () => number) {
  const base = Date.UTC(2033, 0, 3, 12);
  const expected: Expected[] = [];
  const events: BookingEventSpec[] = [];
  for (let b = 0; b < BOOKINGS; b++) {
    const reschedules = 1 + Math.floor(random() * 4);
    const cancelled = random() < 0.7;
    const uids = Array.from({ length: reschedules + 1 }, (_, step) => `storm-${b}-${step}`);
    // Distinct hours per booking and step: no two live appointments ever share a slot.
    const startOf = (step: number) => new Date(base + (b * 8 + step) * 3_600_000);
    const at = (n: number) => new Date(Date.UTC(2032, 0, 1) + b * 100_000 + n * 1000);
    events.push({ trigger: 'BOOKING_CREATED', uid: uids[0]!, start: startOf(0), at: at(0) });
    for (let step = 1; step <= reschedules; step++) {
      events.push({ trigger: 'BOOKING_RESCHEDULED', uid: uids[step]!, rescheduleUid: uids[step - 1], start: startOf(step), at: at(step) });
    }
    if (cancelled) events.push({ trigger: 'BOOKING_CANCELLED', uid: uids[reschedules]!, start: startOf(reschedules), at: at(reschedules + 1) });
    expected.push({
      uid: uids[reschedules]!,
      status: cancelled ? 'CANCELLED' : 'RESCHEDULED',
      start: startOf(reschedules).toISOString(),
    });
  }
  const bodies = events.map((e) => JSON.stringify(envelopeOf(e)));
  const copies = Array.from({ length: DELIVERIES - bodies.length }, () => {
    const original = bodies[Math.floor(random() * bodies.length)]!;
    return random() < 2 / 3 ? original : JSON.stringify(JSON.parse(original), null, 1);
  });
  return { expected, events, deliveries: shuffle([...bodies, ...copies], random) };
}

describe('webhook storm', () => {
  let server: TestServer;
  let companyId: string;

  beforeAll(async () => {
    server = await startTestServer('storm');
    companyId = (await seedCompany(server.app, 'Tempestade', { calWebhookSecret: SECRET })).company.id;
  });
  afterAll(async () => server?.close());

  it(`converges to the independently computed state (seed ${SEED}), with no 5xx`, async () => {
    const { expected, events, deliveries } = storm(prng(SEED));
    const duplicates = deliveries.length - events.length;
    expect(deliveries).toHaveLength(DELIVERIES);
    expect(duplicates / DELIVERIES).toBeGreaterThan(0.25);
    expect(duplicates / DELIVERIES).toBeLessThan(0.35);

    const statuses = await pool(deliveries, CONCURRENCY, async (body) => {
      const response = await fetch(`${server.url}${WEBHOOK_PATH}`, { method: 'POST', headers: signedHeaders(companyId, SECRET, body), body });
      await response.arrayBuffer();
      return response.status;
    });
    const byStatus = statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    expect(byStatus, 'every delivery answered 200 (stored, or recognised as a replay)').toEqual({ 200: DELIVERIES });
    // A 200 means stored; the workers apply the backlog in the background.
    const acked = Date.now();
    await webhooksApplied(server.app, companyId, 150_000);
    console.log(`backlog applied ${Date.now() - acked} ms after the last acknowledgement`);

    const rows = await server.app.orm.em.fork().getConnection().execute<Array<{ cal_booking_uid: string; status: string; start_at: Date }>>(
      'select cal_booking_uid, status, start_at from appointments where company_id = ? order by cal_booking_uid',
      [companyId],
    );
    const actual = new Map(rows.map((r) => [r.cal_booking_uid, { status: r.status, start: new Date(r.start_at).toISOString() }]));
    const want = new Map(expected.map((e) => [e.uid, { status: e.status, start: e.start }]));
    const wrong = [...want].filter(([uid, w]) => JSON.stringify(actual.get(uid)) !== JSON.stringify(w)).map(([uid, w]) => ({ uid, want: w, got: actual.get(uid) ?? null }));
    const extra = [...actual].filter(([uid]) => !want.has(uid)).map(([uid, got]) => ({ uid, got }));
    expect(
      { rows: rows.length, wrong: wrong.length, extra: extra.length, firstWrong: wrong.slice(0, 5), firstExtra: extra.slice(0, 5) },
      `seed ${SEED}: one appointment per booking, in the state of its newest event`,
    ).toEqual({ rows: BOOKINGS, wrong: 0, extra: 0, firstWrong: [], firstExtra: [] });

    // Byte-for-byte retries are recognised by their body hash: one delivery row per distinct body.
    const distinctBodies = new Set(deliveries).size;
    const [{ n }] = await server.app.orm.em.fork().getConnection().execute<Array<{ n: string }>>('select count(*) as n from webhook_deliveries where company_id = ?', [companyId]);
    expect(Number(n)).toBe(distinctBodies);
  });
});
