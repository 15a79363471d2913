import { AppointmentService } from '../appointments/appointment.service.js';
import { AuditQueryService } from '../audit/audit-query.service.js';
import { AuthService } from '../auth/auth.service.js';
import { CalcomAdminService } from '../calcom/calcom-admin.service.js';
import type { CalendarGateway } from '../calcom/calendar.gateway.js';
import type { EventTypeSource } from '../calcom/calcom-event-types.js';
import { ServiceCatalog } from '../catalog/service-catalog.service.js';
import { CalcomSyncService } from '../calcom/calcom-sync.service.js';
import { RejectedWebhooks } from '../calcom/webhook-diagnostics.js';
import { CompanyService } from '../companies/company.service.js';
import { SecretBox } from '../companies/secret-box.js';
import type { Config } from '../config.js';
import type { Metrics } from '../platform/metrics.js';
import type { OutboundGuard } from '../platform/outbound-guard.js';
import type { PgEventBus } from '../platform/pubsub.js';
import { ReminderService } from '../reminders/reminder.service.js';
import { queueReminderMessage } from '../whatsapp/reminder-delivery.js';
import { WhatsappService } from '../whatsapp/whatsapp.service.js';

/** The domain services of one process, built once by the composition root. */
export interface Services {
  config: Config;
  metrics: Metrics;
  events: PgEventBus;
  /** Every call to a tenant-set URL goes through it (ARCHITECTURE §11). */
  outbound: OutboundGuard;
  auth: AuthService;
  companies: CompanyService;
  appointments: AppointmentService;
  /** The company's services (Cal.com event types). */
  catalog: ServiceCatalog;
  calendar: CalendarGateway;
  calcomSync: CalcomSyncService;
  webhookRejections: RejectedWebhooks;
  calcomAdmin: CalcomAdminService;
  auditQuery: AuditQueryService;
  whatsapp: WhatsappService;
  reminders: ReminderService;
}

export function createServices({ now, ...deps }: { config: Config; metrics: Metrics; events: PgEventBus; calendar: CalendarGateway & EventTypeSource; outbound: OutboundGuard; now?: () => Date }): Services {
  const companies = new CompanyService(new SecretBox(deps.config.appSecret), deps.outbound);
  const catalog = new ServiceCatalog(companies, deps.calendar, deps.metrics);
  const appointments = new AppointmentService(companies, deps.calendar, deps.events, deps.metrics, catalog, now);
  const webhookRejections = new RejectedWebhooks();
  const whatsapp = new WhatsappService({ companies, appointments, services: catalog, metrics: deps.metrics, outbound: deps.outbound });
  const reminders = new ReminderService({
    metrics: deps.metrics,
    channel: { queue: queueReminderMessage, enqueue: (ids) => whatsapp.enqueueOutbound(ids) },
    now,
  });
  appointments.observe(reminders);
  return {
    ...deps,
    auth: new AuthService(),
    companies,
    appointments,
    catalog,
    calcomSync: new CalcomSyncService(appointments),
    webhookRejections,
    calcomAdmin: new CalcomAdminService(appointments, webhookRejections),
    auditQuery: new AuditQueryService(),
    whatsapp,
    reminders,
  };
}
