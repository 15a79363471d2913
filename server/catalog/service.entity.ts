import { ArrayType, Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** A professional who runs a service: a Cal.com user (for a team event type, one of its hosts). */
export interface ServiceHost {
  calUserId: number;
  name: string;
}

/**
 * What a company sells, one per Cal.com event type (`syncServices` imports them). `name` and
 * `keywords` are ours (what clients type on WhatsApp); `calTitle`, `durationMinutes`, `hosts` and
 * `teamId` follow Cal.com on every sync. `inCalcom` turns false when the event type disappears
 * there (the row stays: appointments point at it).
 */
@Entity({ tableName: 'services' })
export class Service {
  [OptionalProps]?: 'active' | 'keywords' | 'hosts' | 'teamId' | 'inCalcom' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  companyId!: string;

  @Property({ type: 'integer' })
  calEventTypeId!: number;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  calTitle!: string;

  @Property({ type: 'integer' })
  durationMinutes!: number;

  @Property({ type: 'boolean' })
  active: boolean = true;

  @Property({ type: ArrayType, columnType: 'text[]' })
  keywords: string[] = [];

  @Property({ type: 'json', columnType: 'jsonb' })
  hosts: ServiceHost[] = [];

  /** Set for a Cal.com team event type (round-robin or collective). */
  @Property({ type: 'integer', nullable: true })
  teamId: number | null = null;

  @Property({ type: 'boolean' })
  inCalcom: boolean = true;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
