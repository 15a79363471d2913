/*
 * Over 300 lines on purpose: this class is the single owner of `appointments` (issue 15), so every
 * write and every read other rooms use is one of its methods. Input checks, the page query, calendar
 * error translation and calendar-event application live beside it (appointment-input.ts,
 * appointment-page.ts, calendar-errors.ts, calendar-sync.ts).
 */
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { audit, type Actor } from '../audit/audit.service.js';
import { requireWrite } from '../auth/tenant.js';
import { CalendarError, type CalendarAttendanceEvent, type CalendarBooking, type CalendarEvent, type CalendarGateway, type CalendarSlot } from '../calcom/calendar.gateway.js';
import type { CompanyIntegrations, CompanyService } from '../companies/company.service.js';
import { isUuid } from '../shared/ids.js';
import { domainError } from '../platform/errors.js';
import type { Metrics } from '../platform/metrics.js';
import type { PgEventBus } from '../platform/pubsub.js';
import { toE164 } from '../shared/phone.js';
import { Appointment, type AppointmentSource, type Attendance, type ClientConfirmation } from './appointment.entity.js';
import { AttendanceBook } from './attendance.js';
import { appointmentSearchText, validateBooking, type BookInput, type ValidBooking } from './appointment-input.js';
import { listPage, MAX_PAGE, type ListFilter, type Page } from './appointment-page.js';
import { calendarDomainError, notConfigured } from './calendar-errors.js';
import { CalendarSync, lockHostSlot, type ApplyResult } from './calendar-sync.js';
import { defaultTarget, hostKeyOf, type BookingTarget } from './host-key.js';
import { withServiceTarget, type ServiceDirectory, type ServiceTarget } from './service-target.js';

export { appointmentSearchText, decodeCursor, encodeCursor, validateBooking, type BookInput } from './appointment-input.js';
export { MAX_PAGE, type ListFilter, type Page } from './appointment-page.js';
export { hostKeyOf, type BookingTarget } from './host-key.js';
import { AppointmentChangeKind, OVERLAP_LOOKBACK_HOURS, mapAppointment, overlapsSql, type AppointmentView, type AttendanceWeekView, type ReminderView } from './appointment.types.js';

export const APPOINTMENT_TOPIC = 'APPOINTMENT_CHANGED';
const MAX_RANGE_DAYS = 62;
/** Widest window the overlap diagnostic reads at once. */
export const MAX_OVERLAP_RANGE_DAYS = 366;
/** The overlap diagnostic's window when none is given. */
export const DEFAULT_OVERLAP_RANGE_DAYS = 90;

/** Who acts and for which company. A `Tenant` is one; the WhatsApp worker builds one per contact. */
export interface Scope {
  companyId: string;
  actor: Actor;
  /** False for read-only API keys (a Tenant); absent for internal callers. */
  canWrite?: boolean;
}

export type CancelVia = 'api' | 'webhook' | 'whatsapp' | 'admin';

/**
 * Told of every appointment change, inside the change's transaction, right before it is published
 * (the reminders plan, move or drop their rows here). Every write path — WhatsApp, panel, API, Cal.com
 * webhook, reconciliation — publishes through `publish`, so this is the one hook.
 */
export interface AppointmentObserver {
  /** `actor`: who made the change, when the caller knows (absent for calendar events). */
  appointmentChanged(tx: EntityManager, appointment: Appointment, actor?: Actor): Promise<void>;
}

/**
 * Checked on the first line of every public method: the scope names a company, and a write needs
 * write permission (read-only API keys are refused before anything is read or sent to Cal.com).
 */
function checkScope(scope: Scope, access: 'read' | 'write'): void {
  if (!scope || !isUuid(scope.companyId)) throw domainError('SCOPE_INVALID');
  if (access === 'write') requireWrite(scope);
}

/**
 * The only owner of `appointments`: every write (book, cancel, reschedule, a calendar event, a
 * released claim) and every read other rooms make go through here.
 */
export class AppointmentService {
  private readonly sync: CalendarSync;
  private readonly observers: AppointmentObserver[] = [];
  private readonly attendanceBook: AttendanceBook;

  constructor(
    private readonly companies: CompanyService,
    private readonly calendar: CalendarGateway,
    private readonly events: PgEventBus,
    private readonly metrics: Metrics,
    /** The company's services; without it every booking uses the company's event type (as before issue 17). */
    private readonly services?: ServiceDirectory,
    /** The clock of time rules (attendance only after the start, the summary's weeks); tests move it. */
    private readonly now: () => Date = () => new Date(),
  ) {
    this.sync = new CalendarSync(this, metrics);
    this.attendanceBook = new AttendanceBook(this, metrics);
  }

  /** One page of the company's agenda (see appointment-page.ts). */
  async list(em: EntityManager, scope: Scope, filter: ListFilter = {}, first = 50, after?: string | null, options: { count?: boolean } = {}): Promise<Page> {
    checkScope(scope, 'read');
    return listPage(em, scope.companyId, filter, first, after, options);
  }

  async get(em: EntityManager, scope: Scope, id: string): Promise<Appointment | null> {
    checkScope(scope, 'read');
    if (!isUuid(id)) return null;
    return em.findOne(Appointment, { id, companyId: scope.companyId });
  }

  /**
   * Free slots of a service's event type (`serviceId` null: the default service, see service-target.ts).
   * `allowInactive`: moving an existing meeting of a service deactivated since.
   */
  async availability(em: EntityManager, scope: Scope, from: Date, to: Date, serviceId: string | null = null, options: { allowInactive?: boolean } = {}): Promise<CalendarSlot[]> {
    checkScope(scope, 'read');
    if (!(from < to)) throw domainError('RANGE_ORDER');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) throw domainError('RANGE_TOO_LONG', { days: MAX_RANGE_DAYS });
    const { company } = await this.bookingTarget(em, scope.companyId, serviceId, options.allowInactive);
    const slots = await this.calendarCall(scope.companyId, () => this.calendar.slots(company, from, to));
    const now = Date.now();
    return slots.filter((slot) => slot.start.getTime() > now);
  }

  /**
   * Books through Cal.com. The host's slot is claimed first by inserting a PENDING row (the partial
   * unique index on company, host and start turns a concurrent attempt at the same host and start
   * into SLOT_TAKEN before Cal.com is called), then Cal.com is asked with our id in the metadata,
   * then the row is confirmed. If Cal.com refuses, the claim is released and nothing confirmed
   * remains. `target`: the event type and host to book (a service's); the company's default when absent.
   */
  async book(em: EntityManager, scope: Scope, input: BookInput, source: AppointmentSource, target?: BookingTarget): Promise<Appointment> {
    checkScope(scope, 'write');
    const clean = validateBooking(input);
    this.metrics.appointmentsTotal.inc({ company: scope.companyId, source: source.toLowerCase() });
    const { company, target: service } = await this.bookingTarget(em, scope.companyId, clean.serviceId);
    const booking = target ?? serviceBooking(service) ?? defaultTarget(company.cal);
    if (!company.cal.apiKey || !booking) {
      this.metrics.diagnostics.inc({ company: scope.companyId, symptom: 'calendar_not_configured' });
      throw notConfigured();
    }

    const claim = await this.claim(em, scope, clean, source, booking, service);
    return this.completeClaim(em, scope, company, claim, source, false, booking.eventTypeId);
  }

  /**
   * Finishes a claim whose Cal.com call never completed (the worker died in between): asks Cal.com
   * for a booking with our id first, creates it only if there is none, then confirms the claim.
   */
  async resumeClaim(em: EntityManager, scope: Scope, id: string, source: AppointmentSource, target?: BookingTarget): Promise<Appointment> {
    checkScope(scope, 'write');
    const claim = await em.findOne(Appointment, { id, companyId: scope.companyId, status: 'PENDING', calBookingUid: null });
    if (!claim) throw domainError('APPOINTMENT_NOT_FOUND');
    const { company, target: service } = await this.bookingTarget(em, scope.companyId, claim.serviceId, true);
    return this.completeClaim(em, scope, company, claim, source, true, (target ?? serviceBooking(service))?.eventTypeId);
  }

  /** The company's service on a Cal.com event type; null when unknown (not synced) or without services. */
  async serviceIdForEventType(em: EntityManager, companyId: string, eventTypeId: number | null | undefined): Promise<string | null> {
    if (!this.services || typeof eventTypeId !== 'number') return null;
    return this.services.serviceIdForEventType(em, companyId, eventTypeId);
  }

  /** The company's settings for a service's event type, and the service (null: the company's own event type). */
  private async bookingTarget(em: EntityManager, companyId: string, serviceId: string | null, allowInactive = false): Promise<{ company: CompanyIntegrations; target: ServiceTarget | null }> {
    const company = await this.integrations(em, companyId);
    const target = this.services ? await this.services.target(em, companyId, serviceId, { defaultEventTypeId: company.cal.eventTypeId, allowInactive }) : null;
    return { company: withServiceTarget(company, target), target };
  }

  /** Books a claimed slot in Cal.com (our id in the metadata) and confirms it, or releases the claim. */
  private async completeClaim(em: EntityManager, scope: Scope, company: CompanyIntegrations, claim: Appointment, source: AppointmentSource, reconcileFirst: boolean, eventTypeId?: number): Promise<Appointment> {
    let booking: CalendarBooking;
    try {
      booking = await this.calendar.book(company, {
        appointmentId: claim.id,
        ...(eventTypeId ? { eventTypeId } : {}),
        start: claim.startAt,
        name: claim.clientName,
        email: claim.clientEmail,
        phone: claim.clientPhone ? toE164(claim.clientPhone) : null,
        notes: claim.notes,
        reconcileFirst,
      });
    } catch (error) {
      await this.release(em, scope, claim.id, error);
      throw this.toDomainError(error, scope.companyId);
    }
    return this.confirm(em, scope, claim.id, booking, source);
  }

  async cancel(
    em: EntityManager,
    scope: Scope,
    id: string,
    reason: string | null,
    via: CancelVia,
    options: { clientConfirmation?: ClientConfirmation } = {},
  ): Promise<Appointment> {
    checkScope(scope, 'write');
    const cleanReason = reason?.trim().slice(0, 500) || null;
    const current = await this.get(em, scope, id);
    if (!current) throw domainError('APPOINTMENT_NOT_FOUND');
    if (current.status === 'CANCELLED') return current;
    if (current.calBookingUid) {
      const company = await this.integrations(em, scope.companyId);
      await this.calendarCall(scope.companyId, () => this.calendar.cancel(company, current.calBookingUid!, cleanReason));
    }
    return em.transactional(async (tx) => {
      const row = await tx.findOneOrFail(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const confirmation = options.clientConfirmation;
      if (row.status === 'CANCELLED' && (!confirmation || row.clientConfirmation === confirmation)) return row; // a webhook got here first
      const wasCancelled = row.status === 'CANCELLED';
      row.status = 'CANCELLED';
      if (!wasCancelled) row.cancellationReason = cleanReason;
      if (confirmation) row.clientConfirmation = confirmation;
      audit(tx, scope.companyId, scope.actor, 'appointment.cancelled', `appointment:${row.id}`, { reason: cleanReason, via, ...(confirmation ? { clientConfirmation: confirmation } : {}) });
      await tx.flush();
      await this.publish(tx, row, wasCancelled ? AppointmentChangeKind.UPDATED : AppointmentChangeKind.CANCELLED, scope.actor);
      if (!wasCancelled) this.metrics.appointmentsCancelled.inc({ company: scope.companyId, via });
      return row;
    });
  }

  /** The client answered a reminder with "1"/"confirmo": CONFIRMED, audited, published. */
  async confirmByClient(em: EntityManager, scope: Scope, id: string): Promise<Appointment> {
    checkScope(scope, 'write');
    return em.transactional(async (tx) => {
      const row = await tx.findOne(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row || row.status === 'CANCELLED') throw domainError('APPOINTMENT_NOT_FOUND');
      if (row.clientConfirmation === 'CONFIRMED') return row;
      const previous = row.clientConfirmation;
      row.clientConfirmation = 'CONFIRMED';
      audit(tx, scope.companyId, scope.actor, 'appointment.client_confirmed', `appointment:${row.id}`, { from: previous, start: row.startAt.toISOString() });
      await tx.flush();
      await this.publish(tx, row, AppointmentChangeKind.UPDATED, scope.actor);
      return row;
    });
  }

  /**
   * The client answered a reminder with "3"/"não vou conseguir": cancelled in Cal.com and here, with
   * `clientConfirmation = DECLINED`, in one audited, published change.
   */
  async declineByClient(em: EntityManager, scope: Scope, id: string, reason: string): Promise<Appointment> {
    return this.cancel(em, scope, id, reason, 'whatsapp', { clientConfirmation: 'DECLINED' });
  }

  /** Moves a booking to a new slot in Cal.com, keeping our appointment id. */
  async reschedule(em: EntityManager, scope: Scope, id: string, start: Date, reason: string | null): Promise<Appointment> {
    checkScope(scope, 'write');
    const current = await this.get(em, scope, id);
    if (!current || current.status === 'CANCELLED') throw domainError('APPOINTMENT_NOT_FOUND');
    if (!current.calBookingUid) throw domainError('APPOINTMENT_NOT_CONFIRMED');
    // Check our own claims on this host before moving the booking in Cal.com: afterwards the claim
    // index could only refuse our row, leaving Cal.com and us disagreeing.
    const clash = current.hostKey
      ? await em.findOne(Appointment, { companyId: scope.companyId, hostKey: current.hostKey, hostClaim: true, startAt: start, status: { $ne: 'CANCELLED' }, id: { $ne: id } })
      : null;
    if (clash) throw domainError('SLOT_TAKEN');
    const company = await this.integrations(em, scope.companyId);
    const booking = await this.calendarCall(scope.companyId, () => this.calendar.reschedule(company, current.calBookingUid!, start, reason));
    return em.transactional(async (tx) => {
      const row = await tx.findOneOrFail(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const previous = { start: row.startAt.toISOString(), uid: row.calBookingUid };
      this.applyBooking(row, booking);
      row.status = 'RESCHEDULED';
      // The new slot was our own choice: it is held like any claim of ours (even for a Cal.com-made booking).
      row.hostClaim = row.hostKey !== null;
      audit(tx, scope.companyId, scope.actor, 'appointment.rescheduled', `appointment:${row.id}`, {
        from: previous,
        to: { start: row.startAt.toISOString(), uid: row.calBookingUid },
        reason,
      });
      await this.flushClaim(tx);
      await this.publish(tx, row, AppointmentChangeKind.RESCHEDULED, scope.actor);
      return row;
    });
  }

  /**
   * Applies a calendar booking event (a Cal.com webhook or reconciliation), idempotently and in
   * any order, inside the caller's transaction (see calendar-sync.ts).
   */
  async applyCalendarEvent(tx: EntityManager, scope: Scope, event: CalendarEvent, via: 'webhook' | 'reconcile'): Promise<ApplyResult> {
    checkScope(scope, 'write');
    return this.sync.apply(tx, scope.companyId, scope.actor, event, via);
  }

  /** Marks whether the client came ("Compareceu" / "Não compareceu"), once the appointment has started. */
  async markAttendance(em: EntityManager, scope: Scope, id: string, attendance: Attendance): Promise<Appointment> {
    checkScope(scope, 'write');
    return this.attendanceBook.mark(em, scope.companyId, scope.actor, id, attendance, this.now());
  }

  /** Applies a calendar no-show event inside the caller's transaction (the webhook's). */
  async applyAttendanceEvent(tx: EntityManager, scope: Scope, event: CalendarAttendanceEvent): Promise<ApplyResult> {
    checkScope(scope, 'write');
    return this.attendanceBook.apply(tx, scope.companyId, scope.actor, event);
  }

  /** The reminders of the company's appointments `ids`, in one statement. */
  async reminders(em: EntityManager, scope: Scope, ids: readonly string[]): Promise<Map<string, ReminderView[]>> {
    checkScope(scope, 'read');
    return this.attendanceBook.reminders(em, scope.companyId, ids);
  }

  /** Appointments, client answers and no-shows per week of the company's zone, the current week last. */
  async attendanceSummary(em: EntityManager, scope: Scope, weeks: number): Promise<AttendanceWeekView[]> {
    checkScope(scope, 'read');
    const company = await this.integrations(em, scope.companyId);
    return this.attendanceBook.summary(em, scope.companyId, company.timezone, weeks, this.now());
  }

  /** Our own claims without a calendar uid created before `before` (their Cal.com answer was lost). */
  async staleClaims(em: EntityManager, scope: Scope, before: Date): Promise<Appointment[]> {
    checkScope(scope, 'read');
    return em.find(Appointment, { companyId: scope.companyId, status: 'PENDING', calBookingUid: null, createdAt: { $lt: before } });
  }

  /** Removes a claim the calendar has no booking for; false when it is no longer an open claim. */
  async releaseClaim(em: EntityManager, scope: Scope, id: string, reason: string): Promise<boolean> {
    checkScope(scope, 'write');
    return em.transactional(async (tx) => {
      const row = await tx.findOne(Appointment, { id, companyId: scope.companyId, status: 'PENDING', calBookingUid: null });
      if (!row) return false;
      tx.remove(row);
      audit(tx, scope.companyId, scope.actor, 'appointment.claim_released', `appointment:${row.id}`, { reason });
      return true;
    });
  }

  /** A contact's live upcoming meetings: booked by that contact, or by anyone with one of `phones`. */
  async upcomingForContact(em: EntityManager, scope: Scope, contact: { id: string; phones: string[] }, now: Date, limit: number): Promise<Appointment[]> {
    checkScope(scope, 'read');
    return em.find(
      Appointment,
      {
        companyId: scope.companyId,
        status: { $ne: 'CANCELLED' },
        startAt: { $gt: now },
        $or: [{ contactId: contact.id }, { clientPhone: { $in: contact.phones } }],
      },
      { orderBy: { startAt: 'asc', id: 'asc' }, limit },
    );
  }

  /** The live, still upcoming appointments among `ids`, in start order. */
  async liveUpcoming(em: EntityManager, scope: Scope, ids: string[], now: Date): Promise<Appointment[]> {
    checkScope(scope, 'read');
    if (ids.length === 0) return [];
    return em.find(
      Appointment,
      { companyId: scope.companyId, id: { $in: ids.filter(isUuid) }, status: { $ne: 'CANCELLED' }, startAt: { $gt: now } },
      { orderBy: { startAt: 'asc', id: 'asc' } },
    );
  }

  /** The contact's own live appointment (claims included) starting exactly at `start`. */
  async contactAppointmentAt(em: EntityManager, scope: Scope, contactId: string, start: Date): Promise<Appointment | null> {
    checkScope(scope, 'read');
    return em.findOne(Appointment, {
      companyId: scope.companyId,
      contactId,
      startAt: start,
      status: { $in: ['PENDING', 'CONFIRMED', 'RESCHEDULED'] },
    });
  }

  /**
   * Start times in [from, to) already held for the host of `serviceId` (the company's default event
   * type when null): live appointments with the host key a booking of it would claim (`hostKeyOf`),
   * so a start taken for one professional is still free for another. Rows without a known host
   * count for every host (conservative); without any host key, every live appointment counts.
   */
  async liveStarts(em: EntityManager, scope: Scope, from: Date, to: Date, serviceId: string | null = null, options: { allowInactive?: boolean } = {}): Promise<Date[]> {
    checkScope(scope, 'read');
    const { company, target: service } = await this.bookingTarget(em, scope.companyId, serviceId, options.allowInactive);
    const booking = serviceBooking(service) ?? defaultTarget(company.cal);
    const hostKey = booking ? hostKeyOf(booking) : null;
    const rows = await em.find(
      Appointment,
      {
        companyId: scope.companyId,
        status: { $ne: 'CANCELLED' },
        startAt: { $gte: from, $lt: to },
        ...(hostKey ? { $or: [{ hostKey }, { hostKey: null }] } : {}),
      },
      { fields: ['startAt'] },
    );
    return rows.map((r) => r.startAt);
  }

  /** Registers an observer of every change (composition root only). */
  observe(observer: AppointmentObserver): void {
    this.observers.push(observer);
  }

  /**
   * Announces a change of `appointment` with its `overlaps`, and re-announces the appointments of the
   * same host it overlaps (their `overlaps` changes with it: a booking on top of them, a cancellation).
   */
  async publish(em: EntityManager, appointment: Appointment, kind: AppointmentChangeKind, actor?: Actor): Promise<void> {
    for (const observer of this.observers) await observer.appointmentChanged(em, appointment, actor);
    const partners = await this.overlapPartners(em, appointment);
    await this.notifyView(em, appointment.companyId, mapAppointment(appointment, partners.length > 0), kind);
    if (partners.length === 0) return;
    if (appointment.status !== 'CANCELLED' && (kind === AppointmentChangeKind.CREATED || kind === AppointmentChangeKind.RESCHEDULED)) {
      this.metrics.diagnostics.inc({ company: appointment.companyId, symptom: 'booking_overlap' });
    }
    const rows = await em.find(Appointment, { companyId: appointment.companyId, id: { $in: partners } });
    const overlapping = await this.overlapping(em, appointment.companyId, partners);
    for (const row of rows) {
      await this.notifyView(em, row.companyId, mapAppointment(row, overlapping.has(row.id)), AppointmentChangeKind.UPDATED);
    }
  }

  /** The API shape of one appointment, `overlaps` included. */
  async view(em: EntityManager, scope: Scope, row: Appointment): Promise<AppointmentView> {
    checkScope(scope, 'read');
    if (row.companyId !== scope.companyId) throw domainError('APPOINTMENT_NOT_FOUND');
    return mapAppointment(row, (await this.overlapping(em, row.companyId, [row.id])).has(row.id));
  }

  /**
   * Live appointments in [from, to) that overlap another live one of the same host, in start order
   * (at most `limit`), and how many there are: Diagnóstico's "horário sobreposto". The range is
   * bounded so the check reads a window of the agenda, not its whole future.
   */
  async overlapReport(em: EntityManager, scope: Scope, from: Date, to: Date, limit: number): Promise<{ total: number; appointments: AppointmentView[] }> {
    checkScope(scope, 'read');
    if (!(from < to)) throw domainError('RANGE_ORDER');
    if (to.getTime() - from.getTime() > MAX_OVERLAP_RANGE_DAYS * 86_400_000) throw domainError('RANGE_TOO_LONG', { days: MAX_OVERLAP_RANGE_DAYS });
    const rows = await em.getConnection().execute<Array<Record<string, unknown> & { total: string }>>(
      `select a.*, count(*) over () as total from appointments a
        where a.company_id = ? and a.start_at > ?::timestamptz - interval '${OVERLAP_LOOKBACK_HOURS} hours' and a.start_at < ? and a.end_at > ?
          and a.status <> 'CANCELLED' and a.host_key is not null and ${overlapsSql('a')}
        order by a.start_at, a.id limit ?`,
      [scope.companyId, from, to, from, Math.max(0, Math.min(limit, MAX_PAGE))],
      'all',
      em.getTransactionContext(),
    );
    const total = Number(rows[0]?.total ?? 0);
    return { total, appointments: rows.map(({ total: _total, ...r }) => mapAppointment(em.map(Appointment, r), true)) };
  }

  /** Which of `ids` overlap another live appointment of their host (one statement). */
  private async overlapping(em: EntityManager, companyId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await em.getConnection().execute<Array<{ id: string }>>(
      `select a.id from appointments a where a.company_id = ? and a.id in (${ids.map(() => '?').join(', ')}) and ${overlapsSql('a')}`,
      [companyId, ...ids],
      'all',
      em.getTransactionContext(),
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Live appointments of the same host whose time overlaps `row`'s (whatever `row`'s own status). */
  private async overlapPartners(em: EntityManager, row: Appointment): Promise<string[]> {
    if (!row.hostKey) return [];
    const rows = await em.getConnection().execute<Array<{ id: string }>>(
      `select id from appointments
        where company_id = ? and host_key = ? and status <> 'CANCELLED' and id <> ?
          and start_at > ?::timestamptz - interval '${OVERLAP_LOOKBACK_HOURS} hours' and start_at < ? and end_at > ?`,
      [row.companyId, row.hostKey, row.id, row.startAt, row.endAt, row.startAt],
      'all',
      em.getTransactionContext(),
    );
    return rows.map((r) => r.id);
  }

  /** Announces a change (delivered when the caller's transaction commits). */
  async notifyView(em: EntityManager, companyId: string, view: AppointmentView, kind: AppointmentChangeKind): Promise<void> {
    await this.events.notify(em, { topic: APPOINTMENT_TOPIC, companyId, payload: { kind, appointment: view } }, { kind, id: view.id });
  }

  /** Loads a change that was too large for NOTIFY (see PgEventBus.registerReload). */
  async reloadChange(em: EntityManager, companyId: string, ref: { kind: AppointmentChangeKind; id: string }) {
    const row = await em.findOne(Appointment, { id: ref.id, companyId });
    return row ? { kind: ref.kind, appointment: mapAppointment(row, (await this.overlapping(em, companyId, [row.id])).has(row.id)) } : null;
  }

  async integrations(em: EntityManager, companyId: string): Promise<CompanyIntegrations> {
    const company = await this.companies.integrations(em, companyId);
    if (!company) throw domainError('COMPANY_NOT_FOUND');
    return company;
  }

  applyBooking(row: Appointment, booking: CalendarBooking): void {
    row.calBookingUid = booking.uid;
    row.calBookingId = booking.id;
    row.startAt = booking.start;
    row.endAt = booking.end;
    if (booking.meetingUrl) row.meetingUrl = booking.meetingUrl;
    if (booking.title) row.title = booking.title;
    if (booking.host?.name) row.hostName = booking.host.name;
  }

  private async claim(em: EntityManager, scope: Scope, input: ValidBooking, source: AppointmentSource, target: BookingTarget, service: ServiceTarget | null): Promise<Appointment> {
    const hostKey = hostKeyOf(target);
    try {
      return await em.transactional(async (tx) => {
        if (hostKey) await lockHostSlot(tx, scope.companyId, hostKey, input.start);
        const row = tx.create(Appointment, {
          companyId: scope.companyId,
          status: 'PENDING',
          title: `Reunião com ${input.clientName}`,
          startAt: input.start,
          // Cal.com returns the real end; until then the service's length (30 minutes without one).
          endAt: new Date(input.start.getTime() + (service?.durationMinutes ?? 30) * 60_000),
          clientName: input.clientName,
          clientPhone: input.clientPhone,
          clientEmail: input.clientEmail,
          notes: input.notes,
          source,
          contactId: input.contactId ?? null,
          serviceId: service?.id ?? null,
          searchText: appointmentSearchText(input.clientName, input.clientPhone, input.clientEmail),
          hostKey,
          hostName: target.hostName ?? null,
          hostClaim: true,
          createdAt: new Date(),
          updatedAt: new Date(),
        });
        audit(tx, scope.companyId, scope.actor, 'appointment.requested', `appointment:${row.id}`, {
          start: input.start.toISOString(),
          source,
          host: row.hostKey,
          ...(service ? { serviceId: service.id, eventTypeId: service.calEventTypeId } : {}),
        });
        await tx.flush();
        return row;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw domainError('SLOT_TAKEN');
      }
      throw error;
    }
  }

  private async release(em: EntityManager, scope: Scope, id: string, cause: unknown): Promise<void> {
    await em.transactional(async (tx) => {
      const row = await tx.findOne(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // A webhook may already have confirmed it (Cal.com accepted after all): keep that.
      if (!row || row.status !== 'PENDING' || row.calBookingUid) return;
      tx.remove(row);
      audit(tx, scope.companyId, scope.actor, 'appointment.booking_failed', `appointment:${id}`, {
        reason: cause instanceof Error ? cause.message : String(cause),
        kind: cause instanceof CalendarError ? cause.kind : 'error',
      });
      await tx.flush();
    });
  }

  private async confirm(em: EntityManager, scope: Scope, id: string, booking: CalendarBooking, source: AppointmentSource): Promise<Appointment> {
    const row = await em.transactional(async (tx) => {
      const current = await tx.findOne(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!current) return null;
      const firstConfirmation = !current.calBookingUid;
      this.applyBooking(current, booking);
      if (current.status === 'PENDING') current.status = booking.status === 'pending' ? 'PENDING' : 'CONFIRMED';
      audit(tx, scope.companyId, scope.actor, 'appointment.booked', `appointment:${current.id}`, {
        uid: booking.uid,
        start: booking.start.toISOString(),
        meetingUrl: booking.meetingUrl,
        source,
      });
      await this.flushClaim(tx);
      if (firstConfirmation) await this.publish(tx, current, AppointmentChangeKind.CREATED, scope.actor);
      return current;
    });
    if (!row) {
      // Reconciliation released our claim meanwhile (no booking found for it in time); do not leave
      // our late duplicate behind in Cal.com.
      const company = await this.integrations(em, scope.companyId);
      await this.calendar.cancel(company, booking.uid, 'Horário ocupado por outra reserva').catch(() => {});
      throw domainError('SLOT_TAKEN');
    }
    if (row.status === 'CONFIRMED') this.metrics.appointmentsConfirmed.inc({ company: scope.companyId, source: source.toLowerCase() });
    if (!row.meetingUrl) this.metrics.diagnostics.inc({ company: scope.companyId, symptom: 'meeting_link_missing' });
    return row;
  }

  private async flushClaim(tx: EntityManager): Promise<void> {
    try {
      await tx.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw domainError('SLOT_OCCUPIED');
      }
      throw error;
    }
  }

  private async calendarCall<T>(companyId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.toDomainError(error, companyId);
    }
  }

  private toDomainError(error: unknown, companyId: string): unknown {
    return calendarDomainError(error, companyId, this.metrics);
  }
}

/** The booking target of a service: its event type, and its host when one Cal.com user runs it. */
function serviceBooking(service: ServiceTarget | null): BookingTarget | null {
  return service ? { eventTypeId: service.calEventTypeId, hostUserId: service.hostUserId, hostName: service.hostName } : null;
}
