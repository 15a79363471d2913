import type { EntityManager } from '@mikro-orm/postgresql';
import { audit, type Actor } from '../audit/audit.service.js';
import type { CalendarEvent as BookingEvent } from '../calcom/calendar.gateway.js';
import { isUuid } from '../shared/ids.js';
import type { Metrics } from '../platform/metrics.js';
import { Appointment, type AppointmentStatus } from './appointment.entity.js';
import { appointmentSearchText } from './appointment-input.js';
import { AppointmentChangeKind, mapAppointment, type AppointmentView } from './appointment.types.js';

/** How the sync announces changes (AppointmentService's publishing, passed in to avoid a cycle). */
export interface ChangePublisher {
  publish(em: EntityManager, appointment: Appointment, kind: AppointmentChangeKind): Promise<void>;
  notifyView(em: EntityManager, companyId: string, view: AppointmentView, kind: AppointmentChangeKind): Promise<void>;
  /** Which service a booking Cal.com reports belongs to (by its event type). */
  serviceIdForEventType(em: EntityManager, companyId: string, eventTypeId: number | null | undefined): Promise<string | null>;
}

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
 * Internal to the appointments room (AppointmentService.applyCalendarEvent is its only caller).
 * Applies calendar booking events to `appointments`, idempotently and in any order: each row keeps
 * the time of the last event applied, so a late, older event cannot overwrite newer state, and a
 * rescheduled booking keeps its old uids so a late event about one of them is recognised as stale.
 */
export class CalendarSync {
  /** Companies whose sync lock a transaction (its knex transaction object) already holds. */
  private readonly locked = new WeakMap<object, Set<string>>();

  constructor(
    private readonly appointments: ChangePublisher,
    private readonly metrics: Metrics,
  ) {}

  /** Runs inside the caller's transaction (the webhook's, with its delivery row). */
  async apply(tx: EntityManager, companyId: string, actor: Actor, event: BookingEvent, via: 'webhook' | 'reconcile'): Promise<ApplyResult> {
    await this.lockCompany(tx, companyId);
    const rows = await this.find(tx, companyId, event);
    if (rows.length === 0) return this.insert(tx, companyId, actor, event, via);
    const row = rows.length > 1 ? await this.mergeRows(tx, companyId, actor, rows, event) : rows[0]!;

    const stale =
      row.calLastEventAt && event.at < row.calLastEventAt ? 'evento mais antigo que o último aplicado'
      : row.calPreviousUids.includes(event.uid) && row.calBookingUid !== event.uid ? 'evento sobre uma reserva já remarcada'
      : null;
    if (stale) {
      // Even a stale event tells which uids belong together (a late reschedule links old and new).
      const aliases = [event.uid, event.rescheduleUid].filter((u): u is string => Boolean(u) && u !== row.calBookingUid && !row.calPreviousUids.includes(u!));
      if (aliases.length) {
        row.calPreviousUids = [...row.calPreviousUids, ...aliases];
        await tx.flush();
      }
      return { outcome: 'stale', reason: stale, appointmentId: row.id };
    }

    const before = snapshot(row);
    const wasUnconfirmedClaim = row.status === 'PENDING' && !row.calBookingUid;
    const target = this.targetStatus(row, event);
    if (await this.slotTaken(tx, companyId, actor, event.start, target, row.id)) return { outcome: 'ignored', reason: 'conflito de horário com outro agendamento' };
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
    this.record(tx, companyId, actor, row, event, via, kind, before.split('|')[0] as AppointmentStatus);
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

  private async insert(tx: EntityManager, companyId: string, actor: Actor, event: BookingEvent, via: 'webhook' | 'reconcile'): Promise<ApplyResult> {
    // Our own id from the metadata, if it is free: a booking whose confirmation we lost comes back as itself.
    if (await this.slotTaken(tx, companyId, actor, event.start, TARGET[event.trigger], null)) return { outcome: 'ignored', reason: 'conflito de horário com outro agendamento' };
    const id = event.appointmentId && isUuid(event.appointmentId) && (await this.ownFreeId(tx, companyId, event.appointmentId)) ? event.appointmentId : undefined;
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
      serviceId: await this.appointments.serviceIdForEventType(tx, companyId, event.eventTypeId),
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    fillClient(row, event);
    const kind = row.status === 'CANCELLED' ? AppointmentChangeKind.CANCELLED : AppointmentChangeKind.CREATED;
    this.record(tx, companyId, actor, row, event, via, kind, null);
    await tx.flush(); // the row and its audit entry in one round trip (the id is ours, set on creation)
    if (row.status !== 'CANCELLED') this.metrics.appointmentsTotal.inc({ company: companyId, source: 'calcom' });
    await this.appointments.publish(tx, row, kind);
    return { outcome: 'applied', appointmentId: row.id };
  }

  private record(tx: EntityManager, companyId: string, actor: Actor, row: Appointment, event: BookingEvent, via: string, kind: AppointmentChangeKind, previous: AppointmentStatus | null) {
    audit(tx, companyId, { ...actor, id: event.uid }, `appointment.calcom.${event.trigger.toLowerCase()}`, `appointment:${row.id}`, {
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
   * The metadata id is reused only when it was this company's (its audit trail names it) and no row
   * holds it: whether an id exists in another tenant never changes what happens here.
   */
  private async ownFreeId(tx: EntityManager, companyId: string, id: string): Promise<boolean> {
    const rows = await tx.getConnection().execute<Array<{ free: boolean }>>(
      `select not exists (select 1 from appointments where id = ?) as free
        from audit_log where company_id = ? and subject = ? limit 1`,
      [id, companyId, `appointment:${id}`],
      'all',
      tx.getTransactionContext(),
    );
    return rows[0]?.free === true;
  }

  /**
   * Serialises the Cal.com events of one company: two events of one booking may share no uid (a
   * cancel of the new booking and the create of the old one) and only a later reschedule links
   * them, so a per-uid lock cannot keep them from both inserting.
   */
  private async lockCompany(tx: EntityManager, companyId: string): Promise<void> {
    // Held until the transaction ends: taken once per transaction (a batch of deliveries shares one).
    const trx = tx.getTransactionContext<object>();
    if (trx && this.locked.get(trx)?.has(companyId)) return;
    await tx.getConnection().execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [companySyncLockName(companyId)], 'all', trx);
    if (trx) this.locked.set(trx, (this.locked.get(trx) ?? new Set<string>()).add(companyId));
  }

  /**
   * Rows that an event shows to be one booking (they were created from events that arrived before
   * the one linking them) become one: the row with our id, else the oldest, keeps its id and takes
   * the newest state and every uid; the others are removed, audited and announced.
   */
  private async mergeRows(tx: EntityManager, companyId: string, actor: Actor, rows: Appointment[], event: BookingEvent): Promise<Appointment> {
    const byAge = [...rows].sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime());
    const keeper = rows.find((r) => r.id === event.appointmentId) ?? byAge.find((r) => r.source !== 'CALCOM') ?? byAge[0]!;
    const newest = rows.reduce((a, b) => ((b.calLastEventAt?.getTime() ?? 0) > (a.calLastEventAt?.getTime() ?? 0) ? b : a));
    const uids = new Set(rows.flatMap((r) => [r.calBookingUid, ...r.calPreviousUids]).filter((u): u is string => Boolean(u)));
    const others = rows.filter((r) => r !== keeper);
    const removed = others.map((r) => ({ ...mapAppointment(r), status: 'CANCELLED' as const, cancellationReason: `Mesclado com ${keeper.id}` }));
    // Delete first: the keeper may take over a uid or start time that the slot and uid indexes hold.
    await tx.getConnection().execute(`delete from appointments where id in (${others.map(() => '?').join(', ')})`, others.map((r) => r.id), 'run', tx.getTransactionContext());
    if (newest !== keeper) {
      Object.assign(keeper, {
        status: newest.status, calBookingUid: newest.calBookingUid, calBookingId: newest.calBookingId, startAt: newest.startAt, endAt: newest.endAt,
        meetingUrl: newest.meetingUrl ?? keeper.meetingUrl, cancellationReason: newest.cancellationReason, title: newest.title || keeper.title,
        calLastEventAt: newest.calLastEventAt,
      });
    }
    if (keeper.calBookingUid) uids.delete(keeper.calBookingUid);
    keeper.calPreviousUids = [...uids];
    for (const other of others) {
      keeper.clientName ||= other.clientName;
      keeper.clientEmail ??= other.clientEmail;
      keeper.clientPhone ??= other.clientPhone;
      audit(tx, companyId, actor, 'appointment.merged', `appointment:${other.id}`, { into: keeper.id, uid: other.calBookingUid });
    }
    keeper.searchText = appointmentSearchText(keeper.clientName, keeper.clientPhone, keeper.clientEmail);
    await tx.flush();
    for (const view of removed) {
      await this.appointments.notifyView(tx, companyId, view, AppointmentChangeKind.CANCELLED);
    }
    return keeper;
  }

  /**
   * Another live appointment at the same start would violate the slot index. Cal.com is the truth
   * for its own bookings: a claim of ours without a Cal.com uid at that time has lost the race in
   * Cal.com (which will refuse it), so the booking supersedes it; any other clash is reported.
   */
  private async slotTaken(tx: EntityManager, companyId: string, actor: Actor, start: Date, status: AppointmentStatus, ownId: string | null): Promise<boolean> {
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
    audit(tx, companyId, actor, 'appointment.claim_superseded', `appointment:${other.id}`, { start: start.toISOString() });
    return false;
  }

  private async find(tx: EntityManager, companyId: string, event: BookingEvent): Promise<Appointment[]> {
    const uids = [event.uid, ...(event.rescheduleUid ? [event.rescheduleUid] : [])];
    const marks = uids.map(() => '?').join(', ');
    const byId = event.appointmentId && isUuid(event.appointmentId) ? [event.appointmentId] : [];
    const rows = await tx.getConnection().execute<Record<string, unknown>[]>(
      `select * from appointments
        where company_id = ? and (cal_booking_uid in (${marks}) or cal_previous_uids && array[${marks}]::text[] ${byId.length ? 'or id = ?' : ''})
        order by created_at, id for update`,
      [companyId, ...uids, ...uids, ...byId],
      'all',
      tx.getTransactionContext(),
    );
    return rows.map((row) => tx.merge(Appointment, tx.map(Appointment, row)));
  }
}

/** The advisory lock (`hashtextextended(name, 0)`) that serialises a company's Cal.com events. */
export function companySyncLockName(companyId: string): string {
  return `calcom-sync:${companyId}`;
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
