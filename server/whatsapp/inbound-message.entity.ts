import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { InboundMedia } from './inbound-payload.js';

export type InboundStatus = 'RECEIVED' | 'PROCESSED' | 'IGNORED' | 'FAILED';

/** A WhatsApp message received from Whaticket; (company, messageId) is the dedupe key. */
@Entity({ tableName: 'inbound_messages' })
export class InboundMessage {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  companyId!: string;

  @Property({ type: 'text' })
  messageId!: string;

  @Property({ type: 'uuid', nullable: true })
  contactId: string | null = null;

  @Property({ type: 'text' })
  phone!: string;

  @Property({ type: 'text' })
  senderName: string = '';

  @Property({ type: 'text' })
  body!: string;

  /** Caption-less media (the body is then empty). */
  @Property({ type: 'text', nullable: true })
  media: InboundMedia | null = null;

  @Property({ type: 'text' })
  status: InboundStatus = 'RECEIVED';

  /** Free-form outcome of processing (intent, error) for the transcript and diagnostics. */
  @Property({ type: 'text', nullable: true })
  outcome: string | null = null;

  /** True when sent from the admin simulator: replies are captured, not sent to Whaticket. */
  @Property({ type: 'boolean' })
  simulated: boolean = false;

  @Property({ type: 'timestamptz' })
  receivedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  processedAt: Date | null = null;
}
