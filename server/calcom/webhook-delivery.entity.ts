import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * `pending`: stored by the webhook route (answered 200), not applied yet; `failed`: the applier gave up
 * applying it (the reason says why; the body is kept, an admin may retry it); `discarded`: an admin
 * gave up on a failed one. The others are the result of applying it.
 */
export type WebhookOutcome = 'pending' | 'applied' | 'duplicate' | 'stale' | 'ignored' | 'failed' | 'discarded';

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

  /** Failed applications so far (in the database: a restart does not reset them). */
  @Property({ type: 'int' })
  attempts: number = 0;

  /** A pending delivery whose last application failed is not retried before this. */
  @Property({ type: 'timestamptz', nullable: true })
  retryAt: Date | null = null;

  /** When it was applied (null while pending, and for a failed delivery). */
  @Property({ type: 'timestamptz', nullable: true })
  appliedAt: Date | null = null;
}
