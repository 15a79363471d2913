import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { WhatsappProviderId } from '../companies/whatsapp-provider.js';
import type { DeliveryStatus, OutboundTemplate } from './providers/provider.js';

export type OutboundStatus = 'PENDING' | 'SENT' | 'FAILED' | 'CAPTURED';

/**
 * A reply to a WhatsApp contact. The row is the durable outbox: a job sends it and marks it SENT,
 * so a retry after a success never sends twice. `dedupeKey` makes "reply to inbound X" unique.
 */
@Entity({ tableName: 'outbound_messages' })
export class OutboundMessage {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  companyId!: string;

  @Property({ type: 'uuid', nullable: true })
  contactId: string | null = null;

  @Property({ type: 'text' })
  phone!: string;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'text' })
  dedupeKey!: string;

  @Property({ type: 'text' })
  status: OutboundStatus = 'PENDING';

  @Property({ type: 'integer' })
  attempts: number = 0;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  sentAt: Date | null = null;

  /** The provider it was (last) handed to. */
  @Property({ type: 'text', nullable: true })
  provider: WhatsappProviderId | null = null;

  /** The provider's id of the sent message; later status reports name it. */
  @Property({ type: 'text', nullable: true })
  providerMessageId: string | null = null;

  /** What the provider reported (SENT once accepted; DELIVERED, READ, FAILED when it tells us). */
  @Property({ type: 'text', nullable: true })
  deliveryStatus: DeliveryStatus | null = null;

  /** Our pt-BR summary of a failure, for the panel (the provider's own text is `lastError`). */
  @Property({ type: 'text', nullable: true })
  deliveryError: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  deliveryUpdatedAt: Date | null = null;

  /** REPLY (an answer of the conversation) or REMINDER (server/reminders): only reminders fall back to a template. */
  @Property({ type: 'text' })
  kind: 'REPLY' | 'REMINDER' = 'REPLY';

  /** Body parameters (and optionally name/language) of the approved template a reminder uses outside the window. */
  @Property({ type: 'json', nullable: true })
  template: OutboundTemplate | null = null;

  /** The form the provider accepted: TEXT, BUTTONS (reply buttons) or TEMPLATE. */
  @Property({ type: 'text', nullable: true })
  sentAs: 'TEXT' | 'BUTTONS' | 'TEMPLATE' | null = null;

  /** When the provider said the person's 24-hour window was closed for this message (Cloud API 131047). */
  @Property({ type: 'timestamptz', nullable: true })
  windowClosedAt: Date | null = null;
}
