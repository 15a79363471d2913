/*
 * The single owner of `appointments` (issue 15): every write and every read other rooms use is one of
 * its public methods, each checking its Scope first. Over 300 lines on purpose, as that one facade; the
 * work lives beside it by role: booking-claim.ts (claim, Cal.com booking, confirm or release),
 * booking-changes.ts (cancel, client confirmation, reschedule), overlaps.ts, calendar-sync.ts,
 * attendance.ts, appointment-input.ts, appointment-page.ts, calendar-errors.ts.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../audit/audit.service.js';
import type { CalendarAttendanceEvent, CalendarBooking, CalendarEvent, CalendarGateway, CalendarSlot } from '../calcom/calendar.gateway.js';
import type { CompanyIntegrations, CompanyService } from '../companies/company.service.js';
import { isUuid } from '../shared/ids.js';
import { domainError } from '../platform/errors.js';
import type { Metrics } from '../platform/metrics.js';
import type { PgEventBus } from '../platform/pubsub.js';
import { Appointment, type AppointmentSource, type Attendance, type ClientConfirmation } from './appointment.entity.js';
import { AttendanceBook } from './attendance.js';
import { checkScope, type AppointmentObserver, type Scope } from './scope.js';
import { validateBooking, type BookInput } from './appointment-input.js';
import { listPage, type ListFilter, type Page } from './appointment-page.js';
import { BookingChanges, type CancelVia } from './booking-changes.js';
import { BookingClaims } from './booking-claim.js';
import { calendarCall, notConfigured } from './calendar-errors.js';
import { CalendarSync, type ApplyResult } from './calendar-sync.js';
import { hostKeyOf } from './host-key.js';
import { announceWithOverlaps, overlapping, overlapReport } from './overlaps.js';
import type { ServiceDirectory } from './service-target.js';
import { AppointmentChangeKind, mapAppointment, type AppointmentView, type AttendanceWeekView, type ReminderView } from './appointment.types.js';

export { appointmentSearchText, decodeCursor, encodeCursor, validateBooking, type BookInput } from './appointment-input.js';
export { MAX_PAGE, type ListFilter, type Page } from './appointment-page.js';
export { DEFAULT_OVERLAP_RANGE_DAYS, MAX_OVERLAP_RANGE_DAYS } from './overlaps.js';

export const APPOINTMENT_TOPIC = 'APPOINTMENT_CHANGED';
const MAX_RANGE_DAYS = 62;

export type { CancelVia } from './booking-changes.js';
export type { AppointmentObserver, Scope } from './scope.js';

/**
 * The only owner of `appointments`: every write (book, cancel, reschedule, a calendar event, a
 * released claim) and every read other rooms make go through here.
 */
export class AppointmentService {
  private readonly sync: CalendarSync;
  private readonly observers: AppointmentObserver[] = [];
  private readonly attendanceBook: AttendanceBook;
  private readonly claims: BookingClaims;
  private readonly changes: BookingChanges;

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
    this.claims = new BookingClaims(this, calendar, metrics, services);
    this.changes = new BookingChanges(this, calendar, metrics);
  }

  /** One page of the company's agenda (see appointment-page.ts). */
  async list(em: EntityManager, scope: Scope, filter: ListFilter = {}, first = 50, after?: string | null, options: { count?: boolean; overlaps?: boolean } = {}): Promise<Page> {
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
    return (await this.hostAvailability(em, scope, from, to, serviceId, options)).slots;
  }

  /**
   * `availability` with the host key its slots are for (what a booking of the service would claim,
   * null without a booking target), so the caller can ask `liveStarts` for that host without the
   * service being resolved a second time.
   */
  async hostAvailability(em: EntityManager, scope: Scope, from: Date, to: Date, serviceId: string | null = null, options: { allowInactive?: boolean } = {}): Promise<{ slots: CalendarSlot[]; hostKey: string | null }> {
    checkScope(scope, 'read');
    if (!(from < to)) throw domainError('RANGE_ORDER');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) throw domainError('RANGE_TOO_LONG', { days: MAX_RANGE_DAYS });
    const { company, booking } = await this.claims.target(em, scope.companyId, serviceId, options.allowInactive);
    const slots = await calendarCall(scope.companyId, this.metrics, () => this.calendar.slots(company, from, to));
    const now = Date.now();
    return { slots: slots.filter((slot) => slot.start.getTime() > now), hostKey: booking ? hostKeyOf(booking) : null };
  }

  /**
   * Books through Cal.com. The host's slot is claimed first by inserting a PENDING row (the partial
   * unique index on company, host and start turns a concurrent attempt at the same host and start
   * into SLOT_TAKEN before Cal.com is called), then Cal.com is asked with our id in the metadata,
   * then the row is confirmed. If Cal.com refuses, the claim is released and nothing confirmed
   * remains. The service (`input.serviceId`, else the default one) names the event type and host.
   */
  async book(em: EntityManager, scope: Scope, input: BookInput, source: AppointmentSource): Promise<Appointment> {
    checkScope(scope, 'write');
    const clean = validateBooking(input);
    this.metrics.appointmentsTotal.inc({ company: scope.companyId, source: source.toLowerCase() });
    const { company, target: service, booking } = await this.claims.target(em, scope.companyId, clean.serviceId);
    if (!company.cal.apiKey || !booking) {
      this.metrics.diagnostics.inc({ company: scope.companyId, symptom: 'calendar_not_configured' });
      throw notConfigured();
    }

    const claim = await this.claims.claim(em, scope, clean, source, booking, service);
    return this.claims.complete(em, scope, company, claim, source, false);
  }

  /**
   * Finishes a claim whose Cal.com call never completed (the worker died in between): asks Cal.com
   * for a booking with our id first, creates it only if there is none, then confirms the claim.
   */
  async resumeClaim(em: EntityManager, scope: Scope, id: string, source: AppointmentSource): Promise<Appointment> {
    checkScope(scope, 'write');
    const claim = await em.findOne(Appointment, { id, companyId: scope.companyId, status: 'PENDING', calBookingUid: null });
    if (!claim) throw domainError('APPOINTMENT_NOT_FOUND');
    const { company } = await this.claims.target(em, scope.companyId, claim.serviceId, true);
    return this.claims.complete(em, scope, company, claim, source, true);
  }

  /** The host key and service of a booking Cal.com reported (see BookingClaims.reported). */
  async reportedBooking(em: EntityManager, companyId: string, event: CalendarEvent): Promise<{ hostKey: string | null; serviceId: string | null }> {
    return this.claims.reported(em, companyId, event);
  }

  async reportedHost(em: EntityManager, companyId: string, event: CalendarEvent): Promise<string | null> {
    return this.claims.reportedHost(em, companyId, event);
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
    return this.changes.cancel(em, scope, id, reason, via, options);
  }

  /** The client answered a reminder with "1"/"confirmo": CONFIRMED, audited, published. */
  async confirmByClient(em: EntityManager, scope: Scope, id: string): Promise<Appointment> {
    checkScope(scope, 'write');
    return this.changes.confirmByClient(em, scope, id);
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
    return this.changes.reschedule(em, scope, id, start, reason);
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
    return this.claims.releaseOpen(em, scope, id, reason);
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
   * `{ hostKey }` instead of a service: the key `hostAvailability` already resolved for the same offer.
   */
  async liveStarts(em: EntityManager, scope: Scope, from: Date, to: Date, service: string | null | { hostKey: string | null } = null, options: { allowInactive?: boolean } = {}): Promise<Date[]> {
    checkScope(scope, 'read');
    const hostKey = service !== null && typeof service === 'object' ? service.hostKey : await this.hostKeyFor(em, scope.companyId, service, options.allowInactive);
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

  private async hostKeyFor(em: EntityManager, companyId: string, serviceId: string | null, allowInactive?: boolean): Promise<string | null> {
    const { booking } = await this.claims.target(em, companyId, serviceId, allowInactive);
    return booking ? hostKeyOf(booking) : null;
  }

  /** Registers an observer of every change (composition root only). */
  observe(observer: AppointmentObserver): void {
    this.observers.push(observer);
  }

  /** Tells the observers, then announces the change and re-announces its overlap partners (overlaps.ts). */
  async publish(em: EntityManager, appointment: Appointment, kind: AppointmentChangeKind, actor?: Actor): Promise<void> {
    for (const observer of this.observers) await observer.appointmentChanged(em, appointment, actor);
    await announceWithOverlaps(em, appointment, kind, this, this.metrics);
  }

  /** The API shape of one appointment, `overlaps` included. */
  async view(em: EntityManager, scope: Scope, row: Appointment): Promise<AppointmentView> {
    checkScope(scope, 'read');
    if (row.companyId !== scope.companyId) throw domainError('APPOINTMENT_NOT_FOUND');
    return this.viewOf(em, row);
  }

  /** Diagnóstico's "horário sobreposto": overlapping live appointments in [from, to) (see overlaps.ts). */
  async overlapReport(em: EntityManager, scope: Scope, from: Date, to: Date, limit: number): Promise<{ total: number; appointments: AppointmentView[] }> {
    checkScope(scope, 'read');
    return overlapReport(em, scope.companyId, from, to, limit);
  }

  /** Announces a change (delivered when the caller's transaction commits). */
  async notifyView(em: EntityManager, companyId: string, view: AppointmentView, kind: AppointmentChangeKind): Promise<void> {
    await this.events.notify(em, { topic: APPOINTMENT_TOPIC, companyId, payload: { kind, appointment: view } }, { kind, id: view.id });
  }

  /** Loads a change that was too large for NOTIFY (see PgEventBus.registerReload). */
  async reloadChange(em: EntityManager, companyId: string, ref: { kind: AppointmentChangeKind; id: string }) {
    const row = await em.findOne(Appointment, { id: ref.id, companyId });
    return row ? { kind: ref.kind, appointment: await this.viewOf(em, row) } : null;
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

  /** The API shape of one row, `overlaps` read from the database. */
  private async viewOf(em: EntityManager, row: Appointment): Promise<AppointmentView> {
    return mapAppointment(row, (await overlapping(em, row.companyId, [row.id])).has(row.id));
  }
}
