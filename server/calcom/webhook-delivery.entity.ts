import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export type WebhookOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored';

/** An accepted Cal.com delivery. (company, body hash) is unique: a replay is recognised, not re-applied. */
@Entity({ tableName: 'webhook_deliveries' })
export class WebhookDelivery {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  companyId!: string;

  @Property({ type: 'text' })
  trigger!: string;

  @Property({ type: 'text', nullable: true })
  bookingUid: string | null = null;

  @Property({ type: 'text' })
  bodyHash!: string;

  @Property({ type: 'text' })
  outcome!: WebhookOutcome;

  /** Why it was stale or ignored, for the diagnostics panel. */
  @Property({ type: 'text', nullable: true })
  reason: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  eventCreatedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  receivedAt: Date = new Date();
}
