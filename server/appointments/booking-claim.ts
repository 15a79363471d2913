// The booking claim: a PENDING row holds the host's slot, Cal.com books it, then it is confirmed or released.
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { audit, type Actor } from '../audit/audit.service.js';
import { CalendarError, type CalendarBooking, type CalendarGateway } from '../calcom/calendar.gateway.js';
import type { CompanyIntegrations } from '../companies/company.service.js';
import { domainError } from '../platform/errors.js';
import type { Metrics } from '../platform/metrics.js';
import { toE164 } from '../shared/phone.js';
import { Appointment, type AppointmentSource } from './appointment.entity.js';
import { appointmentSearchText, type ValidBooking } from './appointment-input.js';
import { AppointmentChangeKind } from './appointment.types.js';
import { calendarDomainError } from './calendar-errors.js';
import { lockHostSlot } from './calendar-sync.js';
import { defaultTarget, hostKeyOf, reportedHostKey, type BookingTarget } from './host-key.js';
import { withServiceTarget, type ServiceDirectory, type ServiceTarget } from './service-target.js';

/** Who claims, already checked by AppointmentService (its Scope). */
interface ClaimScope {
  companyId: string;
  actor: Actor;
}

/** What the claim needs of AppointmentService (passed in to avoid a cycle). */
export interface ClaimOwner {
  integrations(em: EntityManager, companyId: string): Promise<CompanyIntegrations>;
  applyBooking(row: Appointment, booking: CalendarBooking): void;
  publish(em: EntityManager, appointment: Appointment, kind: AppointmentChangeKind, actor?: Actor): Promise<void>;
}

/** Internal to the appointments room: AppointmentService's book and resumeClaim delegate here. */
export class BookingClaims {
  constructor(
    private readonly owner: ClaimOwner,
    private readonly calendar: CalendarGateway,
    private readonly metrics: Metrics,
    private readonly services?: ServiceDirectory,
  ) {}

  /**
   * The company's settings for a service's event type, the service (null: the company's own event
   * type), and what a booking of it targets: the one place our own attempts get their host (`hostKeyOf`).
   */
  async target(em: EntityManager, companyId: string, serviceId: string | null, allowInactive = false): Promise<{ company: CompanyIntegrations; target: ServiceTarget | null; booking: BookingTarget | null }> {
    const company = await this.owner.integrations(em, companyId);
    const target = this.services ? await this.services.target(em, companyId, serviceId, { defaultEventTypeId: company.cal.eventTypeId, allowInactive }) : null;
    return { company: withServiceTarget(company, target), target, booking: serviceBooking(target) ?? defaultTarget(company.cal) };
  }

  /**
   * The host key and service of a booking Cal.com reported (`reportedHostKey`). The default event
   * type's host is the company's `calDefaultUserId`, else the one host of its service (the key our
   * own bookings of it claim), read through the services port once per event. `serviceId: false`:
   * only the host key (a row that only learns its host), so a service is read only when it names
   * the default host.
   */
  async reported(
    em: EntityManager,
    companyId: string,
    event: { eventTypeId: number | null; host: { userId: number | null } | null },
    options: { serviceId?: boolean } = {},
  ): Promise<{ hostKey: string | null; serviceId: string | null }> {
    const withService = options.serviceId !== false;
    const { cal } = await this.owner.integrations(em, companyId);
    const ofDefault = cal.eventTypeId != null && (event.eventTypeId == null || event.eventTypeId === cal.eventTypeId);
    if (!ofDefault) {
      const serviceId = withService && this.services && event.eventTypeId != null ? await this.services.serviceIdForEventType(em, companyId, event.eventTypeId) : null;
      return { hostKey: reportedHostKey(cal, event), serviceId };
    }
    const configured = cal.defaultUserId?.trim() || null;
    const service = this.services && (withService || !configured) ? await this.services.target(em, companyId, null, { defaultEventTypeId: cal.eventTypeId }) : null;
    const defaultUserId = configured || (service?.hostUserId != null ? String(service.hostUserId) : null);
    return {
      hostKey: reportedHostKey({ eventTypeId: cal.eventTypeId, defaultUserId }, event),
      serviceId: withService && event.eventTypeId != null ? (service?.id ?? null) : null,
    };
  }

  async reportedHost(em: EntityManager, companyId: string, event: { eventTypeId: number | null; host: { userId: number | null } | null }): Promise<string | null> {
    return (await this.reported(em, companyId, event, { serviceId: false })).hostKey;
  }

  /**
   * Books a claimed slot in Cal.com (our id in the metadata) and confirms it, or releases the claim.
   * `company`: from `target`, so it carries the service's event type.
   */
  async complete(em: EntityManager, scope: ClaimScope, company: CompanyIntegrations, claim: Appointment, source: AppointmentSource, reconcileFirst: boolean): Promise<Appointment> {
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
      throw calendarDomainError(error, scope.companyId, this.metrics);
    }
    return this.confirm(em, scope, claim.id, booking, source);
  }

  /** Removes a claim the calendar has no booking for; false when it is no longer an open claim. */
  async releaseOpen(em: EntityManager, scope: ClaimScope, id: string, reason: string): Promise<boolean> {
    return em.transactional(async (tx) => {
      const row = await tx.findOne(Appointment, { id, companyId: scope.companyId, status: 'PENDING', calBookingUid: null });
      if (!row) return false;
      tx.remove(row);
      audit(tx, scope.companyId, scope.actor, 'appointment.claim_released', `appointment:${row.id}`, { reason });
      return true;
    });
  }

  /** Inserts the PENDING claim on the host's slot; a concurrent claim of the same host and start is SLOT_TAKEN. */
  async claim(em: EntityManager, scope: ClaimScope, input: ValidBooking, source: AppointmentSource, target: BookingTarget, service: ServiceTarget | null): Promise<Appointment> {
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

  private async release(em: EntityManager, scope: ClaimScope, id: string, cause: unknown): Promise<void> {
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

  private async confirm(em: EntityManager, scope: ClaimScope, id: string, booking: CalendarBooking, source: AppointmentSource): Promise<Appointment> {
    const row = await em.transactional(async (tx) => {
      const current = await tx.findOne(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!current) return null;
      const firstConfirmation = !current.calBookingUid;
      this.owner.applyBooking(current, booking);
      if (current.status === 'PENDING') current.status = booking.status === 'pending' ? 'PENDING' : 'CONFIRMED';
      audit(tx, scope.companyId, scope.actor, 'appointment.booked', `appointment:${current.id}`, {
        uid: booking.uid,
        start: booking.start.toISOString(),
        meetingUrl: booking.meetingUrl,
        source,
      });
      await flushHostClaim(tx, current);
      if (firstConfirmation) await this.owner.publish(tx, current, AppointmentChangeKind.CREATED, scope.actor);
      return current;
    });
    if (!row) {
      // Reconciliation released our claim meanwhile (no booking found for it in time); do not leave
      // our late duplicate behind in Cal.com.
      const company = await this.owner.integrations(em, scope.companyId);
      await this.calendar.cancel(company, booking.uid, 'Horário ocupado por outra reserva').catch(() => {});
      throw domainError('SLOT_TAKEN');
    }
    if (row.status === 'CONFIRMED') this.metrics.appointmentsConfirmed.inc({ company: scope.companyId, source: source.toLowerCase() });
    if (!row.meetingUrl) this.metrics.diagnostics.inc({ company: scope.companyId, symptom: 'meeting_link_missing' });
    return row;
  }
}

/**
 * Flushes a write that holds a host slot (a claim confirmed or moved): under the host-slot lock, so
 * it and the sync's yieldClaimIfTaken never cross; the claim index refusing it means the slot is
 * occupied.
 */
export async function flushHostClaim(tx: EntityManager, row: Appointment): Promise<void> {
  if (row.hostClaim && row.hostKey && row.status !== 'CANCELLED') await lockHostSlot(tx, row.companyId, row.hostKey, row.startAt);
  try {
    await tx.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      throw domainError('SLOT_OCCUPIED');
    }
    throw error;
  }
}

/** The booking target of a service: its event type, and its host when one Cal.com user runs it. */
function serviceBooking(service: ServiceTarget | null): BookingTarget | null {
  return service ? { eventTypeId: service.calEventTypeId, hostUserId: service.hostUserId, hostName: service.hostName } : null;
}
