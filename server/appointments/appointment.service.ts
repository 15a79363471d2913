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
import { Appointment, type AppointmentSource, type Attendance } from './appointment.entity.js';
import { AttendanceBook } from './attendance.js';
import { appointmentSearchText, validateBooking, type BookInput, type ValidBooking } from './appointment-input.js';
import { listPage, type ListFilter, type Page } from './appointment-page.js';
import { calendarDomainError, notConfigured } from './calendar-errors.js';
import { CalendarSync, type ApplyResult } from './calendar-sync.js';

export { appointmentSearchText, decodeCursor, encodeCursor, validateBooking, type BookInput } from './appointment-input.js';
export { MAX_PAGE, type ListFilter, type Page } from './appointment-page.js';
import { AppointmentChangeKind, mapAppointment, type AppointmentView, type AttendanceWeekView, type ReminderView } from './appointment.types.js';

export const APPOINTMENT_TOPIC = 'APPOINTMENT_CHANGED';
const MAX_RANGE_DAYS = 62;

/** Who acts and for which company. A `Tenant` is one; the WhatsApp worker builds one per contact. */
export interface Scope {
  companyId: string;
  actor: Actor;
  /** False for read-only API keys (a Tenant); absent for internal callers. */
  canWrite?: boolean;
}

export type CancelVia = 'api' | 'webhook' | 'whatsapp' | 'admin';

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
  private readonly attendanceBook: AttendanceBook;

  constructor(
    private readonly companies: CompanyService,
    private readonly calendar: CalendarGateway,
    private readonly events: PgEventBus,
    private readonly metrics: Metrics,
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

  async availability(em: EntityManager, scope: Scope, from: Date, to: Date): Promise<CalendarSlot[]> {
    checkScope(scope, 'read');
    if (!(from < to)) throw domainError('RANGE_ORDER');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) throw domainError('RANGE_TOO_LONG', { days: MAX_RANGE_DAYS });
    const company = await this.integrations(em, scope.companyId);
    const slots = await this.calendarCall(scope.companyId, () => this.calendar.slots(company, from, to));
    const now = Date.now();
    return slots.filter((slot) => slot.start.getTime() > now);
  }

  /**
   * Books through Cal.com. The slot is claimed first by inserting a PENDING row (the partial unique
   * index turns a concurrent booking of the same slot into CONFLICT before Cal.com is called), then
   * Cal.com is asked with our id in the metadata, then the row is confirmed. If Cal.com refuses,
   * the claim is released and nothing confirmed remains.
   */
  async book(em: EntityManager, scope: Scope, input: BookInput, source: AppointmentSource): Promise<Appointment> {
    checkScope(scope, 'write');
    const clean = validateBooking(input);
    this.metrics.appointmentsTotal.inc({ company: scope.companyId, source: source.toLowerCase() });
    const company = await this.integrations(em, scope.companyId);
    if (!company.cal.apiKey || !company.cal.eventTypeId) {
      this.metrics.diagnostics.inc({ company: scope.companyId, symptom: 'calendar_not_configured' });
      throw notConfigured();
    }

    const claim = await this.claim(em, scope, clean, source);
    return this.completeClaim(em, scope, company, claim, source, false);
  }

  /**
   * Finishes a claim whose Cal.com call never completed (the worker died in between): asks Cal.com
   * for a booking with our id first, creates it only if there is none, then confirms the claim.
   */
  async resumeClaim(em: EntityManager, scope: Scope, id: string, source: AppointmentSource): Promise<Appointment> {
    checkScope(scope, 'write');
    const claim = await em.findOne(Appointment, { id, companyId: scope.companyId, status: 'PENDING', calBookingUid: null });
    if (!claim) throw domainError('APPOINTMENT_NOT_FOUND');
    return this.completeClaim(em, scope, await this.integrations(em, scope.companyId), claim, source, true);
  }

  /** Books a claimed slot in Cal.com (our id in the metadata) and confirms it, or releases the claim. */
  private async completeClaim(em: EntityManager, scope: Scope, company: CompanyIntegrations, claim: Appointment, source: AppointmentSource, reconcileFirst: boolean): Promise<Appointment> {
    let booking: CalendarBooking;
    try {
      booking = await this.calendar.book(company, {
        appointmentId: claim.id,
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

  async cancel(em: EntityManager, scope: Scope, id: string, reason: string | null, via: CancelVia): Promise<Appointment> {
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
      if (row.status === 'CANCELLED') return row; // a webhook got here first
      row.status = 'CANCELLED';
      row.cancellationReason = cleanReason;
      audit(tx, scope.companyId, scope.actor, 'appointment.cancelled', `appointment:${row.id}`, { reason: cleanReason, via });
      await tx.flush();
      await this.publish(tx, row, AppointmentChangeKind.CANCELLED);
      this.metrics.appointmentsCancelled.inc({ company: scope.companyId, via });
      return row;
    });
  }

  /** Moves a booking to a new slot in Cal.com, keeping our appointment id. */
  async reschedule(em: EntityManager, scope: Scope, id: string, start: Date, reason: string | null): Promise<Appointment> {
    checkScope(scope, 'write');
    const current = await this.get(em, scope, id);
    if (!current || current.status === 'CANCELLED') throw domainError('APPOINTMENT_NOT_FOUND');
    if (!current.calBookingUid) throw domainError('APPOINTMENT_NOT_CONFIRMED');
    // Check our own agenda before moving the booking in Cal.com: afterwards the slot index could only
    // refuse our row, leaving Cal.com and us disagreeing.
    const clash = await em.findOne(Appointment, { companyId: scope.companyId, startAt: start, status: { $ne: 'CANCELLED' }, id: { $ne: id } });
    if (clash) throw domainError('SLOT_TAKEN');
    const company = await this.integrations(em, scope.companyId);
    const booking = await this.calendarCall(scope.companyId, () => this.calendar.reschedule(company, current.calBookingUid!, start, reason));
    return em.transactional(async (tx) => {
      const row = await tx.findOneOrFail(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const previous = { start: row.startAt.toISOString(), uid: row.calBookingUid };
      this.applyBooking(row, booking);
      row.status = 'RESCHEDULED';
      audit(tx, scope.companyId, scope.actor, 'appointment.rescheduled', `appointment:${row.id}`, {
        from: previous,
        to: { start: row.startAt.toISOString(), uid: row.calBookingUid },
        reason,
      });
      await this.flushClaim(tx);
      await this.publish(tx, row, AppointmentChangeKind.RESCHEDULED);
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

  /** Start times of the company's live appointments in [from, to). */
  async liveStarts(em: EntityManager, scope: Scope, from: Date, to: Date): Promise<Date[]> {
    checkScope(scope, 'read');
    const rows = await em.find(
      Appointment,
      { companyId: scope.companyId, status: { $ne: 'CANCELLED' }, startAt: { $gte: from, $lt: to } },
      { fields: ['startAt'] },
    );
    return rows.map((r) => r.startAt);
  }

  async publish(em: EntityManager, appointment: Appointment, kind: AppointmentChangeKind): Promise<void> {
    await this.notifyView(em, appointment.companyId, mapAppointment(appointment), kind);
  }

  /** Announces a change (delivered when the caller's transaction commits). */
  async notifyView(em: EntityManager, companyId: string, view: AppointmentView, kind: AppointmentChangeKind): Promise<void> {
    await this.events.notify(em, { topic: APPOINTMENT_TOPIC, companyId, payload: { kind, appointment: view } }, { kind, id: view.id });
  }

  /** Loads a change that was too large for NOTIFY (see PgEventBus.registerReload). */
  async reloadChange(em: EntityManager, companyId: string, ref: { kind: AppointmentChangeKind; id: string }) {
    const row = await em.findOne(Appointment, { id: ref.id, companyId });
    return row ? { kind: ref.kind, appointment: mapAppointment(row) } : null;
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
  }

  private async claim(em: EntityManager, scope: Scope, input: ValidBooking, source: AppointmentSource): Promise<Appointment> {
    try {
      return await em.transactional(async (tx) => {
        const row = tx.create(Appointment, {
          companyId: scope.companyId,
          status: 'PENDING',
          title: `Reunião com ${input.clientName}`,
          startAt: input.start,
          // Cal.com returns the real end; until then assume a 30-minute event.
          endAt: new Date(input.start.getTime() + 30 * 60_000),
          clientName: input.clientName,
          clientPhone: input.clientPhone,
          clientEmail: input.clientEmail,
          notes: input.notes,
          source,
          contactId: input.contactId ?? null,
          searchText: appointmentSearchText(input.clientName, input.clientPhone, input.clientEmail),
          createdAt: new Date(),
          updatedAt: new Date(),
        });
        audit(tx, scope.companyId, scope.actor, 'appointment.requested', `appointment:${row.id}`, {
          start: input.start.toISOString(),
          source,
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
      if (firstConfirmation) await this.publish(tx, current, AppointmentChangeKind.CREATED);
      return current;
    });
    if (!row) {
      // A Cal.com booking made elsewhere for this slot superseded our claim meanwhile (see
      // CalendarSync.slotTaken); do not leave our late duplicate behind in Cal.com.
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


