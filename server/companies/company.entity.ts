import { ArrayType, Entity, PrimaryKey, Property } from '@mikro-orm/core';
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

  /** Minutes before the start at which WhatsApp reminders go out; empty = no reminders (ARCHITECTURE §9). */
  @Property({ type: new ArrayType<number>((i) => Number(i)), columnType: 'int[]' })
  reminderOffsetsMinutes: number[] = [1440, 120];

  /** "HH:MM" in the company zone: a reminder due between start and end moves earlier, never later. */
  @Property({ type: 'text' })
  quietHoursStart: string = '21:00';

  @Property({ type: 'text' })
  quietHoursEnd: string = '08:00';

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
