import type { EntityManager } from '@mikro-orm/postgresql';
import { Appointment } from '../appointments/appointment.entity.js';
import { audit, SYSTEM_ACTOR } from '../audit/audit.service.js';
import { Company } from '../companies/company.entity.js';
import type { Logger } from '../platform/logger.js';
import { normalizePhone } from '../shared/phone.js';
import type { Services } from '../wiring/services.js';
import type { BookingEvent } from './calcom-event.js';
import type { CalcomBooking } from './calcom.client.js';
import type { CalcomGateway } from './calcom.gateway.js';

/** A claim older than this without a Cal.com uid is either lost in transit or abandoned. */
const STALE_CLAIM_MS = 10 * 60_000;
const LOOKBACK_MS = 24 * 3_600_000;

export interface ReconcileReport {
  companyId: string;
  checked: number;
  applied: number;
  claimsConfirmed: number;
  claimsReleased: number;
}

/**
 * Repairs what webhooks missed: Cal.com's current view of recent bookings is applied as the newest
 * truth, and our own PENDING claims whose Cal.com answer was lost are confirmed (found by our
 * appointment id in the booking metadata) or released.
 */
export async function reconcileCompany(em: EntityManager, services: Services, companyId: string, now = new Date()): Promise<ReconcileReport> {
  const report: ReconcileReport = { companyId, checked: 0, applied: 0, claimsConfirmed: 0, claimsReleased: 0 };
  const company = await services.companies.integrations(em, companyId);
  if (!company?.cal.apiKey || !company.cal.eventTypeId) return report;
  const client = (services.calendar as CalcomGateway).client(company);

  const bookings = await client.listBookings({ afterStart: new Date(now.getTime() - LOOKBACK_MS), take: 100 });
  for (const booking of bookings) {
    report.checked += 1;
    const result = await em.fork().transactional((tx) => services.calcomSync.apply(tx, companyId, toEvent(booking, now), 'reconcile'));
    if (result.outcome === 'applied') report.applied += 1;
  }

  const claims = await em.find(Appointment, { companyId, status: 'PENDING', calBookingUid: null, createdAt: { $lt: new Date(now.getTime() - STALE_CLAIM_MS) } });
  for (const claim of claims) {
    const found = await client.findBookingByAppointmentId(claim.id, claim.startAt);
    if (found) {
      await em.fork().transactional((tx) => services.calcomSync.apply(tx, companyId, toEvent(found, now), 'reconcile'));
      report.claimsConfirmed += 1;
    } else {
      await em.fork().transactional(async (tx) => {
        const row = await tx.findOne(Appointment, { id: claim.id, companyId, status: 'PENDING', calBookingUid: null });
        if (!row) return;
        tx.remove(row);
        audit(tx, companyId, SYSTEM_ACTOR, 'appointment.claim_released', `appointment:${row.id}`, { reason: 'sem reserva correspondente no Cal.com' });
      });
      report.claimsReleased += 1;
    }
  }
  return report;
}

export async function reconcileAll(em: EntityManager, services: Services, log: Logger): Promise<ReconcileReport[]> {
  const companies = await em.find(Company, { calApiKey: { $ne: null }, calEventTypeId: { $ne: null } }, { fields: ['id'] });
  const reports: ReconcileReport[] = [];
  for (const { id } of companies) {
    try {
      reports.push(await reconcileCompany(em.fork(), services, id));
    } catch (error) {
      log.warn({ err: error, companyId: id }, 'Cal.com reconciliation failed for company');
    }
  }
  return reports;
}

function toEvent(b: CalcomBooking, now: Date): BookingEvent {
  const trigger: BookingEvent['trigger'] =
    b.status === 'cancelled' || b.status === 'rejected' ? 'BOOKING_CANCELLED'
    : b.status === 'pending' ? 'BOOKING_REQUESTED'
    : b.rescheduledFromUid ? 'BOOKING_RESCHEDULED'
    : 'BOOKING_CREATED';
  const attendee = b.attendees[0];
  const appointmentId = typeof b.metadata.appointmentId === 'string' ? b.metadata.appointmentId : null;
  return {
    trigger,
    at: now,
    uid: b.uid,
    bookingId: b.id,
    rescheduleUid: b.rescheduledFromUid,
    title: b.title,
    start: b.start,
    end: b.end,
    clientName: attendee?.name ?? '',
    clientEmail: attendee?.email ?? null,
    clientPhone: attendee?.phoneNumber ? normalizePhone(attendee.phoneNumber) : null,
    meetingUrl: b.meetingUrl,
    reason: b.cancellationReason,
    appointmentId,
  };
}
