import { ArrayType, Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { DEFAULT_REMINDER_OFFSETS } from './reminder-settings.js';
import { DEFAULT_CLOUD_API_URL, DEFAULT_CLOUD_API_VERSION, DEFAULT_CLOUD_TEMPLATE_LANGUAGE, type WhatsappProviderId } from './whatsapp-provider.js';

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

  /** Which gateway carries this company's WhatsApp (ARCHITECTURE §10). */
  @Property({ type: 'text' })
  whatsappProvider: WhatsappProviderId = 'WHATICKET';

  @Property({ type: 'text', nullable: true })
  evolutionUrl: string | null = null;

  @Property({ type: 'text', nullable: true })
  evolutionApiKey: string | null = null;

  @Property({ type: 'text', nullable: true })
  evolutionInstance: string | null = null;

  /** 2: flat `{number, text}` bodies; 1: `{number, textMessage: {text}}` (Evolution 1.x). */
  @Property({ type: 'integer' })
  evolutionApiVersion: number = 2;

  @Property({ type: 'text' })
  cloudApiUrl: string = DEFAULT_CLOUD_API_URL;

  @Property({ type: 'text' })
  cloudApiVersion: string = DEFAULT_CLOUD_API_VERSION;

  @Property({ type: 'text', nullable: true })
  cloudPhoneNumberId: string | null = null;

  @Property({ type: 'text', nullable: true })
  cloudAccessToken: string | null = null;

  @Property({ type: 'text', nullable: true })
  cloudAppSecret: string | null = null;

  @Property({ type: 'text', nullable: true })
  cloudVerifyToken: string | null = null;

  @Property({ type: 'text', nullable: true })
  cloudReminderTemplate: string | null = null;

  @Property({ type: 'text' })
  cloudTemplateLanguage: string = DEFAULT_CLOUD_TEMPLATE_LANGUAGE;

  /** Set when the provider refused our credentials for good (pt-BR, for the panel); a settings change clears it. */
  @Property({ type: 'text', nullable: true })
  whatsappConnectionError: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  whatsappConnectionErrorAt: Date | null = null;

  /** Minutes before the start at which WhatsApp reminders go out; empty = no reminders (ARCHITECTURE §9). */
  @Property({ type: new ArrayType<number>((i) => Number(i)), columnType: 'int[]' })
  reminderOffsetsMinutes: number[] = [...DEFAULT_REMINDER_OFFSETS];

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
