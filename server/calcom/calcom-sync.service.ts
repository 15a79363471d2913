import type { EntityManager } from '@mikro-orm/postgresql';
import { Appointment, type AppointmentStatus } from '../appointments/appointment.entity.js';
import { appointmentSearchText, type AppointmentService } from '../appointments/appointment.service.js';
import { AppointmentChangeKind } from '../appointments/appointment.types.js';
import { audit, CALCOM_ACTOR } from '../audit/audit.service.js';
import { isUuid } from '../companies/company.service.js';
import type { Metrics } from '../platform/metrics.js';
import type { BookingEvent } from './calcom-event.js';

export type ApplyOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored';

export interface ApplyResult {
  outcome: ApplyOutcome;
  reason?: string;
  appointmentId?: string;
}

const TARGET: Record<BookingEvent['trigger'], AppointmentStatus> = {
  BOOKING_CREATED: 'CONFIRMED',
  BOOKING_REQUESTED: 'PENDING',
  BOOKING_RESCHEDULED: 'RESCHEDULED',
  BOOKING_CANCELLED: 'CANCELLED',
  BOOKING_REJECTED: 'CANCELLED',
};

/**
 * Applies Cal.com booking events to `appointments`, idempotently and in any order: each row keeps
 * the time of the last event applied, so a late, older event cannot overwrite newer state, and a
 * rescheduled booking keeps its old uids so a late event about one of them is recognised as stale.
 */
export class CalcomSyncService {
  constructor(
    private readonly appointments: AppointmentService,
    private readonly metrics: Metrics,
  ) {}

  /** Runs inside the caller's transaction (the webhook's, with its delivery row). */
  async apply(tx: EntityManager, companyId: string, event: BookingEvent, via: 'webhook' | 'reconcile'): Promise<ApplyResult> {
    await this.lockBookings(tx, companyId, event);
    const row = await this.find(tx, companyId, event);
    if (!row) return this.insert(tx, companyId, event, via);

    if (row.calLastEventAt && event.at < row.calLastEventAt) return { outcome: 'stale', reason: 'evento mais antigo que o último aplicado', appointmentId: row.id };
    const aboutOldBooking = row.calPreviousUids.includes(event.uid) && row.calBookingUid !== event.uid;
    if (aboutOldBooking) return { outcome: 'stale', reason: 'evento sobre uma reserva já remarcada', appointmentId: row.id };

    const before = snapshot(row);
    const wasUnconfirmedClaim = row.status === 'PENDING' && !row.calBookingUid;
    const target = this.targetStatus(row, event);
    if (await this.slotTaken(tx, companyId, event.start, target, row.id)) return { outcome: 'ignored', reason: 'conflito de horário com outro agendamento' };
    if (event.trigger === 'BOOKING_RESCHEDULED' && row.calBookingUid && row.calBookingUid !== event.uid) {
      row.calPreviousUids = [...new Set([...row.calPreviousUids, row.calBookingUid])];
    }
    row.calBookingUid = event.uid;
    row.calBookingId = event.bookingId ?? row.calBookingId;
    row.status = target;
    row.startAt = event.start;
    row.endAt = event.end;
    if (event.title) row.title = event.title;
    if (event.meetingUrl) row.meetingUrl = event.meetingUrl;
    if (target === 'CANCELLED' && event.reason) row.cancellationReason = event.reason;
    fillClient(row, event);
    row.calLastEventAt = event.at;

    if (snapshot(row) === before) return { outcome: 'duplicate', reason: 'estado já aplicado', appointmentId: row.id };
    await tx.flush();
    const kind =
      wasUnconfirmedClaim ? AppointmentChangeKind.CREATED
      : target === 'CANCELLED' && before.startsWith('CANCELLED') ? AppointmentChangeKind.UPDATED
      : target === 'CANCELLED' ? AppointmentChangeKind.CANCELLED
      : event.trigger === 'BOOKING_RESCHEDULED' ? AppointmentChangeKind.RESCHEDULED
      : AppointmentChangeKind.UPDATED;
    this.record(tx, companyId, row, event, via, kind, before.split('|')[0] as AppointmentStatus);
    await tx.flush();
    await this.appointments.publish(tx, row, kind);
    return { outcome: 'applied', appointmentId: row.id };
  }

  private targetStatus(row: Appointment, event: BookingEvent): AppointmentStatus {
    const target = TARGET[event.trigger];
    // A booking accepted after a reschedule stays "reagendado" in the agenda.
    if (target === 'CONFIRMED' && row.status === 'RESCHEDULED' && row.calBookingUid === event.uid) return 'RESCHEDULED';
    return target;
  }

  private async insert(tx: EntityManager, companyId: string, event: BookingEvent, via: 'webhook' | 'reconcile'): Promise<ApplyResult> {
    // Our own id from the metadata, if it is free: a booking whose confirmation we lost comes back as itself.
    if (await this.slotTaken(tx, companyId, event.start, TARGET[event.trigger], null)) return { outcome: 'ignored', reason: 'conflito de horário com outro agendamento' };
    let id: string | undefined;
    if (event.appointmentId && isUuid(event.appointmentId) && !(await tx.findOne(Appointment, { id: event.appointmentId }))) id = event.appointmentId;
    const row = tx.create(Appointment, {
      ...(id ? { id } : {}),
      companyId,
      status: TARGET[event.trigger],
      title: event.title || 'Reunião',
      startAt: event.start,
      endAt: event.end,
      clientName: event.clientName,
      source: 'CALCOM',
      calBookingUid: event.uid,
      calBookingId: event.bookingId,
      calPreviousUids: event.rescheduleUid ? [event.rescheduleUid] : [],
      meetingUrl: event.meetingUrl,
      cancellationReason: TARGET[event.trigger] === 'CANCELLED' ? event.reason : null,
      calLastEventAt: event.at,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    fillClient(row, event);
    await tx.flush();
    const kind = row.status === 'CANCELLED' ? AppointmentChangeKind.CANCELLED : AppointmentChangeKind.CREATED;
    if (row.status !== 'CANCELLED') this.metrics.appointmentsTotal.inc({ company: companyId, source: 'calcom' });
    this.record(tx, companyId, row, event, via, kind, null);
    await tx.flush();
    await this.appointments.publish(tx, row, kind);
    return { outcome: 'applied', appointmentId: row.id };
  }

  private record(tx: EntityManager, companyId: string, row: Appointment, event: BookingEvent, via: string, kind: AppointmentChangeKind, previous: AppointmentStatus | null) {
    audit(tx, companyId, { ...CALCOM_ACTOR, id: event.uid }, `appointment.calcom.${event.trigger.toLowerCase()}`, `appointment:${row.id}`, {
      via,
      uid: event.uid,
      rescheduleUid: event.rescheduleUid,
      from: previous,
      to: row.status,
      start: row.startAt.toISOString(),
    });
    if (kind === AppointmentChangeKind.CANCELLED) this.metrics.appointmentsCancelled.inc({ company: companyId, via: 'webhook' });
    if (row.status === 'CONFIRMED' && previous !== 'CONFIRMED') this.metrics.appointmentsConfirmed.inc({ company: companyId, source: 'calcom' });
  }

  /**
   * Serialises events about the same booking (and, for a reschedule, its predecessor): without it,
   * a CREATED and a CANCELLED arriving together could both insert, or a late CREATED could miss the
   * reschedule committing beside it. Keys are taken in sorted order so two events cannot deadlock.
   */
  private async lockBookings(tx: EntityManager, companyId: string, event: BookingEvent): Promise<void> {
    const keys = [...new Set([event.uid, event.rescheduleUid, event.appointmentId].filter((k): k is string => Boolean(k)))].sort();
    for (const key of keys) {
      await tx.getConnection().execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`booking:${companyId}:${key}`], 'all', tx.getTransactionContext());
    }
  }

  /**
   * Another live appointment at the same start would violate the slot index. Cal.com is the truth
   * for its own bookings: a claim of ours without a Cal.com uid at that time has lost the race in
   * Cal.com (which will refuse it), so the booking supersedes it; any other clash is reported.
   */
  private async slotTaken(tx: EntityManager, companyId: string, start: Date, status: AppointmentStatus, ownId: string | null): Promise<boolean> {
    if (status === 'CANCELLED') return false;
    const clash = await tx.getConnection().execute<{ id: string; status: string; cal_booking_uid: string | null }[]>(
      `select id, status, cal_booking_uid from appointments
        where company_id = ? and start_at = ? and status <> 'CANCELLED' and id <> ? limit 1 for update`,
      [companyId, start, ownId ?? '00000000-0000-0000-0000-000000000000'],
      'all',
      tx.getTransactionContext(),
    );
    const other = clash[0];
    if (!other) return false;
    if (other.status !== 'PENDING' || other.cal_booking_uid) return true;
    await tx.getConnection().execute('delete from appointments where id = ?', [other.id], 'run', tx.getTransactionContext());
    audit(tx, companyId, CALCOM_ACTOR, 'appointment.claim_superseded', `appointment:${other.id}`, { start: start.toISOString() });
    return false;
  }

  private async find(tx: EntityManager, companyId: string, event: BookingEvent): Promise<Appointment | null> {
    const uids = [event.uid, ...(event.rescheduleUid ? [event.rescheduleUid] : [])];
    const marks = uids.map(() => '?').join(', ');
    const byId = event.appointmentId && isUuid(event.appointmentId) ? [event.appointmentId] : [];
    const rows = await tx.getConnection().execute<Record<string, unknown>[]>(
      `select * from appointments
        where company_id = ? and (cal_booking_uid in (${marks}) or cal_previous_uids && array[${marks}]::text[] ${byId.length ? 'or id = ?' : ''})
        order by (cal_booking_uid = ?) desc limit 1 for update`,
      [companyId, ...uids, ...uids, ...byId, event.uid],
      'all',
      tx.getTransactionContext(),
    );
    if (!rows[0]) return null;
    return tx.merge(Appointment, tx.map(Appointment, rows[0]));
  }
}

function fillClient(row: Appointment, event: BookingEvent): void {
  if (event.clientName && !row.clientName) row.clientName = event.clientName;
  if (event.clientEmail && !row.clientEmail) row.clientEmail = event.clientEmail;
  if (event.clientPhone && !row.clientPhone) row.clientPhone = event.clientPhone;
  row.searchText = appointmentSearchText(row.clientName, row.clientPhone, row.clientEmail);
}

function snapshot(row: Appointment): string {
  return [row.status, row.calBookingUid, row.startAt.toISOString(), row.endAt.toISOString(), row.meetingUrl, row.cancellationReason, row.title, row.clientName, row.clientPhone].join('|');
}
