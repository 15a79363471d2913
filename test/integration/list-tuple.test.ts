import 'reflect-metadata';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epochMsSql } from '../../server/appointments/appointment.types.js';
import { gql, seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { insertAppointment } from '../support/factories.js';

/**
 * The list's page tuple (appointment-page.ts): timestamps as epoch milliseconds computed in float8, and
 * every value as text inside a JSON array. Checked against the exact millisecond and
 * against the entity read of the same rows.
 */
describe('the list page tuple', () => {
  let server: TestServer;
  let client: pg.Client;
  beforeAll(async () => {
    server = await startTestServer('list-tuple');
    client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await server?.close();
  });

  const MIN_MS = Date.UTC(1970, 0, 1);
  const MAX_MS = Date.UTC(2099, 11, 31, 23, 59, 59, 999);
  /** Each microsecond timestamp (since 1970) through epochMsSql, against the exact millisecond (integer division); returns the mismatches. */
  const mismatches = async (micros: number[]) => {
    const { rows } = await client.query<{ us: string; fast: string }>(
      `select us::text, ${epochMsSql('t')}::text as fast
         from unnest($1::int8[]) as us, lateral (select 'epoch'::timestamptz + (us::text || ' microseconds')::interval as t) x`,
      [micros.map(String)],
    );
    expect(rows).toHaveLength(micros.length);
    return rows.filter((r) => r.fast !== String(BigInt(r.us) / 1000n));
  };

  it('epochMsSql is the exact millisecond of any whole-microsecond timestamp from 1970 to 2099', async () => {
    // The edges of a millisecond (…000 and …999 µs) at the largest magnitudes, where float8 rounding is widest.
    const edges: number[] = [];
    for (const ms of [0, 1, Date.UTC(2030, 5, 17), Date.UTC(2039, 8, 7, 15, 47, 35, 551), Date.UTC(2099, 11, 31, 23, 59, 59, 999)]) {
      for (const us of [0, 1, 499, 500, 501, 998, 999]) edges.push(ms * 1000 + us);
    }
    expect(await mismatches(edges)).toEqual([]);
    await fc.assert(
      // Whole milliseconds and their last microsecond are where a plain floor of the float goes wrong (about 1 whole millisecond in 170).
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: MIN_MS, max: MAX_MS }), fc.oneof(fc.constant(0), fc.constant(999), fc.integer({ min: 0, max: 999 }))).map(([ms, us]) => ms * 1000 + us), { minLength: 1, maxLength: 2_000 }), async (micros) => {
        expect(await mismatches(micros)).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });

  it('reads back every value as the entity has it: quotes, backslashes, line breaks, emoji, nulls and sub-millisecond times', async () => {
    const { company, readKey } = await seedCompany(server.app, 'Tupla');
    const awkward = 'Zoë "Z" \\ O\'Brien\nsegunda linha \u{1F600} <b>&amp;</b>';
    const row = await insertAppointment(server.app, company.id, { start: new Date(Date.UTC(2031, 2, 15, 10, 0, 0, 999)), clientName: awkward, clientPhone: null });
    // A timestamp written by PostgreSQL itself carries microseconds: the tuple rounds it down like a Date.
    await client.query(`update appointments set created_at = '2031-01-02 03:04:05.678999+00', notes = $2 where id = $1`, [row.id, 'nota\t"com" \\ tab']);
    const fields = 'id status title startAt endAt clientName clientPhone clientEmail notes meetingUrl source calBookingUid cancellationReason clientConfirmation attendance createdAt updatedAt hostName hostKey serviceId overlaps';
    const page: any = await gql(server.url, `{ appointments(first: 5) { edges { node { ${fields} } } } }`, {}, readKey);
    const one: any = await gql(server.url, `query($id: ID!) { appointment(id: $id) { ${fields} } }`, { id: row.id }, readKey);
    expect(page.errors).toBeUndefined();
    expect(one.errors).toBeUndefined();
    expect(page.data.appointments.edges).toHaveLength(1);
    const node = page.data.appointments.edges[0].node;
    expect(node).toEqual(one.data.appointment);
    expect(node).toMatchObject({ clientName: awkward, clientPhone: null, notes: 'nota\t"com" \\ tab', startAt: '2031-03-15T10:00:00.999Z', createdAt: '2031-01-02T03:04:05.678Z', overlaps: false });
  });
});
