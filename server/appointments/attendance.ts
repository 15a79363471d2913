import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { audit, type Actor } from '../audit/audit.service.js';
import type { CalendarAttendanceEvent } from '../calcom/calendar.gateway.js';
import { domainError } from '../platform/errors.js';
import type { Metrics } from '../platform/metrics.js';
import { rawRead } from '../platform/raw-query.js';
import { isUuid } from '../shared/ids.js';
import { Appointment, type Attendance } from './appointment.entity.js';
import { AppointmentChangeKind, type AttendanceWeekView, type ReminderStatus, type ReminderView } from './appointment.types.js';
import type { ApplyResult, ChangePublisher } from './calendar-sync.js';

/** Longest summary asked for (half a year of weeks). */
export const MAX_SUMMARY_WEEKS = 26;

/**
 * Internal to the appointments room (AppointmentService is its only caller): attendance marks from
 * the Agenda and from Cal.com's no-show events, the reminder rows read with appointments, and the
 * weekly attendance summary.
 */
export class AttendanceBook {
  constructor(
    private readonly appointments: ChangePublisher,
    private readonly metrics: Metrics,
  ) {}

  /** An admin's mark: only once the appointment has started, never on a cancelled one. */
  async mark(em: EntityManager, companyId: string, actor: Actor, id: string, attendance: Attendance, now: Date): Promise<Appointment> {
    if (!isUuid(id)) throw domainError('APPOINTMENT_NOT_FOUND');
    return em.transactional(async (tx) => {
      const row = await tx.findOne(Appointment, { id, companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) throw domainError('APPOINTMENT_NOT_FOUND');
      if (row.status === 'CANCELLED') throw domainError('ATTENDANCE_CANCELLED');
      if (now < row.startAt) throw domainError('ATTENDANCE_BEFORE_START');
      if (row.attendance === attendance) return row;
      await this.set(tx, companyId, actor, row, attendance, now, 'appointment.attendance_marked', { via: 'admin' });
      return row;
    });
  }

  /**
   * A Cal.com no-show event (BOOKING_NO_SHOW_UPDATED, AFTER_GUESTS_CAL_VIDEO_NO_SHOW), inside the
   * webhook's transaction; idempotent, and an event older than the last mark loses to it.
   */
  async apply(tx: EntityManager, companyId: string, actor: Actor, event: CalendarAttendanceEvent): Promise<ApplyResult> {
    // Found and locked in one statement (the booking's current uid first, then a row holding an older
    // uid of it), then mapped and merged into the transaction's identity map (refreshed, as under lock).
    const found = await tx.getConnection().execute<Array<Record<string, unknown>>>(
      `select * from appointments
        where company_id = ? and (cal_booking_uid = ? or cal_previous_uids && array[?]::text[] ${event.bookingId !== null ? 'or cal_booking_id = ?' : ''})
        order by (cal_booking_uid is not distinct from ?) desc, created_at limit 1 for update`,
      [companyId, event.uid, event.uid, ...(event.bookingId !== null ? [event.bookingId] : []), event.uid],
      'all',
      tx.getTransactionContext(),
    );
    if (!found[0]) return { outcome: 'ignored', reason: 'reserva desconhecida' };
    const row = tx.map(Appointment, found[0]);
    if (row.attendanceMarkedAt && event.at < row.attendanceMarkedAt) return { outcome: 'stale', reason: 'evento mais antigo que a última marcação de presença', appointmentId: row.id };
    // The client's own entry when we know their e-mail (a no-show of another guest must not mark
    // them); the booker (listed first) only when we do not. "No guest joined" speaks of every guest.
    const email = row.clientEmail?.toLowerCase() ?? null;
    const everyGuest = event.trigger === 'AFTER_GUESTS_CAL_VIDEO_NO_SHOW';
    const client = email !== null && !everyGuest ? event.attendees.find((a) => a.email === email) : event.attendees[0];
    if (!client) return { outcome: 'ignored', reason: email !== null ? 'cliente não está entre os participantes' : 'evento sem participantes', appointmentId: row.id };
    // Cal.com has no "attended": `noShow: false` is its unmarked default ("x unmarked as no-show"),
    // also sent for a client listed while a host marks another guest. It only undoes a no-show
    // (back to UNKNOWN, as un-marking in the Agenda does); it never says the client came.
    if (!client.noShow && row.attendance !== 'NO_SHOW') return { outcome: 'duplicate', reason: 'nenhuma falta a desfazer', appointmentId: row.id };
    const attendance: Attendance = client.noShow ? 'NO_SHOW' : 'UNKNOWN';
    if (row.attendance === attendance) return { outcome: 'duplicate', reason: 'estado já aplicado', appointmentId: row.id };
    await this.set(tx, companyId, { ...actor, id: event.uid }, row, attendance, event.at, `appointment.calcom.${event.trigger.toLowerCase()}`, { via: 'webhook', uid: event.uid });
    return { outcome: 'applied', appointmentId: row.id };
  }

  private async set(tx: EntityManager, companyId: string, actor: Actor, row: Appointment, attendance: Attendance, at: Date, action: string, details: Record<string, unknown>): Promise<void> {
    const previous = row.attendance;
    row.attendance = attendance;
    row.attendanceMarkedAt = at;
    audit(tx, companyId, actor, action, `appointment:${row.id}`, { ...details, from: previous, to: attendance });
    await tx.flush();
    await this.appointments.publish(tx, row, AppointmentChangeKind.UPDATED);
    this.metrics.attendanceTotal.inc({ company: companyId, attendance: attendance.toLowerCase() });
  }

  /** The reminders of `ids` (already the company's), in one statement, by appointment, earliest due first. */
  async reminders(em: EntityManager, companyId: string, ids: readonly string[]): Promise<Map<string, ReminderView[]>> {
    const byAppointment = new Map<string, ReminderView[]>(ids.map((id) => [id, []]));
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return byAppointment;
    // One text whatever the page size (the ids travel as one array literal): prepared once.
    const rows = await rawRead<{ appointment_id: string; offset_minutes: number; due: number; status: ReminderStatus; sent: number | null }>(
      em,
      `select appointment_id, offset_minutes, extract(epoch from due_at)::float8 * 1000 as due, status,
              extract(epoch from sent_at)::float8 * 1000 as sent
         from appointment_reminders where company_id = $1 and appointment_id = any($2::uuid[])
        order by appointment_id, due_at, offset_minutes desc`,
      [companyId, `{${valid.join(',')}}`],
    );
    for (const r of rows) {
      byAppointment.get(r.appointment_id)?.push({
        offsetMinutes: r.offset_minutes,
        dueAt: new Date(Math.round(r.due)),
        status: r.status,
        sentAt: r.sent === null ? null : new Date(Math.round(r.sent)),
      });
    }
    return byAppointment;
  }

  /**
   * The last `weeks` weeks (Monday to Sunday in `zone`, the current one last): appointments that are
   * not cancelled, the client's answers, attendance and the no-show rate (no-shows over the week's
   * appointments that have already started, so the current week is not diluted by future ones). Weeks are cut in the
   * company's zone by PostgreSQL (local midnight, DST included).
   */
  async summary(em: EntityManager, companyId: string, zone: string, weeks: number, now: Date): Promise<AttendanceWeekView[]> {
    if (!Number.isInteger(weeks) || weeks < 1 || weeks > MAX_SUMMARY_WEEKS) throw domainError('SUMMARY_WEEKS_INVALID', { max: MAX_SUMMARY_WEEKS });
    const rows = await em.getConnection().execute<
      Array<{ week_start: string; from_at: Date; to_at: Date; appointments: number; confirmations: number; declines: number; attended: number; no_shows: number; started: number }>
    >(
      `with w as (
         select gs as local_start, gs + interval '1 week' as local_end
           from generate_series(date_trunc('week', ?::timestamptz at time zone ?) - ?::int * interval '1 week',
                                date_trunc('week', ?::timestamptz at time zone ?), interval '1 week') gs
       )
       select to_char(w.local_start, 'YYYY-MM-DD') as week_start,
              w.local_start at time zone ? as from_at, w.local_end at time zone ? as to_at,
              count(a.id)::int as appointments,
              count(a.id) filter (where a.client_confirmation = 'CONFIRMED')::int as confirmations,
              count(a.id) filter (where a.client_confirmation = 'DECLINED')::int as declines,
              count(a.id) filter (where a.attendance = 'ATTENDED')::int as attended,
              count(a.id) filter (where a.attendance = 'NO_SHOW')::int as no_shows,
              count(a.id) filter (where a.start_at <= ?)::int as started
         from w left join appointments a
           on a.company_id = ? and a.status <> 'CANCELLED'
          and a.start_at >= w.local_start at time zone ? and a.start_at < w.local_end at time zone ?
        group by w.local_start, w.local_end
        order by w.local_start`,
      [now, zone, weeks - 1, now, zone, zone, zone, now, companyId, zone, zone],
    );
    return rows.map((r) => ({
      weekStart: r.week_start,
      from: new Date(r.from_at),
      to: new Date(r.to_at),
      appointments: r.appointments,
      confirmations: r.confirmations,
      declines: r.declines,
      started: r.started,
      attended: r.attended,
      noShows: r.no_shows,
      noShowRate: r.started === 0 ? 0 : r.no_shows / r.started,
    }));
  }
}
