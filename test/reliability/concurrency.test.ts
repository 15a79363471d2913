import type { App } from '../../server/app.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { confirmationMessage, slotTakenMessage } from '../../server/whatsapp/replies.js';
import { newMessageId } from '../fakes/whaticket-sandbox.js';
import { gql, login } from '../support/app.js';
import { eventually, newPhone, offeredSlots, Person, sleep, sql, startHarness, TZ, type Harness } from '../integration/whatsapp-harness.js';

const CONTACTS = 20;

/** Races at the scale of a busy clinic: two server instances, real HTTP in, Cal.com and Whaticket sandboxes behind. */
describe('concurrency', () => {
  let h: Harness;
  let peer: App;

  beforeAll(async () => {
    h = await startHarness('reliability_concurrency');
    peer = await h.startPeer();
  });
  afterAll(async () => {
    if (peer) await h.stopPeer(peer);
    await h?.close();
  });

  const live = (where: Record<string, unknown>) =>
    h.app.orm.em.fork().find(Appointment, { companyId: h.company.company.id, status: { $ne: 'CANCELLED' }, ...where });
  const settled = () => eventually(async () => (await sql<{ n: number }>(h, `select count(*)::int as n from inbound_messages where status = 'RECEIVED'`))[0]!.n === 0, 30_000);

  it(`${CONTACTS} contacts choosing the same slot at once: exactly one booking, everyone else told and re-offered`, async () => {
    const people = Array.from({ length: CONTACTS }, (_, i) => new Person(h, newPhone(), `Pessoa ${i + 1}`));
    await Promise.all(people.map((p, i) => p.ask('quero marcar reunião daqui a 4 dias de manhã', 1, i % 2 ? { url: peer.url } : {})));
    const [contested] = await offeredSlots(h, people[0]!.phone);
    for (const p of people) expect((await offeredSlots(h, p.phone))[0]).toEqual(contested);

    h.calcom.latencyMs = 100; // keep the winner's Cal.com call in flight while the others decide
    try {
      await Promise.all(people.map((p, i) => p.say('1', i % 2 ? { url: peer.url } : {})));
      await settled();
      // winner: confirmation; the others: "taken" + fresh options
      await eventually(() => people.reduce((n, p) => n + p.received().length, 0) >= CONTACTS + 1 + (CONTACTS - 1) * 2, 30_000);
      await sleep(500);
    } finally {
      h.calcom.latencyMs = 0;
    }

    const atSlot = await live({ startAt: contested });
    expect(atSlot).toHaveLength(1);
    expect(h.calcom.bookings().filter((b) => b.start === contested!.toISOString() && b.status === 'accepted')).toHaveLength(1);
    // The per-host claim stops the others before Cal.com: only one attempt ever reached it (issue 17).
    const posts = h.calcom.requests.filter((r) => r.method === 'POST' && r.path === '/v2/bookings' && Date.parse(String((r.body as { start?: string }).start)) === contested!.getTime());
    expect(posts).toHaveLength(1);
    const winner = people.find((p) => p.phone === atSlot[0]!.clientPhone)!;
    expect(winner.received().slice(1)).toEqual([confirmationMessage(contested!, atSlot[0]!.meetingUrl, new Date(), TZ)]);
    for (const loser of people.filter((p) => p !== winner)) {
      const replies = loser.received().slice(1);
      expect(replies).toHaveLength(2);
      expect(replies[0]).toBe(slotTakenMessage());
      expect((await offeredSlots(h, loser.phone)).map(Number)).not.toContain(contested!.getTime());
      expect(await live({ clientPhone: loser.phone })).toEqual([]);
    }
  });

  it('one contact sending "1" five times at once (five message ids, two instances): one booking, one confirmation', async () => {
    const person = new Person(h, newPhone(), 'Insistente');
    await person.ask('quero marcar reunião daqui a 5 dias à tarde');
    const [slot] = await offeredSlots(h, person.phone);
    h.calcom.latencyMs = 100;
    try {
      await Promise.all([1, 2, 3, 4, 5].map((n) => person.say('1', n % 2 ? { url: peer.url } : {})));
      await settled();
      await sleep(1000);
    } finally {
      h.calcom.latencyMs = 0;
    }
    const rows = await live({ clientPhone: person.phone });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.startAt).toEqual(slot);
    expect(h.calcom.bookings().filter((b) => b.metadata.appointmentId === rows[0]!.id)).toHaveLength(1);
    expect(person.received().slice(1)).toEqual([confirmationMessage(slot!, rows[0]!.meetingUrl, new Date(), TZ)]);
  });

  it('the same "1" delivered five times at once (one message id): processed once', async () => {
    const person = new Person(h, newPhone(), 'Repetida');
    await person.ask('quero marcar reunião daqui a 6 dias à tarde');
    const id = newMessageId();
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => person.say('1', { id, ...(n % 2 ? { url: peer.url } : {}) })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    await settled();
    await sleep(1000);
    expect(await live({ clientPhone: person.phone })).toHaveLength(1);
    expect(person.received().slice(1)).toHaveLength(1);
    expect(await sql(h, 'select count(*)::int as n from inbound_messages where message_id = ?', [id])).toEqual([{ n: 1 }]);
  });

  it(`${CONTACTS} admins booking the same slot through GraphQL at once: one CONFIRMED, the rest CONFLICT`, async () => {
    const token = await login(h.url, h.company.email, h.company.password);
    const from = new Date(Date.now() + 8 * 86_400_000);
    const slots = await gql<{ availability: Array<{ start: string }> }>(h.url, 'query($f: DateTime!, $t: DateTime!) { availability(from: $f, to: $t) { start } }', { f: from.toISOString(), t: new Date(from.getTime() + 86_400_000).toISOString() }, token);
    const start = slots.data!.availability[0]!.start;
    const results = await Promise.all(
      Array.from({ length: CONTACTS }, (_, i) =>
        gql<{ bookAppointment: { id: string; status: string } }>(i % 2 ? peer.url! : h.url, 'mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) { id status } }', { i: { start, clientName: `Admin ${i}`, clientEmail: `admin${i}@example.com` } }, token),
      ),
    );
    const ok = results.filter((r) => r.data?.bookAppointment);
    expect(ok.map((r) => r.data!.bookAppointment.status)).toEqual(['CONFIRMED']);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(CONTACTS - 1);
    expect(await live({ startAt: new Date(start) })).toHaveLength(1);
    expect(h.calcom.bookings().filter((b) => b.start === new Date(start).toISOString() && b.status === 'accepted')).toHaveLength(1);
  });
});
