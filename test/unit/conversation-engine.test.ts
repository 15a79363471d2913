import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { migrate, type MikroORM } from '../../server/platform/database.js';
import { openOrm } from '../../server/wiring/database.js';
import { domainError, type DomainError } from '../../server/platform/errors.js';
import { CALENDAR_REPLIES } from '../../server/platform/messages.js';
import { createMetrics } from '../../server/platform/metrics.js';
import { ConversationEngine, DEFAULT_WHATSAPP_SETTINGS, type AppointmentPort, type Turn } from '../../server/whatsapp/conversation.engine.js';
import { Conversation } from '../../server/whatsapp/conversation.entity.js';
import type { ConversationData } from '../../server/whatsapp/conversation.state.js';
import { createTestDatabase } from '../support/database.js';

/**
 * The conversation engine on an in-memory appointments port: the bot's decisions (offer, book,
 * slot taken, calendar down, list, cancel) checked without HTTP, Whaticket or Cal.com. The database
 * only backs the audit rows the engine writes in the turn's transaction.
 */
class MemoryAppointments implements AppointmentPort {
  readonly rows: Appointment[] = [];
  /** The next write fails with this. */
  failNext: DomainError | null = null;
  /** Free starts: every hour from 09:00 to 17:00 UTC. */
  async hostAvailability(_em: unknown, _scope: unknown, from: Date, to: Date) {
    const slots = [];
    for (let t = Math.ceil(from.getTime() / 3_600_000) * 3_600_000; t < to.getTime(); t += 3_600_000) {
      const hour = new Date(t).getUTCHours();
      if (hour >= 12 && hour <= 20 && !this.rows.some((r) => r.status !== 'CANCELLED' && r.startAt.getTime() === t)) {
        slots.push({ start: new Date(t), end: new Date(t + 1_800_000) });
      }
    }
    return { slots, hostKey: null };
  }
  async book(_em: unknown, scope: { companyId: string }, input: { start: Date; clientName: string; clientPhone?: string | null; contactId?: string | null }) {
    this.throwIfFailing();
    const row = Object.assign(new Appointment(), {
      id: randomUUID(), companyId: scope.companyId, status: 'CONFIRMED' as const, startAt: input.start, endAt: new Date(input.start.getTime() + 1_800_000),
      clientName: input.clientName, clientPhone: input.clientPhone ?? null, contactId: input.contactId ?? null, source: 'WHATSAPP' as const,
      calBookingUid: `mem-${randomUUID()}`, meetingUrl: 'https://meet.example/abc',
    });
    this.rows.push(row);
    return row;
  }
  async resumeClaim(): Promise<Appointment> {
    throw new Error('no claims in this test');
  }
  async reschedule(_em: unknown, _scope: unknown, id: string, start: Date) {
    this.throwIfFailing();
    const row = this.rows.find((r) => r.id === id)!;
    Object.assign(row, { startAt: start, status: 'RESCHEDULED' });
    return row;
  }
  async cancel(_em: unknown, _scope: unknown, id: string) {
    this.throwIfFailing();
    const row = this.rows.find((r) => r.id === id)!;
    row.status = 'CANCELLED';
    return row;
  }
  async confirmByClient(_em: unknown, _scope: unknown, id: string) {
    this.throwIfFailing();
    const row = this.rows.find((r) => r.id === id)!;
    row.clientConfirmation = 'CONFIRMED';
    return row;
  }
  async declineByClient(_em: unknown, _scope: unknown, id: string) {
    this.throwIfFailing();
    const row = this.rows.find((r) => r.id === id)!;
    Object.assign(row, { status: 'CANCELLED', clientConfirmation: 'DECLINED' });
    return row;
  }
  async get(_em: unknown, _scope: unknown, id: string) {
    return this.rows.find((r) => r.id === id) ?? null;
  }
  async upcomingForContact(_em: unknown, _scope: unknown, contact: { id: string }, now: Date) {
    return this.live(now).filter((r) => r.contactId === contact.id);
  }
  async liveUpcoming(_em: unknown, _scope: unknown, ids: string[], now: Date) {
    return this.live(now).filter((r) => ids.includes(r.id));
  }
  async contactAppointmentAt(_em: unknown, _scope: unknown, contactId: string, start: Date) {
    return this.rows.find((r) => r.contactId === contactId && r.status !== 'CANCELLED' && r.startAt.getTime() === start.getTime()) ?? null;
  }
  async liveStarts(_em: unknown, _scope: unknown, from: Date, to: Date) {
    return this.rows.filter((r) => r.status !== 'CANCELLED' && r.startAt >= from && r.startAt < to).map((r) => r.startAt);
  }
  private live(now: Date) {
    return this.rows.filter((r) => r.status !== 'CANCELLED' && r.startAt > now).sort((a, b) => a.startAt.getTime() - b.startAt.getTime());
  }
  private throwIfFailing(): void {
    const failure = this.failNext;
    this.failNext = null;
    if (failure) throw failure;
  }
}

let orm: MikroORM;
let drop: () => Promise<void>;
const companyId = randomUUID();
/** A Monday, 10:00 in São Paulo (13:00 UTC). */
const NOW = new Date('2031-03-03T13:00:00Z');

beforeAll(async () => {
  const db = await createTestDatabase('conversation_engine');
  drop = db.drop;
  orm = await openOrm(db.url, 2);
  await migrate(orm);
});

afterAll(async () => {
  await orm?.close(true);
  await drop?.();
});

function chat(appointments = new MemoryAppointments()) {
  const engine = new ConversationEngine(appointments, DEFAULT_WHATSAPP_SETTINGS, createMetrics());
  const contact = { id: randomUUID(), phone: '5511987654321', name: 'Joana' };
  const conversation = Object.assign(new Conversation(), { companyId, contactId: contact.id });
  const say = async (text: string) => {
    const turn: Turn = {
      tx: orm.em.fork(),
      side: orm.em.fork(),
      scope: { companyId, actor: { type: 'WHATSAPP', id: contact.id, label: contact.name } },
      companyId,
      timeZone: 'America/Sao_Paulo',
      now: NOW,
      inboundId: randomUUID(),
      contact,
      conversation,
    };
    return engine.handle(turn, text);
  };
  return { appointments, contact, conversation, say, offer: () => (conversation.data as ConversationData).offer };
}

describe('ConversationEngine with an in-memory appointments port', () => {
  it('offers free slots and books the chosen one through the port', async () => {
    const { appointments, contact, say, offer } = chat();
    const asked = await say('quero marcar uma reunião amanhã');
    expect(asked.outcome).toMatch(/^offered/);
    const first = offer()!.slots[0]!;
    const booked = await say('1');
    expect(booked.outcome).toBe('booked');
    expect(booked.replies[0]).toMatch(/^Reunião confirmada para amanhã/);
    expect(appointments.rows).toHaveLength(1);
    expect(appointments.rows[0]).toMatchObject({ contactId: contact.id, clientPhone: '+5511987654321' });
    expect(appointments.rows[0]!.startAt.toISOString()).toBe(first);
  });

  it('a slot taken meanwhile gets the catalogue reply and fresh options without that slot', async () => {
    const { appointments, say, offer } = chat();
    await say('quero marcar amanhã');
    const taken = offer()!.slots[0]!;
    appointments.failNext = domainError('SLOT_TAKEN');
    const result = await say('1');
    expect(result.replies.join('\n')).toContain(CALENDAR_REPLIES.slotTaken);
    expect(offer()!.slots).not.toContain(taken);
    expect(appointments.rows).toEqual([]);
  });

  it('a calendar that does not answer keeps the offer and says so in the catalogue words', async () => {
    const { appointments, say, offer } = chat();
    await say('quero marcar amanhã');
    const before = offer()!.slots;
    appointments.failNext = domainError('CALCOM_NO_ANSWER', { http: ' (HTTP 503)' });
    const result = await say('1');
    expect(result).toMatchObject({ outcome: 'calendar_unavailable', replies: [CALENDAR_REPLIES.unavailable] });
    expect(offer()!.slots).toEqual(before);
    expect((await say('1')).outcome).toBe('booked');
  });

  it('lists and cancels the contact’s own meeting through the port', async () => {
    const { appointments, say } = chat();
    await say('quero marcar amanhã');
    await say('1');
    const listed = await say('quais são meus agendamentos?');
    expect(listed.outcome).toBe('listed');
    await say('quero cancelar minha reunião');
    const done = await say('sim');
    expect(done.outcome).toBe('cancelled');
    expect(appointments.rows[0]!.status).toBe('CANCELLED');
  });
});

describe('ConversationEngine answers to a reminder (AWAITING_REMINDER_ANSWER)', () => {
  /** A booked meeting tomorrow at 14:00 São Paulo and a reminder waiting for its answer. */
  async function reminded() {
    const c = chat();
    await c.say('quero marcar amanhã');
    await c.say('1');
    const appointment = c.appointments.rows[0]!;
    Object.assign(c.conversation, {
      state: 'AWAITING_REMINDER_ANSWER',
      data: { reminder: { appointmentId: appointment.id, offsetMinutes: 1440 } },
      expiresAt: appointment.startAt,
    });
    return { ...c, appointment };
  }

  it('"1" confirms presence through the port and thanks', async () => {
    const { say, appointment, conversation } = await reminded();
    const result = await say('1');
    expect(result.outcome).toBe('reminder_confirmed');
    expect(result.replies[0]).toMatch(/^Presença confirmada, obrigado! Esperamos você amanhã às/);
    expect(appointment.clientConfirmation).toBe('CONFIRMED');
    expect(conversation.state).toBe('IDLE');
  });

  it('"não vou conseguir" cancels as declined by the client', async () => {
    const { say, appointment } = await reminded();
    const result = await say('não vou conseguir');
    expect(result.outcome).toBe('reminder_declined');
    expect(result.replies[0]).toMatch(/^Pronto! Sua reunião de amanhã às .* foi cancelada/);
    expect(appointment).toMatchObject({ status: 'CANCELLED', clientConfirmation: 'DECLINED' });
  });

  it('"2" starts the reschedule flow with options for that meeting', async () => {
    const { say, appointment, offer } = await reminded();
    const result = await say('2');
    expect(result.outcome).toMatch(/^offered/);
    expect(offer()).toMatchObject({ purpose: 'reschedule', appointmentId: appointment.id });
  });

  it('anything else goes to the normal conversation and leaves the appointment alone', async () => {
    const { say, appointment, conversation } = await reminded();
    const result = await say('quais são meus agendamentos?');
    expect(result.outcome).toBe('listed');
    expect(appointment).toMatchObject({ status: 'CONFIRMED', clientConfirmation: 'NONE' });
    expect(conversation.state).toBe('IDLE');
  });

  it('a calendar failure on "3" keeps the meeting and answers in the catalogue words', async () => {
    const { say, appointment, appointments } = await reminded();
    appointments.failNext = domainError('CALCOM_NO_ANSWER', { http: '' });
    const result = await say('3');
    expect(result.replies).toEqual([CALENDAR_REPLIES.unavailable]);
    expect(appointment.status).toBe('CONFIRMED');
  });
});
