import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppointmentService } from '../appointments/appointment.service.js';
import type { Tenant } from '../auth/tenant.js';
import type { CompanyService } from '../companies/company.service.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { OutboundGuard } from '../platform/outbound-guard.js';
import { ConversationEngine, DEFAULT_WHATSAPP_SETTINGS, type WhatsappSettings } from './conversation.engine.js';
import { Handoff, type WhatsappQueue } from './handoff.js';
import type { ServicePort } from './service-choice.js';
import type { InboundText } from './inbound-payload.js';
import { InboundStore, type ChatMessage, type Received, type ReceiveOptions } from './inbound-store.js';
import { Outbox } from './outbox.js';
import type { DeliveryStatusUpdate } from './providers/provider.js';
import { ProviderAdmin } from './providers/provider-admin.js';
import { reopenForTemplate } from './providers/customer-window.js';
import { DEFAULT_PROVIDERS, ProviderRegistry } from './providers/registry.js';
import { Simulator } from './simulator.js';
import { TurnProcessor } from './turn-processor.js';

export type { WhatsappQueue } from './handoff.js';
export { INBOUND_CHANNEL, type ChatMessage, type Received } from './inbound-store.js';
export { MAX_SEND_ATTEMPTS, SEND_RETRY, SendRetry } from './outbox.js';

/**
 * WhatsApp conversations of every company, as one service for the routes, resolvers and jobs. The
 * work is done by one part per role:
 * - `InboundStore` (inbound-store.ts): store messages deduplicated by `(company_id, message_id)`,
 *   dispatch them into jobs, recover lost ones (sweep, start-up requeue);
 * - `TurnProcessor` (turn-processor.ts): one message → decision → replies, per contact in order;
 * - `Outbox` (outbox.ts): deliver replies through the company's provider in order, each at most once;
 * - `ProviderRegistry` (providers/registry.ts): the WhatsApp gateways (port: providers/provider.ts);
 * - `Simulator` (simulator.ts): the admin simulator and transcript;
 * - `Handoff` (handoff.ts): the one way into the durable queues (pg-boss, whatsapp.jobs.ts).
 */
export class WhatsappService {
  readonly engine: ConversationEngine;
  readonly providers: ProviderRegistry;
  /** "Testar conexão" and the last delivery errors (the panel's WhatsApp section). */
  readonly admin: ProviderAdmin;
  /** Clock of the bot (tests may pin it). */
  now: () => Date = () => new Date();
  private readonly handoff = new Handoff();
  private readonly inbound: InboundStore;
  private readonly turns: TurnProcessor;
  private readonly outbox: Outbox;
  private readonly simulator: Simulator;

  constructor(
    deps: {
      companies: CompanyService;
      appointments: AppointmentService;
      metrics: Metrics;
      /** The tenant-URL guard; without it the client's strict default applies. */
      outbound?: OutboundGuard;
      settings?: Partial<WhatsappSettings>;
      /** The WhatsApp gateways; tests may add fakes. */
      providers?: ProviderRegistry;
      /** The company's services (the catalogue); without it bookings use the company's event type. */
      services?: ServicePort;
    },
  ) {
    this.engine = new ConversationEngine(deps.appointments, { ...DEFAULT_WHATSAPP_SETTINGS, ...deps.settings }, deps.metrics, deps.services);
    this.providers = deps.providers ?? new ProviderRegistry(DEFAULT_PROVIDERS);
    this.admin = new ProviderAdmin({ ...deps, providers: this.providers });
    this.inbound = new InboundStore(this.handoff, deps.metrics);
    this.outbox = new Outbox({ ...deps, providers: this.providers, now: () => this.now() });
    this.turns = new TurnProcessor({
      engine: this.engine,
      companies: deps.companies,
      metrics: deps.metrics,
      outbox: this.outbox,
      handoff: this.handoff,
      providerLabel: (id) => this.providers.get(id)?.metricLabel ?? 'unknown',
      now: () => this.now(),
    });
    this.simulator = new Simulator(this.inbound);
  }

  get settings(): WhatsappSettings {
    return this.engine.settings;
  }

  /** Called once by the composition root when the queues exist (with the dispatcher in worker roles). */
  attach(queue: WhatsappQueue, log: Logger, dispatcher?: { wake(): void }): void {
    this.handoff.attach(queue, log);
    this.inbound.dispatcher = dispatcher;
  }

  receive(em: EntityManager, companyId: string, message: InboundText, options: ReceiveOptions): Promise<Received> {
    return this.inbound.receive(em, companyId, message, options);
  }

  /** Delivery statuses a provider reported (ranked, out of order tolerated); returns how many matched our messages. */
  applyDeliveryStatuses(em: EntityManager, companyId: string, provider: string, updates: DeliveryStatusUpdate[]): Promise<number> {
    return this.outbox.applyDeliveryStatuses(em, companyId, provider, updates);
  }

  /**
   * Reminders the provider accepted as free-form text and then reported failed for the closed
   * 24-hour window (Cloud API 131047): back to the outbox, to go as the company's template.
   * Returns how many were put back.
   */
  async resendAsTemplate(em: EntityManager, companyId: string, providerMessageIds: string[]): Promise<number> {
    const ids = await reopenForTemplate(em, companyId, providerMessageIds);
    await this.handoff.enqueue('outbound', ids);
    return ids.length;
  }

  dispatch(em: EntityManager): Promise<boolean> {
    return this.inbound.dispatch(em);
  }

  processInbound(em: EntityManager, inboundId: string, options: { final?: boolean } = {}): Promise<void> {
    return this.turns.processInbound(em, inboundId, options);
  }

  sendOutbound(em: EntityManager, outboundId: string, options: { final?: boolean } = {}): Promise<void> {
    return this.outbox.sendOutbound(em, outboundId, options);
  }

  /** Hands committed outbox rows (e.g. reminders) to the send queue; a lost hand-off is swept. */
  enqueueOutbound(ids: string[]): Promise<void> {
    return this.handoff.enqueue('outbound', ids);
  }

  sweep(em: EntityManager): Promise<{ inbound: number; outbound: number }> {
    return this.inbound.sweep(em);
  }

  requeueInFlight(em: EntityManager): Promise<number> {
    return this.inbound.requeueInFlight(em);
  }

  simulate(em: EntityManager, tenant: Tenant, input: { phone: string; body: string; name?: string | null }): Promise<ChatMessage> {
    return this.simulator.simulate(em, tenant, input);
  }

  transcript(em: EntityManager, tenant: Tenant, rawPhone: string): Promise<ChatMessage[]> {
    return this.simulator.transcript(em, tenant, rawPhone);
  }
}
