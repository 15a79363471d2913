import type { EntityManager } from '@mikro-orm/postgresql';
import type { CompanyIntegrations } from '../companies/company.service.js';

/** The Cal.com event type a booking or an availability question is about (a company's service). */
export interface ServiceTarget {
  id: string;
  calEventTypeId: number;
  durationMinutes: number;
  name: string;
  /**
   * Who our own booking attempts of this service compete for (the per-host claim, `hostKeyOf`):
   * `user:<id>` for a service one Cal.com user runs, `event-type:<id>` for a team event type with
   * several hosts (Cal.com picks the host when booking).
   */
  hostKey: string;
  /** The one Cal.com user who runs it; null for a team event type with several hosts. */
  hostUserId: number | null;
  hostName: string | null;
}

/**
 * Where AppointmentService learns which event type to use; the catalogue (`server/catalog/`)
 * implements it. `serviceId` null means "the default service": the one on the company's
 * `cal_event_type_id`, or the only active one; null when there is none (the company books its
 * `cal_event_type_id` as before services existed). An id of another company, or unknown, is
 * SERVICE_NOT_FOUND; an inactive one SERVICE_INACTIVE unless `allowInactive` (resuming a claim).
 */
export interface ServiceDirectory {
  target(em: EntityManager, companyId: string, serviceId: string | null, options: { defaultEventTypeId: number | null; allowInactive?: boolean }): Promise<ServiceTarget | null>;
  /** The company's service on a Cal.com event type (active or not), for bookings Cal.com reports. */
  serviceIdForEventType(em: EntityManager, companyId: string, eventTypeId: number): Promise<string | null>;
}

/** The company's settings with the service's event type and length in place of the default ones. */
export function withServiceTarget(company: CompanyIntegrations, target: ServiceTarget | null): CompanyIntegrations {
  if (!target) return company;
  return { ...company, cal: { ...company.cal, eventTypeId: target.calEventTypeId, lengthMinutes: target.durationMinutes } };
}
