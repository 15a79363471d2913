import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { parseDatePreference } from '../../server/whatsapp/date/index.js';
import { confirmationMessage, helpMessage, optionsMessage, slotTakenMessage } from '../../server/whatsapp/replies.js';
import { newMessageId, sendInbound } from '../fakes/whaticket-sandbox.js';
import { eventually, newPhone, offeredSlots, Person, sleep, sql, startHarness, TZ, type Harness } from './whatsapp-harness.js';

/** Exactly once in both directions: duplicate and concurrent deliveries, Whaticket outages, restarts. */
describe('WhatsApp exactly-once', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('whatsapp_reliability');
  });
  afterAll(async () => h?.close());

  const labelOf = (text: string) => parseDatePreference(text, new Date(), TZ)!.label;
  const liveAppointmentsOf = (phone: string) =>
    h.app.orm.em.fork().find(Appointment, { companyId: h.company.company.id, clientPhone: phone, status: { $ne: 'CANCELLED' } });
  const settled = (messageIds: string[]) =>
    eventually(async () => {
      const rows = await sql(h, `select status from inbound_messages where message_id in (${messageIds.map(() => '?').join(', ')})`, messageIds);
      return rows.length === messageIds.length && rows.every((r) => r.status !== 'RECEIVED');
    });

  it('processes a redelivered message once: one reply, one booking, one confirmation', async () => {
    const person = new Person(h, newPhone());
    const ask = newMessageId();
    const first = await Promise.all([1, 2, 3].map(() => person.say('quero marcar reunião amanhã à tarde', { id: ask })));
    expect(first.map((r) => r.body).filter((b) => (b as { duplicate?: boolean }).duplicate)).toHaveLength(2);
    await person.replies(1, 0);

    const choice = newMessageId();
    const again = await Promise.all([1, 2, 3].map(() => person.say('1', { id: choice, form: 'simple' })));
    expect(again.map((r) => r.status)).toEqual([200, 200, 200]);
    const [, confirmation] = await person.replies(2, 0);
    await settled([ask, choice]);
    await sleep(500);

    const rows = await liveAppointmentsOf(person.phone);
    expect(rows).toHaveLength(1);
    expect(confirmation).toBe(confirmationMessage(rows[0]!.startAt, rows[0]!.meetingUrl, new Date(), TZ));
    expect(person.received()).toHaveLength(2);
    expect(h.calcom.bookings().filter((b) => b.metadata.appointmentId === rows[0]!.id)).toHaveLength(1);
    expect(await sql(h, `select count(*)::int as n from inbound_messages where message_id in (?, ?)`, [ask, choice])).toEqual([{ n: 2 }]);
  });

  it('books once when the person sends "1" twice, each picked up by a different instance', async () => {
    const peer = await h.startPeer();
    const person = new Person(h, newPhone());
    await person.ask('quero marcar reunião depois de amanhã à tarde');
    h.calcom.latencyMs = 100; // both decisions would be in flight together without the conversation lock
    let ids: string[];
    try {
      ids = (await Promise.all([person.say('1'), person.say('1', { url: peer.url })])).map((r) => r.id);
      await settled(ids);
    } finally {
      h.calcom.latencyMs = 0;
    }
    await sleep(500);
    await h.stopPeer(peer);

    const rows = await liveAppointmentsOf(person.phone);
    expect(rows).toHaveLength(1);
    expect(person.received().slice(1)).toEqual([confirmationMessage(rows[0]!.startAt, rows[0]!.meetingUrl, new Date(), TZ)]);
    const statuses = await sql(h, `select status, outcome from inbound_messages where message_id in (?, ?) order by outcome`, ids);
    expect(statuses).toEqual([
      { status: 'PROCESSED', outcome: 'choose:booked' },
      { status: 'IGNORED', outcome: 'none:no_intent' },
    ]);
  });

  it('gives a contested slot to one of two contacts on two instances; the other gets new options', async () => {
    const peer = await h.startPeer();
    const ana = new Person(h, newPhone(), 'Ana');
    const bia = new Person(h, newPhone(), 'Bia');
    await ana.ask('quero marcar reunião daqui a 3 dias à tarde');
    await bia.ask('quero marcar reunião daqui a 3 dias à tarde', 1, { url: peer.url });
    const [contested] = await offeredSlots(h, ana.phone);
    expect((await offeredSlots(h, bia.phone))[0]).toEqual(contested);

    h.calcom.latencyMs = 150; // widen the window in which both bookings are in flight
    try {
      await Promise.all([ana.say('1'), bia.say('1', { url: peer.url })]);
      await eventually(() => ana.received().length + bia.received().length >= 5);
      await sleep(500);
    } finally {
      h.calcom.latencyMs = 0;
    }

    const [winner, loser] = ana.received().length === 2 ? [ana, bia] : [bia, ana];
    const [booked] = await liveAppointmentsOf(winner.phone);
    expect(booked!.startAt).toEqual(contested);
    expect(winner.received()[1]).toBe(confirmationMessage(contested!, booked!.meetingUrl, new Date(), TZ));

    const fresh = await offeredSlots(h, loser.phone);
    expect(loser.received().slice(1)).toEqual([slotTakenMessage(), optionsMessage(fresh, new Date(), TZ, labelOf('daqui a 3 dias à tarde'))]);
    expect(fresh.map(Number)).not.toContain(contested!.getTime());
    expect(await liveAppointmentsOf(loser.phone)).toEqual([]);

    const atSlot = await h.app.orm.em.fork().count(Appointment, { companyId: h.company.company.id, startAt: contested!, status: { $ne: 'CANCELLED' } });
    expect(atSlot).toBe(1);
    expect(h.calcom.bookings().filter((b) => b.start === contested!.toISOString() && b.status === 'accepted')).toHaveLength(1);
    await h.stopPeer(peer);
  });

  it('delivers every reply exactly once, in order, when Whaticket is down and comes back after a restart', async () => {
    const person = new Person(h, newPhone());
    await h.whaticket.down('unavailable');
    try {
      await person.say('quero marcar reunião daqui a 4 dias de manhã');
      await person.say('qual é o endereço?');
      // Both replies were decided; the first was attempted (Whaticket answered 503) and the second
      // waits behind it, so the person never reads them out of order.
      await eventually(async () => {
        const rows = await sql(h, `select attempts from outbound_messages where phone = ? order by created_at`, [person.phone]);
        return rows.length === 2 && rows[0]!.attempts >= 1;
      });
      expect(await sql(h, `select distinct status from outbound_messages where phone = ?`, [person.phone])).toEqual([{ status: 'PENDING' }]);
      await h.restart();
    } finally {
      await h.whaticket.up();
    }

    const delivered = await person.replies(2, 0, 20_000);
    expect(delivered).toEqual([optionsMessage(await offeredSlots(h, person.phone), new Date(), TZ, labelOf('daqui a 4 dias de manhã')), helpMessage(3)]);
    await sleep(2_500);
    expect(person.received()).toHaveLength(2);
    const rows = await sql(h, `select status, attempts, last_error from outbound_messages where phone = ? order by created_at`, [person.phone]);
    expect(rows.map((r) => r.status)).toEqual(['SENT', 'SENT']);
    expect(rows[0]!.attempts).toBeGreaterThanOrEqual(2);
    expect(h.whaticket.requests.filter((r) => (r.body as { number?: string }).number === person.phone).length).toBeGreaterThanOrEqual(3);
  });

  it('marks a reply FAILED on a permanent Whaticket error, without retrying', async () => {
    const person = new Person(h, newPhone());
    h.whaticket.unregisteredNumbers.add(person.phone);
    await person.say('quero marcar reunião amanhã de manhã');
    const [row] = await eventually(async () => {
      const rows = await sql(h, `select status, attempts, last_error from outbound_messages where phone = ?`, [person.phone]);
      return rows[0]?.status === 'FAILED' ? rows : null;
    });
    expect(row).toEqual({ status: 'FAILED', attempts: 1, last_error: 'ERR_CHECK_NUMBER' });
    await sleep(2_500);
    expect(h.whaticket.requests.filter((r) => (r.body as { number?: string }).number === person.phone)).toHaveLength(1);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain(`secretaria_whatsapp_outbound_total{company="${h.company.company.id}",outcome="failed",provider="whaticket"} 1`);
  });

  it('never sends one outbox row twice, even when two send jobs race for it', async () => {
    const phone = newPhone();
    const id = randomUUID();
    await sql(h, `insert into outbound_messages (id, company_id, phone, body, dedupe_key) values (?, ?, ?, ?, ?)`, [
      id,
      h.company.company.id,
      phone,
      'Mensagem de teste',
      `test:${id}`,
    ]);
    h.whaticket.latencyMs = 100;
    try {
      const whatsapp = h.app.services.whatsapp;
      await Promise.all([1, 2, 3].map(() => whatsapp.sendOutbound(h.app.orm.em.fork(), id)));
      await whatsapp.sendOutbound(h.app.orm.em.fork(), id);
    } finally {
      h.whaticket.latencyMs = 0;
    }
    expect(h.whaticket.sent().filter((m) => m.number === phone).map((m) => m.body)).toEqual(['Mensagem de teste']);
    expect(await sql(h, `select status, attempts from outbound_messages where id = ?`, [id])).toEqual([{ status: 'SENT', attempts: 1 }]);
  });

  it('answers in the order the person wrote, whatever worker picks the messages up', async () => {
    const peer = await h.startPeer();
    const person = new Person(h, newPhone());
    const token = h.company.inboundToken;
    const companyId = h.company.company.id;
    // A burst: the request and an answer to the offer arrive almost together on two instances.
    await sendInbound(h.url, companyId, token, { from: person.phone, text: 'quero marcar reunião daqui a 5 dias de manhã', form: 'baileys' });
    await sendInbound(peer.url!, companyId, token, { from: person.phone, text: 'qual é o endereço?', form: 'baileys' });
    const replies = await person.replies(2, 0);
    expect(replies[0]).toMatch(/^Tenho estes horários disponíveis/);
    expect(replies[1]).toBe(helpMessage(3));
    await h.stopPeer(peer);
  });
});
