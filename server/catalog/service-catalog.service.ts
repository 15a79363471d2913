import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { calendarDomainError } from '../appointments/calendar-errors.js';
import { hostKeyOf } from '../appointments/host-key.js';
import type { ServiceDirectory, ServiceTarget } from '../appointments/service-target.js';
import { audit, type Actor } from '../audit/audit.service.js';
import { requireAdmin, requireWrite, type Tenant } from '../auth/tenant.js';
import type { CalendarEventType, EventTypeSource } from '../calcom/calcom-event-types.js';
import { Company } from '../companies/company.entity.js';
import type { CompanyService } from '../companies/company.service.js';
import { domainError } from '../platform/errors.js';
import type { Metrics } from '../platform/metrics.js';
import { isUuid } from '../shared/ids.js';
import { normalizeText } from '../shared/text.js';
import { Service } from './service.entity.js';

export const MAX_KEYWORDS = 20;
export const MAX_KEYWORD_LENGTH = 60;

export interface ServiceUpdate {
  name?: string | null;
  keywords?: string[] | null;
  active?: boolean | null;
}

export interface ServiceListing {
  services: Service[];
  /** The company's `cal_event_type_id`: the service on it is the default one. */
  defaultEventTypeId: number | null;
}

function checkCompany(companyId: string): void {
  if (!isUuid(companyId)) throw domainError('SCOPE_INVALID');
}

/**
 * The company's services (Cal.com event types): import from Cal.com keeping local edits, local
 * edits, and the lookups booking and WhatsApp need. Every method is scoped to one company.
 */
export class ServiceCatalog implements ServiceDirectory {
  constructor(
    private readonly companies: CompanyService,
    private readonly source: EventTypeSource,
    private readonly metrics: Metrics,
  ) {}

  /** Every service of the company (active or not), ordered by name. */
  async list(em: EntityManager, scope: { companyId: string }): Promise<ServiceListing> {
    checkCompany(scope.companyId);
    const defaultEventTypeId = await this.defaultEventTypeId(em, scope.companyId);
    const services = await em.find(Service, { companyId: scope.companyId }, { orderBy: { name: 'asc', calEventTypeId: 'asc' } });
    return { services, defaultEventTypeId };
  }

  /**
   * The company's `cal_event_type_id` (its default service). Read as a value: a partially loaded
   * Company in the request's identity map would be served to later reads of the same request.
   */
  private async defaultEventTypeId(em: EntityManager, companyId: string): Promise<number | null> {
    const rows = await em.execute<Array<{ cal_event_type_id: number | null }>>('select cal_event_type_id from companies where id = ?', [companyId]);
    if (rows.length === 0) throw domainError('COMPANY_NOT_FOUND');
    return rows[0]!.cal_event_type_id;
  }

  /** What WhatsApp clients may book: active services that still exist in Cal.com, by name. */
  async bookable(em: EntityManager, scope: { companyId: string }): Promise<Service[]> {
    checkCompany(scope.companyId);
    return em.find(Service, { companyId: scope.companyId, active: true, inCalcom: true }, { orderBy: { name: 'asc', calEventTypeId: 'asc' } });
  }

  /** The admin's "Sincronizar com o Cal.com". */
  async sync(em: EntityManager, tenant: Tenant): Promise<ServiceListing> {
    requireAdmin(tenant);
    requireWrite(tenant);
    return this.syncCompany(em, tenant.companyId, tenant.actor);
  }

  /**
   * Imports the account's event types (own and team ones). New ones get their Cal.com title as
   * name, no keywords, and are active unless hidden in Cal.com; known ones keep their local name,
   * keywords and active flag and take Cal.com's title, length and hosts; ones gone from Cal.com are
   * kept (appointments point at them) but deactivated.
   */
  async syncCompany(em: EntityManager, companyId: string, actor: Actor): Promise<ServiceListing> {
    checkCompany(companyId);
    const integrations = await this.companies.integrations(em, companyId);
    if (!integrations) throw domainError('COMPANY_NOT_FOUND');
    if (!integrations.cal.apiKey) throw domainError('SERVICES_NEED_API_KEY');
    let eventTypes: CalendarEventType[];
    try {
      eventTypes = await this.source.eventTypes(integrations);
    } catch (error) {
      throw calendarDomainError(error, companyId, this.metrics);
    }
    await em.transactional(async (tx) => {
      // One sync at a time per company: two would both insert the same new event type.
      await tx.findOneOrFail(Company, { id: companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const existing = new Map((await tx.find(Service, { companyId })).map((s) => [s.calEventTypeId, s]));
      const created: number[] = [];
      const missing: number[] = [];
      for (const type of eventTypes) {
        const hosts = type.hosts.map((h) => ({ calUserId: h.calUserId, name: h.name }));
        const known = existing.get(type.id);
        if (known) {
          Object.assign(known, { calTitle: type.title, durationMinutes: type.lengthInMinutes, hosts, teamId: type.teamId, inCalcom: true });
          existing.delete(type.id);
          continue;
        }
        tx.create(Service, {
          companyId,
          calEventTypeId: type.id,
          name: type.title.slice(0, 100),
          calTitle: type.title,
          durationMinutes: type.lengthInMinutes,
          active: !type.hidden,
          keywords: [],
          hosts,
          teamId: type.teamId,
          inCalcom: true,
          createdAt: new Date(),
          updatedAt: new Date(),
        });
        created.push(type.id);
      }
      for (const gone of existing.values()) {
        if (gone.inCalcom || gone.active) missing.push(gone.calEventTypeId);
        gone.inCalcom = false;
        gone.active = false;
      }
      audit(tx, companyId, actor, 'services.synced', `company:${companyId}`, { eventTypes: eventTypes.map((t) => t.id), created, missing });
      await tx.flush();
    });
    return this.list(em.fork(), { companyId });
  }

  async update(em: EntityManager, tenant: Tenant, id: string, input: ServiceUpdate): Promise<{ service: Service; defaultEventTypeId: number | null }> {
    requireAdmin(tenant);
    requireWrite(tenant);
    checkCompany(tenant.companyId);
    if (!isUuid(id)) throw domainError('SERVICE_NOT_FOUND');
    const service = await em.transactional(async (tx) => {
      const row = await tx.findOne(Service, { id, companyId: tenant.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) throw domainError('SERVICE_NOT_FOUND');
      const changed: Record<string, unknown> = {};
      if (input.name != null) {
        const name = input.name.trim().replace(/\s+/g, ' ');
        if (!name || name.length > 100) throw domainError('SERVICE_NAME_LENGTH');
        if (name !== row.name) changed.name = row.name = name;
      }
      if (input.keywords != null) {
        const keywords = cleanKeywords(input.keywords);
        if (keywords.join('\n') !== row.keywords.join('\n')) changed.keywords = row.keywords = keywords;
      }
      if (input.active != null && input.active !== row.active) {
        if (input.active && !row.inCalcom) throw domainError('SERVICE_NOT_IN_CALCOM');
        changed.active = row.active = input.active;
      }
      audit(tx, tenant.companyId, tenant.actor, 'service.updated', `service:${row.id}`, changed);
      await tx.flush();
      return row;
    });
    return { service, defaultEventTypeId: await this.defaultEventTypeId(em, tenant.companyId) };
  }

  async target(em: EntityManager, companyId: string, serviceId: string | null, options: { defaultEventTypeId: number | null; allowInactive?: boolean }): Promise<ServiceTarget | null> {
    checkCompany(companyId);
    if (serviceId !== null) {
      const row = isUuid(serviceId) ? await em.findOne(Service, { id: serviceId, companyId }) : null;
      if (!row) throw domainError('SERVICE_NOT_FOUND');
      if (!row.active && !options.allowInactive) throw domainError('SERVICE_INACTIVE');
      return targetOf(row);
    }
    if (options.defaultEventTypeId !== null) {
      const row = await em.findOne(Service, { companyId, calEventTypeId: options.defaultEventTypeId });
      // Not imported yet: the company's event type as before services existed.
      return row ? targetOf(row) : null;
    }
    const active = await em.find(Service, { companyId, active: true }, { limit: 2 });
    return active.length === 1 ? targetOf(active[0]!) : null;
  }

  async serviceIdForEventType(em: EntityManager, companyId: string, eventTypeId: number): Promise<string | null> {
    checkCompany(companyId);
    const row = await em.findOne(Service, { companyId, calEventTypeId: eventTypeId }, { fields: ['id'] });
    return row?.id ?? null;
  }
}

function targetOf(s: Service): ServiceTarget {
  const host = s.hosts.length === 1 ? s.hosts[0]! : null;
  return {
    id: s.id,
    calEventTypeId: s.calEventTypeId,
    durationMinutes: s.durationMinutes,
    name: s.name,
    hostKey: serviceHostKey(s),
    hostUserId: host?.calUserId ?? null,
    hostName: host?.name ?? null,
  };
}

/** Trimmed, one space between words, no duplicates (accent- and case-insensitive), order kept. */
export function cleanKeywords(raw: string[]): string[] {
  if (raw.length > MAX_KEYWORDS) throw domainError('SERVICE_KEYWORDS_INVALID');
  const seen = new Set<string>();
  const keywords: string[] = [];
  for (const item of raw) {
    const keyword = item.trim().replace(/\s+/g, ' ');
    if (!keyword) continue;
    if (keyword.length > MAX_KEYWORD_LENGTH || !normalizeText(keyword)) {
      throw domainError('SERVICE_KEYWORDS_INVALID');
    }
    const key = normalizeText(keyword);
    if (seen.has(key)) continue;
    seen.add(key);
    keywords.push(keyword);
  }
  return keywords;
}

/**
 * What the per-host claim keys our own booking attempts of this service on (`hostKeyOf`): the one
 * Cal.com user who runs it, or, for a team event type with several hosts (Cal.com picks the host at
 * booking time), the event type itself — conservative: two of our attempts on one team slot never
 * both go, even when a second host is free.
 */
export function serviceHostKey(service: Pick<Service, 'calEventTypeId' | 'hosts'>): string {
  return hostKeyOf({ eventTypeId: service.calEventTypeId, hostUserId: service.hosts.length === 1 ? service.hosts[0]!.calUserId : null })!;
}
