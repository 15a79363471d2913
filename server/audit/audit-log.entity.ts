import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export type ActorType = 'ADMIN' | 'API_KEY' | 'WHATSAPP' | 'CALCOM' | 'SYSTEM';

/** One state change or bot decision, written in the same transaction as the change itself. */
@Entity({ tableName: 'audit_log' })
export class AuditLog {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  companyId!: string;

  @Property({ type: 'text' })
  actorType!: ActorType;

  /** User id, API key id, contact id, booking uid… depending on actorType. */
  @Property({ type: 'text', nullable: true })
  actorId: string | null = null;

  @Property({ type: 'text' })
  actorLabel: string = '';

  /** Dotted verb, e.g. `appointment.booked`, `bot.intent`. */
  @Property({ type: 'text' })
  action!: string;

  /** What it is about, e.g. `appointment:<id>`, `conversation:<id>`. */
  @Property({ type: 'text' })
  subject!: string;

  @Property({ type: 'jsonb' })
  data: Record<string, unknown> = {};

  @Property({ type: 'timestamptz' })
  at: Date = new Date();
}
