import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * `pending`: stored by the webhook route (answered 200), not applied yet; `failed`: the applier gave up
 * applying it (the reason says why; the body is kept). The others are the result of applying it.
 */
export type WebhookOutcome = 'pending' | 'applied' | 'duplicate' | 'stale' | 'ignored' | 'failed';

/**
 * An accepted Cal.com delivery. (company, body hash) is unique: a replay is recognised, not re-applied.
 * The route stores it `pending` with its raw body; an applier applies it right after (see webhook-applier.ts).
 */
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

  /** Why it was stale, ignored or failed, for the diagnostics panel. */
  @Property({ type: 'text', nullable: true })
  reason: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  eventCreatedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  receivedAt: Date = new Date();

  /** The raw body (up to 1 MiB) while pending or failed; cleared once applied. Lazy: never loaded by default. */
  @Property({ type: 'text', nullable: true, lazy: true })
  body: string | null = null;

  /** When it was applied (null while pending, and for a failed delivery). */
  @Property({ type: 'timestamptz', nullable: true })
  appliedAt: Date | null = null;
}
