import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** Bot state for one contact of one company; one row per (company, contact). */
@Entity({ tableName: 'conversations' })
export class Conversation {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  companyId!: string;

  @Property({ type: 'uuid' })
  contactId!: string;

  @Property({ type: 'text' })
  state: string = 'IDLE';

  /** State-specific data: offered slots, the appointment being rescheduled, … */
  @Property({ type: 'jsonb' })
  data: Record<string, unknown> = {};

  @Property({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null = null;

  @Property({ type: 'integer', version: true })
  version: number = 1;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
