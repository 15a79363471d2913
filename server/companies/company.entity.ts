import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** A tenant. Secret columns hold AES-256-GCM ciphertext (see secret-box.ts), never plaintext. */
@Entity({ tableName: 'companies' })
export class Company {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  timezone: string = 'America/Sao_Paulo';

  @Property({ type: 'text' })
  calApiUrl: string = 'https://api.cal.com';

  @Property({ type: 'text', nullable: true })
  calApiKey: string | null = null;

  @Property({ type: 'text', nullable: true })
  calDefaultUserId: string | null = null;

  @Property({ type: 'integer', nullable: true })
  calEventTypeId: number | null = null;

  @Property({ type: 'text', nullable: true })
  calWebhookSecret: string | null = null;

  @Property({ type: 'text', nullable: true })
  whaticketUrl: string | null = null;

  @Property({ type: 'text', nullable: true })
  whaticketToken: string | null = null;

  /** SHA-256 of the bearer token Whaticket sends to our inbound endpoint. */
  @Property({ type: 'text', fieldName: 'whaticket_inbound_token', nullable: true })
  whaticketInboundTokenHash: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
