import 'reflect-metadata';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { migrate, type MikroORM } from '../../server/platform/database.js';
import { createMetrics } from '../../server/platform/metrics.js';
import { REPLAN_LOCK, ReminderService, type ReminderChannel } from '../../server/reminders/reminder.service.js';
import { canonicalPhone } from '../../server/shared/phone.js';
import { queueReminderMessage, type ReminderDelivery } from '../../server/whatsapp/reminder-delivery.js';
import { openOrm } from '../../server/wiring/database.js';
import { createTestDatabase } from '../support/database.js';

/**
 * ReminderService on a real PostgreSQL, without HTTP: concurrent sweeps claim each due reminder once,
 * one reminder that cannot be queued is recorded FAILED without holding up the others, and one whose
 * conversation is busy is left due instead of waiting.
 */
describe(ReminderService.name, () => {
  let orm: MikroORM;
  let drop: () => Promise<void>;
  const companyId = randomUUID();
  const now = new Date('2031-03-03T13:00:00Z');

  beforeAll(async () => {
    const db = await createTestDatabase('reminder_service');
    drop = db.drop;
    orm = await openOrm(db.url, 8);
    await migrate(orm);
    await orm.em.fork().execute(
      `insert into companies (id, name, timezone, cal_api_url, reminder_offsets_minutes, quiet_hours_start, quiet_hours_end, created_at, updated_at)
       values (?, 'Clínica Serviço', 'America/Sao_Paulo', 'https://api.cal.com', '{1440}', '', '', now(), now())`,
      [companyId],
    );
  });
  afterAll(async () => {
    await orm?.close(true);
    await drop?.();
  });

  /** `n` appointments from 3 h + `firstMinute` min after `now`, each planned (its 24 h reminder is due at once). */
  async function dueReminders(n: number, sut: ReminderService, label: string, firstMinute: number): Promise<Appointment[]> {
    const rows: Appointment[] = [];
    for (let i = 0; i < n; i++) {
      const em = orm.em.fork();
      await em.transactional(async (tx) => {
        const row = tx.create(Appointment, {
          companyId,
          status: 'CONFIRMED',
          startAt: new Date(now.getTime() + 3 * 3_600_000 + (firstMinute + i) * 60_000),
          endAt: new Date(now.getTime() + 4 * 3_600_000 + (firstMinute + i) * 60_000),
          clientName: `${label} ${i}`,
          clientPhone: `55119${String(40_000_000 + firstMinute + i).slice(-8)}`,
          source: 'API',
        });
        await tx.flush();
        await sut.appointmentChanged(tx, row);
        rows.push(row);
      });
    }
    return rows;
  }

  const statuses = async (ids: string[]) =>
    (await orm.em.fork().execute<Array<{ status: string; error: string | null; outbound_message_id: string | null }>>(
      `select status, error, outbound_message_id from appointment_reminders where appointment_id in (${ids.map(() => '?').join(', ')})`,
      ids,
    ));

  it('two sweeps racing over the same due reminders queue each one exactly once', async () => {
    const queued: string[] = [];
    const channel: ReminderChannel = {
      queue: async (tx: EntityManager, delivery: ReminderDelivery, at: Date) => {
        const id = await queueReminderMessage(tx, delivery, at);
        queued.push(delivery.dedupeKey);
        return id;
      },
      enqueue: async () => {},
    };
    const sut = new ReminderService({ metrics: createMetrics(), channel });
    sut.now = () => now;
    const appointments = await dueReminders(120, sut, 'Corrida', 0);
    const sweepAll = async () => {
      while (await sut.sweep(orm.em.fork()));
    };
    await Promise.all([sweepAll(), sweepAll(), sweepAll()]);
    expect(new Set(queued).size).toBe(queued.length);
    expect(queued).toHaveLength(120);
    const rows = await statuses(appointments.map((a) => a.id));
    expect(rows.every((r) => r.outbound_message_id !== null)).toBe(true);
    const outbound = await orm.em.fork().execute<Array<{ n: number }>>(`select count(*)::int as n from outbound_messages where kind = 'REMINDER' and company_id = ?`, [companyId]);
    expect(outbound[0]!.n).toBe(120);
  });

  it('a reminder that cannot be queued is FAILED with the reason; the rest of the batch goes', async () => {
    const sut = new ReminderService({
      metrics: createMetrics(),
      channel: {
        queue: async (tx, delivery, at) => {
          if (delivery.clientName === 'Defeito 1') await tx.execute('select 1/0'); // a failing statement inside the claim
          return queueReminderMessage(tx, delivery, at);
        },
        enqueue: async () => {},
      },
    });
    sut.now = () => now;
    const appointments = await dueReminders(3, sut, 'Defeito', 200);
    while (await sut.sweep(orm.em.fork()));
    const byName = new Map(appointments.map((a) => [a.id, a.clientName]));
    const rows = await orm.em.fork().execute<Array<{ appointment_id: string; status: string; error: string | null; outbound_message_id: string | null }>>(
      `select appointment_id, status, error, outbound_message_id from appointment_reminders where appointment_id in (?, ?, ?)`,
      appointments.map((a) => a.id),
    );
    for (const row of rows) {
      if (byName.get(row.appointment_id) === 'Defeito 1') {
        expect(row).toMatchObject({ status: 'FAILED', outbound_message_id: null });
        expect(row.error).toMatch(/^não foi possível preparar a mensagem: .*division by zero/);
      } else {
        expect(row.outbound_message_id).not.toBeNull();
      }
    }
  });
  it('a company re-plan another worker is running is skipped here; the settings are re-read under the lock', async () => {
    const other = randomUUID();
    await orm.em.fork().execute(
      `insert into companies (id, name, timezone, cal_api_url, reminder_offsets_minutes, quiet_hours_start, quiet_hours_end, created_at, updated_at)
       values (?, 'Clínica Replano', 'America/Sao_Paulo', 'https://api.cal.com', '{1440}', '', '', now(), now())`,
      [other],
    );
    const sut = new ReminderService({ metrics: createMetrics(), channel: { queue: () => Promise.reject(new Error('not sending here')), enqueue: async () => {} }, now: () => now });
    const start = new Date(now.getTime() + 5 * 24 * 3_600_000);
    const appointment = await orm.em.fork().transactional(async (tx) => {
      const row = tx.create(Appointment, { companyId: other, status: 'CONFIRMED', startAt: start, endAt: new Date(start.getTime() + 3_600_000), clientName: 'Replano', clientPhone: '5511940099999', source: 'API' });
      await tx.flush();
      await sut.appointmentChanged(tx, row);
      return row;
    });
    const offsets = async () =>
      (await orm.em.fork().execute<Array<{ offset_minutes: number }>>('select offset_minutes from appointment_reminders where appointment_id = ? order by offset_minutes desc', [appointment.id])).map((r) => r.offset_minutes);
    expect(await offsets()).toEqual([1440]);
    await orm.em.fork().execute(`update companies set reminder_offsets_minutes = '{1440,120}' where id = ?`, [other]);

    // "Another worker": a transaction holding the company's re-plan lock.
    await orm.em.fork().transactional(async (tx) => {
      await tx.execute('select pg_advisory_xact_lock(hashtext(?), hashtext(?))', [REPLAN_LOCK, other]);
      expect(await sut.replanCompany(orm.em.fork(), other)).toBeNull();
      expect(await offsets()).toEqual([1440]);
    });
    expect(await sut.replanCompany(orm.em.fork(), other)).toBe(1);
    expect(await offsets()).toEqual([1440, 120]);
  });

  it('a reminder whose conversation is locked by a turn is left due, not waited for, and queued once by a later sweep', async () => {
    const queued: string[] = [];
    const sut = new ReminderService({
      metrics: createMetrics(),
      channel: {
        queue: async (tx, delivery, at) => {
          const id = await queueReminderMessage(tx, delivery, at);
          queued.push(delivery.dedupeKey);
          return id;
        },
        enqueue: async () => {},
      },
      now: () => now,
    });
    const [appointment] = await dueReminders(1, sut, 'Ocupado', 400);
    const contactId = randomUUID();
    await orm.em.fork().execute(
      `insert into contacts (id, company_id, phone, name, created_at, updated_at) values (?, ?, ?, 'Ocupado', now(), now());
       insert into conversations (id, company_id, contact_id, state, data, version, created_at, updated_at)
       values (?, ?, ?, 'IDLE', '{}', 1, now(), now())`,
      [contactId, companyId, canonicalPhone(appointment!.clientPhone!), randomUUID(), companyId, contactId],
    );
    const reminder = async () =>
      (await orm.em.fork().execute<Array<{ status: string; outbound_message_id: string | null }>>(
        'select status, outbound_message_id from appointment_reminders where appointment_id = ?',
        [appointment!.id],
      ))[0]!;

    // A turn of this person in progress: it holds the conversation row until it commits.
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const turn = orm.em.fork().transactional(async (tx) => {
      await tx.execute('select id from conversations where company_id = ? and contact_id = ? for update', [companyId, contactId]);
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    try {
      await isLocked;
      // Without NOWAIT this sweep waits for the turn, which here never ends while it waits.
      const sweep = sut.sweep(orm.em.fork());
      const outcome = await Promise.race([sweep.then(() => 'done'), new Promise((resolve) => setTimeout(resolve, 20_000, 'waited'))]);
      expect(outcome).toBe('done');
      expect(await reminder()).toEqual({ status: 'SCHEDULED', outbound_message_id: null });
      expect(queued).toEqual([]);
    } finally {
      release?.();
      await turn;
    }

    while (await sut.sweep(orm.em.fork()));
    const after = await reminder();
    expect(after.status).toBe('SCHEDULED');
    expect(after.outbound_message_id).not.toBeNull();
    expect(queued).toEqual([`reminder:${appointment!.id}:1440`]);
    const outbound = await orm.em.fork().execute<Array<{ n: number }>>(
      `select count(*)::int as n from outbound_messages where company_id = ? and dedupe_key = ?`,
      [companyId, `reminder:${appointment!.id}:1440`],
    );
    expect(outbound[0]!.n).toBe(1);
  });
});
