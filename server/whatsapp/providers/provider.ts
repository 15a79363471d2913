import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import type { WhatsappProviderId, WhatsappProviderSettings } from '../../companies/whatsapp-provider.js';
import type { OutboundFetch } from '../../platform/outbound-guard.js';
import type { Services } from '../../wiring/services.js';
import type { IgnoreReason, InboundText } from '../inbound-payload.js';

export type { WhatsappProviderId, WhatsappProviderSettings } from '../../companies/whatsapp-provider.js';

/**
 * The WhatsApp provider port (ARCHITECTURE §10). The conversation engine, the outbox, retries and
 * reminders speak only this; each gateway (Whaticket, Evolution API, WhatsApp Cloud API) is one
 * adapter, listed in `registry.ts`.
 *
 * - inbound: an adapter's route authenticates a delivery its own way, parses the body (with its own
 *   filters: the Cloud API's phone number id) into normalised messages, delivery statuses and ignored
 *   items, and `acceptInbound` (inbound-accept.ts) stores them: the same dedupe and the same engine
 *   for every provider;
 * - outbound: `connect(settings)` gives the company's connection (or why it is not configured),
 *   which sends text and templates and tests itself; failures are `ProviderError`s.
 */

/** Where a reply goes: phone digits (country code first) or an opaque WhatsApp LID, `<digits>@lid`. */
export type WhatsappRecipient = string;

/** What a provider reports about a message we sent, in rank order (a late "sent" never undoes "read"). */
export const DELIVERY_STATUSES = ['SENT', 'DELIVERED', 'READ', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryStatusUpdate {
  providerMessageId: string;
  status: DeliveryStatus;
  /** When the provider says it happened. */
  at: Date;
  /** For FAILED: the provider's code (e.g. Cloud API 131047) and our pt-BR summary for the panel. */
  error?: { code: string | null; message: string };
}

/** One authenticated delivery, normalised. A delivery may carry several of each (Cloud API batches). */
export interface InboundBatch {
  kind: 'batch';
  messages: InboundText[];
  statuses: DeliveryStatusUpdate[];
  ignored: IgnoreReason[];
}

/** `invalid` becomes a 400 with the reason, and nothing is written. */
export type ParsedDelivery = InboundBatch | { kind: 'invalid'; reason: string };

/** Body parameters of an approved template (Cloud API); name and language come from the company settings when absent. */
export interface OutboundTemplate {
  name?: string;
  language?: string;
  parameters: string[];
}

export interface SendResult {
  /** The provider's id of the sent message (matches later status reports); null when it gives none (Whaticket). */
  providerMessageId: string | null;
  /** How a `sendText` went out: plain, or with the options as reply buttons (Cloud API). Plain when absent. */
  form?: 'TEXT' | 'BUTTONS';
}

export interface ConnectionCheck {
  ok: boolean;
  /** The provider's own word for the state (`open`, `close`, `HTTP 401`…), for the admin. */
  state: string;
  /** pt-BR sentence for the panel. */
  message: string;
}

/**
 * - `retryable`: try again later (timeouts, 5xx, 429, the phone's session reconnecting);
 * - `rejected`: this message will never go (number not on WhatsApp, bad input): FAILED, no retry;
 * - `broken`: the company's credentials no longer work (401, expired token): FAILED, and the panel
 *   shows the connection as broken until the settings change;
 * - `window_closed`: outside the 24-hour customer-service window (Cloud API 131047): only a template goes.
 */
export type ProviderErrorKind = 'retryable' | 'rejected' | 'broken' | 'window_closed';

export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly kind: ProviderErrorKind;
  /** HTTP status; null when no response arrived. */
  readonly status: number | null;
  /** The provider's error code, when it gives one. */
  readonly code: string | null;
  /** A provider-asked wait (429 Retry-After), in milliseconds. */
  readonly retryAfterMs: number | null;
  /** pt-BR summary for the panel; the provider's own text stays in `message` (logs, `last_error`), never shown. */
  readonly userMessage: string;

  constructor(init: {
    kind: ProviderErrorKind;
    message: string;
    userMessage: string;
    status?: number | null;
    code?: string | null;
    retryAfterMs?: number | null;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status ?? null;
    this.code = init.code ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.userMessage = init.userMessage;
  }

  get retryable(): boolean {
    return this.kind === 'retryable';
  }
}

/** One company's configured gateway. */
export interface WhatsappConnection {
  sendText(to: WhatsappRecipient, text: string): Promise<SendResult>;
  sendTemplate(to: WhatsappRecipient, template: OutboundTemplate): Promise<SendResult>;
  testConnection(): Promise<ConnectionCheck>;
  /**
   * Set when the provider only takes free-form messages within this long of the person's last
   * message (Cloud API: 24 h); reminders outside it go as a template (providers/customer-window.ts).
   */
  readonly customerServiceWindowMs?: number;
  /**
   * True when the gateway takes an opaque `<digits>@lid` recipient as is (Evolution API). For any
   * other, a LID's digits are no phone number and would reach a stranger: `deliverOutbound` refuses it.
   */
  readonly sendsToLid?: boolean;
}

/** A connection, or the pt-BR reason the company cannot use this provider yet (missing settings). */
export type Connect = { connection: WhatsappConnection } | { notConfigured: string };

export interface ProviderRouteDeps {
  orm: MikroORM;
  services: Services;
}

export interface WhatsappProviderAdapter {
  readonly id: WhatsappProviderId;
  /** Lowercase name for metric labels and logs: `whaticket`, `evolution`, `cloud`. */
  readonly metricLabel: string;
  /** Shown to admins. */
  readonly label: string;
  connect(settings: WhatsappProviderSettings, deps: { fetch?: OutboundFetch }): Connect;
  /** Its inbound route(s), authenticated its own way, handing parsed deliveries to `acceptInbound`. */
  registerRoutes(app: FastifyInstance, deps: ProviderRouteDeps): Promise<void> | void;
}
