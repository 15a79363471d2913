import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import type { Appointment } from '../appointments/appointment.entity.js';
import type { Actor } from '../audit/audit.service.js';
import type { AppointmentObserver } from '../appointments/appointment.service.js';
import { sqlState } from '../platform/database-errors.js';
import type { Metrics } from '../platform/metrics.js';
import type { ReminderDelivery } from '../whatsapp/reminder-delivery.js';
import { reminderMessage, reminderParameters } from '../whatsapp/replies.js';
import { planReminders, type PlannedReminder, type ReminderSettings } from './reminder-plan.js';

/** Wakes the reminder drains of every worker (sent in the planning transaction: delivered on commit). */
export const REMINDERS_CHANNEL = 'secretaria_reminders_due';

/** Advisory lock name (with the company id) of a company's re-plan: one worker runs it. */
export const REPLAN_LOCK = 'reminders.replan';

/** Reminders claimed and handed to the outbox per sweep step, in one transaction (one commit for the batch). */
const CLAIM_BATCH = 50;

/** Longest a claim waits for a row lock (a reminder not claimable by then waits for the next sweep). */
const CLAIM_LOCK_TIMEOUT = '5s';

/** PostgreSQL's lock not available (NOWAIT, lock_timeout), deadlock detected, serialization failure. */
const LOCK_CONFLICTS = new Set(['55P03', '40P01', '40001']);

function isLockConflict(error: unknown): boolean {
  return LOCK_CONFLICTS.has(sqlState(error) ?? '');
}

export type ReminderOutcome = 'queued' | 'sent' | 'failed' | 'skipped';

/** Where a due reminder goes: the WhatsApp outbox (whatsapp/reminder-delivery.ts), passed in by the wiring. */
export interface ReminderChannel {
  /** In the claim's transaction: conversation state + outbox row; returns the outbox row id. */
  queue(tx: EntityManager, delivery: ReminderDelivery, now: Date): Promise<string>;
  /** After commit: hand the outbox rows to the send queue (its retry policy is the outbox's). */
  enqueue(outboundIds: string[]): Promise<void>;
}

interface ReminderRow {
  id: string;
  offset_minutes: number;
  status: string;
  outbound_message_id: string | null;
  planned_start_at: Date | null;
  round: number;
}

const SKIP = {
  cancelled: 'agendamento cancelado',
  noPhone: 'agendamento sem telefone do cliente',
  started: 'o agendamento já começou',
} as const;

/**
 * Reminder rows of `appointment_reminders` (ARCHITECTURE §9): planned on every appointment change
 * (AppointmentService calls `appointmentChanged` in the change's transaction), re-planned when a
 * company's settings change, and handed to the WhatsApp outbox when due.
 *
 * Exactly once per (appointment, offset[, round]): the row is unique per (appointment, offset); the
 * sweep claims a due row with FOR UPDATE SKIP LOCKED and, in the same transaction, inserts its outbox
 * row (unique `reminder:<appointment>:<offset>` dedupe key) and links it. A crash before the commit
 * leaves the row due; after it, the outbox (and its sweep) owns the send. The row becomes SENT or
 * FAILED when its outbox row does (`reconcile`).
 */
export class ReminderService implements AppointmentObserver {
  /** The reminders' clock (`deps.now`; tests move it). */
  now: () => Date;

  constructor(
    private readonly deps: {
      metrics: Metrics;
      channel: ReminderChannel;
      now?: () => Date;
    },
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Plans (or moves, or drops) the reminders of one appointment, in the change's transaction. */
  async appointmentChanged(tx: EntityManager, appointment: Appointment, actor?: Actor): Promise<void> {
    const settings = await this.settings(tx, appointment.companyId);
    // Booked or moved in a WhatsApp conversation: the confirmation the bot sends names the day and time.
    if (settings) await this.plan(tx, appointment, settings, actor?.type === 'WHATSAPP');
  }

  /**
   * Re-plans the company's upcoming appointments (its offsets, quiet hours or zone changed). Every
   * worker hears of the change; the one that takes the company's advisory lock does the work and the
   * others skip it (null). The holder re-plans a later change itself: it heard it too, and a worker's
   * re-plans run one after another (reminder.jobs.ts). The settings are read once, under the lock;
   * each appointment is re-planned in its own transaction, so its row lock stays short.
   */
  async replanCompany(em: EntityManager, companyId: string): Promise<number | null> {
    return em.fork().transactional(async (lock) => {
      const [held] = await lock.execute<Array<{ taken: boolean }>>('select pg_try_advisory_xact_lock(hashtext(?), hashtext(?)) as taken', [REPLAN_LOCK, companyId]);
      if (!held?.taken) return null;
      const settings = await this.settings(lock, companyId);
      if (!settings) return 0;
      const ids = await lock.execute<Array<{ id: string }>>(
        `select id from appointments where company_id = ? and start_at > ? and status <> 'CANCELLED' order by start_at`,
        [companyId, this.now()],
      );
      for (const { id } of ids) {
        await em.fork().transactional(async (tx) => {
          const rows = await tx.execute<Array<Record<string, unknown>>>('select * from appointments where id = ? for update', [id]);
          if (rows[0]) await this.plan(tx, toAppointment(rows[0]), settings);
        });
      }
      return ids.length;
    });
  }

  /**
   * One sweep step: links finished outbox rows back to their reminders, then hands up to CLAIM_BATCH
   * due reminders to the outbox, in one transaction. Resolves true when there may be more due now.
   */
  async sweep(em: EntityManager): Promise<boolean> {
    await this.reconcile(em);
    const claimed = await this.claimBatch(em.fork());
    await this.deps.channel.enqueue(claimed.queued);
    return claimed.count === CLAIM_BATCH;
  }

  /** SCHEDULED rows whose outbox message finished become SENT or FAILED (with its last error). */
  async reconcile(em: EntityManager): Promise<number> {
    const rows = await em.execute<Array<{ company_id: string; status: string }>>(
      `update appointment_reminders r
          set status = case when o.status = 'FAILED' then 'FAILED' else 'SENT' end,
              sent_at = case when o.status = 'FAILED' then null else coalesce(o.sent_at, now()) end,
              error = case when o.status = 'FAILED' then left(coalesce(o.last_error, 'falha no envio'), 500) else null end,
              updated_at = now()
         from outbound_messages o
        where r.status = 'SCHEDULED' and r.outbound_message_id is not null
          and o.id = r.outbound_message_id and o.status in ('SENT', 'FAILED', 'CAPTURED')
        returning r.company_id, r.status`,
    );
    for (const row of rows) this.count(row.company_id, row.status === 'FAILED' ? 'failed' : 'sent');
    return rows.length;
  }

  /**
   * Claims the most overdue reminders (SKIP LOCKED: other workers take the next ones) and, in the same
   * transaction, queues each one's message or skips it (cancelled, no phone, already started).
   */
  private async claimBatch(em: EntityManager): Promise<{ count: number; queued: string[] }> {
    const now = this.now();
    const outcome = await em.transactional(async (tx) => {
      // The claim holds due reminder rows that an appointment change's re-plan waits for: it never
      // waits long itself (the conversation lock is taken NOWAIT; this bounds the inserts' waits).
      await tx.execute(`set local lock_timeout = '${CLAIM_LOCK_TIMEOUT}'`);
      const due = await tx.execute<Array<{ id: string; company_id: string; appointment_id: string; offset_minutes: number; round: number }>>(
        `select id, company_id, appointment_id, offset_minutes, round from appointment_reminders
          where status = 'SCHEDULED' and outbound_message_id is null and due_at <= ?
          order by due_at limit ${CLAIM_BATCH} for update skip locked`,
        [now],
      );
      if (due.length === 0) return { count: 0, queued: [] as string[], outcomes: [] as Array<[string, ReminderOutcome]> };
      let busy = 0;
      const rows = await tx.execute<Array<Record<string, unknown>>>(
        `select * from appointments where id in (${due.map(() => '?').join(', ')})`,
        due.map((r) => r.appointment_id),
      );
      const appointments = new Map(rows.map((row) => [row.id as string, toAppointment(row)]));
      const settingsOf = new Map<string, ReminderSettings | null>();
      const queued: string[] = [];
      const outcomes: Array<[string, ReminderOutcome]> = [];
      for (const reminder of due) {
        if (!settingsOf.has(reminder.company_id)) settingsOf.set(reminder.company_id, await this.settings(tx, reminder.company_id));
        const settings = settingsOf.get(reminder.company_id);
        const appointment = appointments.get(reminder.appointment_id);
        const skip =
          !appointment || appointment.status === 'CANCELLED' || !settings ? SKIP.cancelled
          : !appointment.clientPhone ? SKIP.noPhone
          : appointment.startAt <= now ? SKIP.started
          : null;
        if (skip || !appointment || !settings) {
          await tx.execute(`update appointment_reminders set status = 'SKIPPED', error = ?, updated_at = now() where id = ?`, [skip ?? SKIP.cancelled, reminder.id]);
          outcomes.push([reminder.company_id, 'skipped']);
          continue;
        }
        const base = `reminder:${appointment.id}:${reminder.offset_minutes}`;
        // One reminder that cannot be queued (bad data) must not hold up the batch behind it, forever:
        // it is rolled back to this savepoint and recorded FAILED with the reason. One whose person is
        // busy (a lock not free now, a deadlock) is rolled back and left due for the next sweep.
        await tx.execute('savepoint reminder_claim');
        try {
          const outboundId = await this.deps.channel.queue(
            tx,
            {
              companyId: appointment.companyId,
              appointmentId: appointment.id,
              offsetMinutes: reminder.offset_minutes,
              phone: appointment.clientPhone!,
              clientName: appointment.clientName,
              body: reminderMessage(appointment.clientName, appointment.startAt, appointment.meetingUrl, now, settings.timeZone),
              parameters: reminderParameters(appointment.clientName, appointment.startAt, appointment.meetingUrl, now, settings.timeZone),
              dedupeKey: reminder.round > 0 ? `${base}:${reminder.round}` : base,
              answerUntil: appointment.startAt,
            },
            now,
          );
          await tx.execute('update appointment_reminders set outbound_message_id = ?, updated_at = now() where id = ?', [outboundId, reminder.id]);
          await tx.execute('release savepoint reminder_claim');
          queued.push(outboundId);
          outcomes.push([reminder.company_id, 'queued']);
        } catch (error) {
          await tx.execute('rollback to savepoint reminder_claim');
          if (isLockConflict(error)) {
            busy++;
            continue;
          }
          const reason = `não foi possível preparar a mensagem: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500);
          await tx.execute(`update appointment_reminders set status = 'FAILED', error = ?, updated_at = now() where id = ?`, [reason, reminder.id]);
          outcomes.push([reminder.company_id, 'failed']);
        }
      }
      // Busy ones do not count: a batch of them must not make the sweep loop at once.
      return { count: due.length - busy, queued, outcomes };
    });
    // Counted once committed.
    for (const [companyId, result] of outcome.outcomes) this.count(companyId, result);
    return { count: outcome.count, queued: outcome.queued };
  }

  private async plan(tx: EntityManager, appointment: Appointment, settings: ReminderSettings, justConfirmed = false): Promise<void> {
    const now = this.now();
    const existing = await tx.execute<ReminderRow[]>(
      'select id, offset_minutes, status, outbound_message_id, planned_start_at, round from appointment_reminders where appointment_id = ? for update',
      [appointment.id],
    );
    const inactive = appointment.status === 'CANCELLED' ? SKIP.cancelled : !appointment.clientPhone ? SKIP.noPhone : null;
    if (inactive) {
      const skipped = await tx.execute<unknown[]>(
        `update appointment_reminders set status = 'SKIPPED', error = ?, updated_at = now()
          where appointment_id = ? and status = 'SCHEDULED' and outbound_message_id is null returning id`,
        [inactive, appointment.id],
      );
      this.count(appointment.companyId, 'skipped', skipped.length);
      return;
    }
    if (appointment.startAt <= now) return;

    const plan = planReminders(appointment.startAt, now, settings, { justConfirmed });
    const byOffset = new Map(existing.map((r) => [r.offset_minutes, r]));
    let skipped = 0;
    let due = false;
    for (const p of plan) {
      const row = byOffset.get(p.offsetMinutes);
      byOffset.delete(p.offsetMinutes);
      const change = this.change(row, p, appointment.startAt);
      if (change === 'keep') continue;
      if (p.status === 'SKIPPED') skipped++;
      if (p.status === 'SCHEDULED' && p.dueAt <= now) due = true;
      if (change === 'insert') {
        await tx.execute(
          `insert into appointment_reminders (id, company_id, appointment_id, offset_minutes, due_at, status, error, planned_start_at, round, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, 0, now(), now())
           on conflict (appointment_id, offset_minutes) do nothing`,
          [randomUUID(), appointment.companyId, appointment.id, p.offsetMinutes, p.dueAt, p.status, p.reason, appointment.startAt],
        );
      } else {
        // 'update' keeps the round; 'resend' (moved after it was handed to WhatsApp) starts a new one.
        await tx.execute(
          `update appointment_reminders
              set due_at = ?, status = ?, error = ?, planned_start_at = ?, outbound_message_id = null, sent_at = null,
                  round = round + ?, updated_at = now()
            where id = ?`,
          [p.dueAt, p.status, p.reason, appointment.startAt, change === 'resend' ? 1 : 0, row!.id],
        );
      }
    }
    // Offsets the company no longer uses: drop what was not sent (what was sent stays as history).
    const dropped = [...byOffset.values()].filter((r) => r.outbound_message_id === null && r.status !== 'SENT' && r.status !== 'FAILED');
    if (dropped.length) await tx.execute(`delete from appointment_reminders where id in (${dropped.map(() => '?').join(', ')})`, dropped.map((r) => r.id));
    this.count(appointment.companyId, 'skipped', skipped);
    if (due) await tx.execute('select pg_notify(?, ?)', [REMINDERS_CHANNEL, '']);
  }

  /**
   * What a (re)plan does to an existing row. Unsent rows follow the plan; a row already handed to
   * WhatsApp is sent again only when the appointment moved (`planned_start_at` differs) and the new
   * plan schedules it; a skipped row of an unmoved appointment stays skipped.
   */
  private change(row: ReminderRow | undefined, planned: PlannedReminder, start: Date): 'insert' | 'update' | 'resend' | 'keep' {
    if (!row) return 'insert';
    const moved = row.planned_start_at === null || new Date(row.planned_start_at).getTime() !== start.getTime();
    const handed = row.outbound_message_id !== null || row.status === 'SENT' || row.status === 'FAILED';
    if (handed) return moved && planned.status === 'SCHEDULED' ? 'resend' : 'keep';
    if (row.status === 'SKIPPED' && !moved) return 'keep';
    return 'update';
  }

  private async settings(em: EntityManager, companyId: string): Promise<ReminderSettings | null> {
    const rows = await em.execute<Array<{ timezone: string; reminder_offsets_minutes: number[]; quiet_hours_start: string; quiet_hours_end: string }>>(
      'select timezone, reminder_offsets_minutes, quiet_hours_start, quiet_hours_end from companies where id = ?',
      [companyId],
    );
    const row = rows[0];
    if (!row) return null;
    return { offsets: row.reminder_offsets_minutes.map(Number), quietStart: row.quiet_hours_start, quietEnd: row.quiet_hours_end, timeZone: row.timezone };
  }

  private count(companyId: string, outcome: ReminderOutcome, n = 1): void {
    if (n > 0) this.deps.metrics.remindersTotal.inc({ company: companyId, outcome }, n);
  }
}

/** The columns the reminders read, from a raw `appointments` row. */
function toAppointment(row: Record<string, unknown>): Appointment {
  return {
    id: row.id as string,
    companyId: row.company_id as string,
    status: row.status as Appointment['status'],
    startAt: new Date(row.start_at as string),
    clientName: (row.client_name as string) ?? '',
    clientPhone: (row.client_phone as string | null) ?? null,
    meetingUrl: (row.meeting_url as string | null) ?? null,
  } as Appointment;
}
