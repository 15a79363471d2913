import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { CREDENTIALS_CHANNEL } from './auth/auth.service.js';
import { registerAgendaRoutes } from './appointments/appointment.routes.js';
import { CalcomGateway } from './calcom/calcom.gateway.js';
import { defineCalcomJobs } from './calcom/calcom.jobs.js';
import { registerCalcomWebhook } from './calcom/calcom.webhook.js';
import type { ApplierOptions, WebhookApplier } from './calcom/webhook-applier.js';
import { COMPANY_CHANGED_CHANNEL } from './companies/company.service.js';
import type { Config } from './config.js';
import { ApiFirst } from './platform/api-first.js';
import { migrate, resolveDatabase, type Database } from './platform/database.js';
import { openOrm } from './wiring/database.js';
import { createSchema } from './wiring/graphql.js';
import { createHttpServer } from './platform/http/server.js';
import { startProbeServer } from './platform/http/probes.js';
import { Jobs } from './platform/jobs.js';
import { OutboundGuard } from './platform/outbound-guard.js';
import { defineRetentionJobs } from './platform/retention.js';
import { createLogger, type Logger } from './platform/logger.js';
import { createMetrics } from './platform/metrics.js';
import { PgEventBus } from './platform/pubsub.js';
import { createServices, type Services } from './wiring/services.js';
import { APPOINTMENT_TOPIC } from './appointments/appointment.service.js';
import { registerProviderRoutes } from './whatsapp/providers/routes.js';
import { registerWhatsappJobs } from './whatsapp/whatsapp.jobs.js';
import { startReminderWorker, type ReminderWorker } from './reminders/reminder.jobs.js';
import { tolerateDatabaseOutageRejections } from './platform/database-errors.js';

export interface App {
  config: Config;
  log: Logger;
  orm: MikroORM;
  services: Services;
  jobs: Jobs;
  /** Applies stored Cal.com webhook deliveries (every role). */
  webhookApplier: WebhookApplier;
  http: FastifyInstance | undefined;
  /** Base URL of the HTTP server (when the role serves HTTP). */
  url: string | undefined;
  /** Base URL of the METRICS_PORT listener, when one runs. */
  metricsUrl: string | undefined;
  /** The reminder sweep (worker roles). */
  reminderWorker: ReminderWorker | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Clock of the scheduled retention job, the reminders and the appointments' time rules (tests move it). */
  now?: () => Date;
  /** Poll interval of the reminder sweep (default REMINDER_POLL_MS). */
  reminderPollMs?: number;
  /** Tuning of the Cal.com webhook applier (tests shorten its retry delays). */
  webhookApplier?: Partial<Omit<ApplierOptions, 'waitForRoom'>>;
}

/**
 * Composition root: config → database → services → http/ws → workers. `close()` stops in the
 * reverse order: stop accepting, finish in-flight requests and jobs, close sockets and the database.
 */
export async function startApp(config: Config, options: StartOptions = {}): Promise<App> {
  const log = options.log ?? createLogger(config.logLevel);
  tolerateDatabaseOutageRejections(log);
  const db: Database = await resolveDatabase(config, (msg) => log.info(msg));
  const closers: Array<() => Promise<void>> = [() => db.stop()];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      await close().catch((error) => log.error({ err: error }, 'error during shutdown'));
    }
  };
  try {
    const orm = await openOrm(db.url);
    closers.push(() => orm.close(true));
    const applied = await migrate(orm);
    if (applied.length) log.info({ applied }, 'migrations applied');

    const metrics = createMetrics();
    const events = new PgEventBus(db.url, log);
    await events.start();
    closers.push(() => events.stop());
    events.onSubscriptionCount((delta) => metrics.activeSubscriptions.inc(delta));

    const outbound = new OutboundGuard(config.outboundAllowedHosts);
    closers.push(() => outbound.close());
    const services = createServices({ config, metrics, events, outbound, calendar: new CalcomGateway({ metrics, config, outbound, log }), now: options.now });
    await events.wake(COMPANY_CHANGED_CHANNEL, (companyId) => services.companies.forget(companyId));
    // Logouts, password changes and key revocations of any instance (or the CLI) reach this one.
    await events.wake(CREDENTIALS_CHANNEL, (change) => services.auth.credentialsChanged(change));
    events.registerReload(APPOINTMENT_TOPIC, (companyId, ref) =>
      services.appointments.reloadChange(orm.em.fork(), companyId, ref as never),
    );

    const jobs = new Jobs(db.url, log, metrics);
    await jobs.start();
    closers.push(() => jobs.stop());
    // The domains define their queues first; then worker roles start handling them.
    // Background drains (stored webhook deliveries, stored WhatsApp messages) stop before the queues.
    // A process that answers requests gives a burst of them the CPU before its background work:
    // applying stored webhook deliveries (every such role) and, with ROLE=all, the jobs.
    const apiFirst = config.role !== 'worker' ? new ApiFirst() : undefined;
    const waitForRoom = apiFirst && (() => apiFirst.waitForRoom());
    const webhookApplier = await defineCalcomJobs(jobs, orm, services, log, { ...options.webhookApplier, waitForRoom });
    await defineRetentionJobs(jobs, orm, log, options.now);
    closers.push(() => webhookApplier.stop());
    closers.push(await registerWhatsappJobs({ jobs, orm, whatsapp: services.whatsapp, events, worker: config.role !== 'api', log, waitForRoom }));
    let reminderWorker: ReminderWorker | undefined;
    if (config.role !== 'api') {
      reminderWorker = await startReminderWorker({ orm, reminders: services.reminders, events, log, pollMs: options.reminderPollMs });
      closers.push(() => reminderWorker!.stop());
    }
    // Stopped before the drains and the jobs (closers run in reverse): nothing waits for room then.
    if (apiFirst) closers.push(async () => apiFirst.stop());
    if (config.role !== 'api') await jobs.work(waitForRoom);

    let http: FastifyInstance | undefined;
    let url: string | undefined;
    if (config.role !== 'worker') {
      const schema = await createSchema();
      http = await createHttpServer({ log, orm, schema, services, apiFirst, beforeScrape: () => jobs.sampleDepth(), routes: [
        (app) => registerAgendaRoutes(app, orm, services),
        (app) => registerCalcomWebhook(app, orm, services, webhookApplier),
        (app) => registerProviderRoutes(app, orm, services),
      ] });
      closers.push(() => http!.close());
      url = await http.listen({ port: config.port, host: config.host });
    }
    let metricsUrl: string | undefined;
    if (config.role === 'worker' || config.metricsListener) {
      const probes = await startProbeServer(log, orm, metrics, config.host, config.metricsPort, { beforeScrape: () => jobs.sampleDepth(), token: config.metricsToken });
      closers.push(() => probes.close());
      metricsUrl = listenUrl(probes);
    }
    return { config, log, orm, services, jobs, webhookApplier, http, url, metricsUrl, reminderWorker, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function listenUrl(server: FastifyInstance): string {
  const address = server.server.address();
  if (address === null || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
