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
  /** The host key and service of a booking Cal.com reports (by its organizer and event type). */
  reportedBooking(em: EntityManager, companyId: string, event: BookingEvent): Promise<{ hostKey: string | null; serviceId: string | null }>;
  /** Only its host key (a row learning its host; its service is not looked up). */
  reportedHost(em: EntityManager, companyId: string, event: BookingEvent): Promise<string | null>;
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
    const moved = row.startAt.getTime() !== event.start.getTime() || row.status === 'CANCELLED';
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
    await this.fillHost(tx, companyId, row, event);
    row.calLastEventAt = event.at;
    if (moved) await this.yieldClaimIfTaken(tx, companyId, actor, row);

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
    // Recorded whatever else sits at that time: Cal.com is the truth for what is booked.
    const id = event.appointmentId && isUuid(event.appointmentId) && (await this.ownFreeId(tx, companyId, event.appointmentId)) ? event.appointmentId : undefined;
    const reported = await this.appointments.reportedBooking(tx, companyId, event);
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
      hostKey: reported.hostKey,
      hostName: event.host?.name ?? null,
      hostClaim: false,
      serviceId: reported.serviceId,
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

  /** Cal.com names the host of every booking it reports; a row without a host key learns it too. */
  private async fillHost(tx: EntityManager, companyId: string, row: Appointment, event: BookingEvent): Promise<void> {
    if (event.host?.name) row.hostName = event.host.name;
    // An own row keeps the key it claimed with: later attempts compute that same key.
    if (!row.hostKey) row.hostKey = await this.appointments.reportedHost(tx, companyId, event);
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
    const removed = others.map((r) => ({ ...mapAppointment(r, false), status: 'CANCELLED' as const, cancellationReason: `Mesclado com ${keeper.id}` }));
    // Delete first: the keeper may take over a uid or a claimed start that the indexes hold.
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
      keeper.hostKey ??= other.hostKey;
      keeper.hostName ??= other.hostName;
      audit(tx, companyId, actor, 'appointment.merged', `appointment:${other.id}`, { into: keeper.id, uid: other.calBookingUid });
    }
    keeper.searchText = appointmentSearchText(keeper.clientName, keeper.clientPhone, keeper.clientEmail);
    await this.yieldClaimIfTaken(tx, companyId, actor, keeper);
    await tx.flush();
    for (const view of removed) {
      await this.appointments.notifyView(tx, companyId, view, AppointmentChangeKind.CANCELLED);
    }
    return keeper;
  }

  /**
   * An own booking that Cal.com puts on a slot another of our claims holds for the same host keeps
   * its place but gives up its claim: what Cal.com reports is recorded (the overlap shows), and
   * the claim index, which only our own attempts must respect, is never violated.
   */
  private async yieldClaimIfTaken(tx: EntityManager, companyId: string, actor: Actor, row: Appointment): Promise<void> {
    if (!row.hostClaim || !row.hostKey || row.status === 'CANCELLED') return;
    await lockHostSlot(tx, companyId, row.hostKey, row.startAt);
    const held = await tx.getConnection().execute<{ id: string }[]>(
      `select id from appointments
        where company_id = ? and host_key = ? and start_at = ? and host_claim and status <> 'CANCELLED' and id <> ? limit 1`,
      [companyId, row.hostKey, row.startAt, row.id],
      'all',
      tx.getTransactionContext(),
    );
    if (!held[0]) return;
    row.hostClaim = false;
    audit(tx, companyId, actor, 'appointment.claim_yielded', `appointment:${row.id}`, { start: row.startAt.toISOString(), heldBy: held[0].id });
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

/**
 * Serialises, per company, host and start, our own claim with the sync's check for one (held until
 * the transaction ends): without it, a claim committed between that check and the sync's write would
 * make the write violate the claim index, and the Cal.com event would have to wait for a retry.
 */
export async function lockHostSlot(tx: EntityManager, companyId: string, hostKey: string, start: Date): Promise<void> {
  await tx.getConnection().execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`host-slot:${companyId}:${hostKey}:${start.toISOString()}`], 'all', tx.getTransactionContext());
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
  return [row.status, row.calBookingUid, row.startAt.toISOString(), row.endAt.toISOString(), row.meetingUrl, row.cancellationReason, row.title, row.clientName, row.clientPhone, row.hostKey, row.hostName].join('|');
}
