import type { EntityManager } from '@mikro-orm/postgresql';
import { CALCOM_ACTOR, SYSTEM_ACTOR } from '../audit/audit.service.js';
import { Company } from '../companies/company.entity.js';
import type { Logger } from '../platform/logger.js';
import type { Services } from '../wiring/services.js';

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
 * appointment id in the booking metadata) or released. Every change goes through AppointmentService.
 */
export async function reconcileCompany(em: EntityManager, services: Services, companyId: string, now = new Date()): Promise<ReconcileReport> {
  const report: ReconcileReport = { companyId, checked: 0, applied: 0, claimsConfirmed: 0, claimsReleased: 0 };
  const company = await services.companies.integrations(em, companyId);
  if (!company?.cal.apiKey || !company.cal.eventTypeId) return report;
  const { appointments, calendar } = services;
  const asCalcom = { companyId, actor: CALCOM_ACTOR };

  const events = await calendar.recentEvents(company, new Date(now.getTime() - LOOKBACK_MS), now);
  for (const event of events) {
    report.checked += 1;
    const result = await em.fork().transactional((tx) => appointments.applyCalendarEvent(tx, asCalcom, event, 'reconcile'));
    if (result.outcome === 'applied') report.applied += 1;
  }

  const claims = await appointments.staleClaims(em, asCalcom, new Date(now.getTime() - STALE_CLAIM_MS));
  for (const claim of claims) {
    const found = await calendar.findEvent(company, claim.id, claim.startAt, now);
    if (found) {
      await em.fork().transactional((tx) => appointments.applyCalendarEvent(tx, asCalcom, found, 'reconcile'));
      report.claimsConfirmed += 1;
    } else {
      await appointments.releaseClaim(em.fork(), { companyId, actor: SYSTEM_ACTOR }, claim.id, 'sem reserva correspondente no Cal.com');
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
