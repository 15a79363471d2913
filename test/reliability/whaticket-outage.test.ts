import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { confirmationMessage } from '../../server/whatsapp/replies.js';
import { eventually, newPhone, offeredSlots, Person, sleep, sql, startHarness, TZ, type Harness } from '../integration/whatsapp-harness.js';

const PEOPLE = 20;

/**
 * Whaticket refuses connections, then answers 503 like a proxy without a backend, then comes back,
 * while twenty people talk to the bot. Every reply must arrive exactly once, in order, without
 * anyone doing anything.
 */
describe('Whaticket down for a while, then back', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('reliability_whaticket');
  });
  afterAll(async () => h?.close());

  it('delivers every reply exactly once after the outage, in the order it was produced', async () => {
    const people = Array.from({ length: PEOPLE }, (_, i) => new Person(h, newPhone(), `Pessoa ${i + 1}`));
    const windows = (i: number) => `quero marcar reunião daqui a ${2 + (i % 6)} dias ${i % 12 < 6 ? 'de manhã' : 'à tarde'}`;

    await h.whaticket.down('refuse');
    const outageStarted = Date.now();
    await Promise.all(people.map((p, i) => p.say(windows(i))));
    await sleep(3000);
    await h.whaticket.up();
    await h.whaticket.down('unavailable');
    // Choices made during the outage are booked; their confirmations wait in the outbox too.
    await eventually(async () => (await sql<{ n: number }>(h, `select count(*)::int as n from outbound_messages where status = 'PENDING'`))[0]!.n >= PEOPLE, 20_000);
    const chooser = people.slice(0, PEOPLE / 2);
    for (const p of chooser) await p.say('2');
    await sleep(3000);
    expect(h.whaticket.sent()).toEqual([]);
    await h.whaticket.up();
    const outageMs = Date.now() - outageStarted;

    // Retries back off exponentially from 1 s: everything is out within a minute of the return.
    await eventually(() => people.every((p, i) => p.received().length >= (i < chooser.length ? 2 : 1)), 60_000);
    await eventually(async () => (await sql<{ n: number }>(h, `select count(*)::int as n from outbound_messages where status = 'PENDING'`))[0]!.n === 0, 30_000);
    await sleep(2000); // a duplicate would show up by now
    console.log(`Whaticket outage of ${outageMs} ms; all ${PEOPLE + chooser.length} replies delivered`);

    for (const [i, p] of people.entries()) {
      const replies = p.received();
      if (i < chooser.length) {
        expect(replies, p.phone).toHaveLength(2);
        const [row] = await h.app.orm.em.fork().find(Appointment, { companyId: h.company.company.id, clientPhone: p.phone, status: { $ne: 'CANCELLED' } });
        expect(replies[0]).toMatch(/^Tenho estes horários disponíveis/);
        expect(replies[1]).toBe(confirmationMessage(row!.startAt, row!.meetingUrl, new Date(), TZ));
        expect(row!.startAt).toEqual((await offeredSlotsBefore(p))[1]);
      } else {
        expect(replies, p.phone).toHaveLength(1);
        expect(replies[0]).toMatch(/^Tenho estes horários disponíveis/);
      }
    }
    const outbox = await sql<{ status: string; n: number; retried: number }>(h, `select status, count(*)::int as n, count(*) filter (where attempts > 1)::int as retried from outbound_messages group by status`);
    expect(outbox.map(({ status, n }) => ({ status, n }))).toEqual([{ status: 'SENT', n: PEOPLE + chooser.length }]);
    expect(outbox[0]!.retried).toBeGreaterThan(0);
  });

  /** The options a person chose from (kept in the audit trail once the conversation moved on). */
  async function offeredSlotsBefore(p: Person): Promise<Date[]> {
    const rows = await sql<{ data: { slots: string[] } }>(
      h,
      `select a.data from audit_log a join conversations c on a.subject = 'conversation:' || c.id join contacts k on k.id = c.contact_id
        where k.phone = ? and a.action = 'bot.offer' order by a.at desc limit 1`,
      [p.phone],
    );
    return rows[0] ? rows[0].data.slots.map((s) => new Date(s)) : offeredSlots(h, p.phone);
  }
});
