import type { EntityManager } from '@mikro-orm/postgresql';
import { audit, type Actor } from '../audit/audit.service.js';
import { requireAdmin, type Tenant } from '../auth/tenant.js';
import { hashToken, newToken } from '../auth/tokens.js';
import { domainError } from '../platform/errors.js';
import { OutboundBlocked, type OutboundGuard } from '../platform/outbound-guard.js';
import { TtlCache } from '../platform/ttl-cache.js';
import { isUuid } from '../shared/ids.js';
import { Company } from './company.entity.js';
import type { CompanyView } from './company.types.js';
import { cleanQuietHours, cleanReminderOffsets } from './reminder-settings.js';
import { maskSecret, SecretBox } from './secret-box.js';
import {
  DEFAULT_CLOUD_API_URL,
  DEFAULT_CLOUD_API_VERSION,
  DEFAULT_CLOUD_TEMPLATE_LANGUAGE,
  WHATSAPP_PROVIDERS,
  type WhatsappProviderId,
  type WhatsappProviderSettings,
} from './whatsapp-provider.js';

export interface CompanySettings {
  name?: string | null;
  timezone?: string | null;
  calApiUrl?: string | null;
  calApiKey?: string | null;
  calDefaultUserId?: string | null;
  calEventTypeId?: number | null;
  calWebhookSecret?: string | null;
  whaticketUrl?: string | null;
  whaticketToken?: string | null;
  whatsappProvider?: WhatsappProviderId | null;
  evolutionUrl?: string | null;
  evolutionApiKey?: string | null;
  evolutionInstance?: string | null;
  evolutionApiVersion?: number | null;
  cloudApiUrl?: string | null;
  cloudApiVersion?: string | null;
  cloudPhoneNumberId?: string | null;
  cloudAccessToken?: string | null;
  cloudAppSecret?: string | null;
  cloudVerifyToken?: string | null;
  cloudReminderTemplate?: string | null;
  cloudTemplateLanguage?: string | null;
  /** Empty list: no reminders. */
  reminderOffsetsMinutes?: number[] | null;
  /** "HH:MM"; both empty: no quiet hours. */
  quietHoursStart?: string | null;
  quietHoursEnd?: string | null;
}

/** Secret settings: encrypted at rest, masked when read, an empty string clears them. */
const SECRET_FIELDS = ['calApiKey', 'calWebhookSecret', 'whaticketToken', 'evolutionApiKey', 'cloudAccessToken', 'cloudAppSecret', 'cloudVerifyToken'] as const;
type SecretField = (typeof SECRET_FIELDS)[number];
/** A key goes only to the host it was entered for: changing the URL clears it (ARCHITECTURE §11). */
const SECRET_OF_URL = { calApiUrl: 'calApiKey', whaticketUrl: 'whaticketToken', evolutionUrl: 'evolutionApiKey', cloudApiUrl: 'cloudAccessToken' } as const;
/** Fields whose change may repair a broken WhatsApp connection: the panel's warning is cleared. */
const WHATSAPP_FIELDS: ReadonlySet<string> = new Set([
  'whatsappProvider', 'whaticketUrl', 'whaticketToken', 'evolutionUrl', 'evolutionApiKey', 'evolutionInstance', 'evolutionApiVersion',
  'cloudApiUrl', 'cloudApiVersion', 'cloudPhoneNumberId', 'cloudAccessToken', 'cloudAppSecret', 'cloudVerifyToken',
]);

/** Decrypted settings for talking to Cal.com and Whaticket; read fresh per use so edits apply at once. */
export interface CompanyIntegrations {
  companyId: string;
  timezone: string;
  cal: {
    apiUrl: string;
    apiKey: string | null;
    eventTypeId: number | null;
    defaultUserId: string | null;
    webhookSecret: string | null;
    /** The event type's length when a service is being booked (slots that come back with a start only). */
    lengthMinutes?: number;
  };
  whaticket: { url: string | null; token: string | null };
  whatsapp: WhatsappProviderSettings;
}

export interface CloudWebhookKeys {
  appSecret: string | null;
  verifyToken: string | null;
  phoneNumberId: string | null;
}

/** How long a public endpoint may trust a cached credential check; changes evict at once (see `changed`). */
const HOT_TTL_MS = 5_000;
export const COMPANY_CHANGED_CHANNEL = 'secretaria_company_changed';

export class CompanyService {
  /**
   * Credential checks of the public endpoints (inbound token, webhook secret), per company. Every
   * settings change sends `pg_notify(COMPANY_CHANGED_CHANNEL, id)` in its transaction and every
   * instance drops that company's entries (`forget`), so the TTL only bounds a lost notification.
   */
  private readonly hot = new TtlCache<string | null>(HOT_TTL_MS);

  constructor(
    private readonly secrets: SecretBox,
    /** Refuses tenant URLs that point inside our network (ARCHITECTURE §11). */
    private readonly outbound: OutboundGuard,
  ) {}

  /** Drops cached credential checks of one company, or of all (after a lost notification). */
  forget(companyId?: string): void {
    this.hot.clear(companyId ? `${companyId}:` : '');
  }

  /**
   * Runs a settings change in a transaction that also notifies every instance (they `forget` the
   * company), and evicts here once it has committed: a check that read the old row meanwhile cannot
   * keep it cached.
   */
  private async change<T>(em: EntityManager, companyId: string, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const result = await em.transactional(async (tx) => {
      const done = await work(tx);
      await tx.execute('select pg_notify(?, ?)', [COMPANY_CHANGED_CHANNEL, companyId]);
      return done;
    });
    this.forget(companyId);
    return result;
  }

  async create(em: EntityManager, input: CompanySettings & { name: string }): Promise<{ company: Company; inboundToken: string }> {
    const company = new Company();
    await this.checkUrls(input);
    this.apply(company, input);
    if (!company.name) throw domainError('COMPANY_NAME_REQUIRED');
    const inboundToken = newToken('swi');
    company.whaticketInboundTokenHash = hashToken(inboundToken);
    await em.persistAndFlush(company);
    return { company, inboundToken };
  }

  /** Operator path (CLI): no tenant, the id is explicit. */
  async update(em: EntityManager, id: string, input: CompanySettings, actor: Actor): Promise<Company> {
    await this.checkUrls(input);
    return this.change(em, id, async (tx) => {
      const company = await tx.findOne(Company, { id });
      if (!company) throw domainError('COMPANY_ID_NOT_FOUND', { id });
      const changed = this.apply(company, input);
      audit(tx, company.id, actor, 'company.settings_updated', `company:${company.id}`, { changed });
      return company;
    });
  }

  async get(em: EntityManager, tenant: Tenant): Promise<Company> {
    const company = await em.findOne(Company, { id: tenant.companyId });
    if (!company) throw domainError('COMPANY_NOT_FOUND');
    return company;
  }

  async updateSettings(em: EntityManager, tenant: Tenant, input: CompanySettings): Promise<Company> {
    requireAdmin(tenant);
    return this.update(em, tenant.companyId, input, tenant.actor);
  }

  /** Returns a new inbound token (shown once) and invalidates the previous one. */
  async rotateInboundToken(em: EntityManager, tenant: Tenant): Promise<string> {
    requireAdmin(tenant);
    return this.newInboundToken(em, tenant.companyId, tenant.actor);
  }

  /** Operator path (the demo): a new inbound token for the company named by id. */
  async newInboundToken(em: EntityManager, companyId: string, actor: Actor): Promise<string> {
    const token = newToken('swi');
    await this.change(em, companyId, async (tx) => {
      const company = await tx.findOne(Company, { id: companyId });
      if (!company) throw domainError('COMPANY_NOT_FOUND');
      company.whaticketInboundTokenHash = hashToken(token);
      audit(tx, company.id, actor, 'company.inbound_token_rotated', `company:${company.id}`);
    });
    return token;
  }

  /** True when the company exists (cached like the credential checks; only hits are kept). */
  async exists(em: EntityManager, companyId: string): Promise<boolean> {
    if (!isUuid(companyId)) return false;
    const key = `${companyId}:exists`;
    if (this.hot.get(key) !== undefined) return true;
    const rows = await em.execute<Array<{ id: string }>>('select id from companies where id = ?', [companyId]);
    if (rows.length === 0) return false;
    this.hot.set(key, companyId);
    return true;
  }

  /** The Whaticket inbound check (every inbound message): one indexed probe, cached briefly. */
  async inboundTokenMatches(em: EntityManager, companyId: string, token: string): Promise<boolean> {
    if (!isUuid(companyId)) return false;
    const hash = hashToken(token);
    const key = `${companyId}:inbound:${hash}`;
    if (this.hot.get(key) !== undefined) return true;
    const rows = await em.execute<Array<{ id: string }>>('select id from companies where id = ? and whaticket_inbound_token = ?', [companyId, hash]);
    if (rows.length === 0) return false;
    this.hot.set(key, companyId);
    return true;
  }

  /**
   * The decrypted Cal.com webhook secret (every webhook delivery), cached briefly: `undefined` for an
   * unknown company, `null` when none is configured.
   */
  async webhookSecret(em: EntityManager, companyId: string): Promise<string | null | undefined> {
    if (!isUuid(companyId)) return undefined;
    const key = `${companyId}:webhook`;
    const cached = this.hot.get(key);
    if (cached !== undefined) return cached;
    const rows = await em.execute<Array<{ cal_webhook_secret: string | null }>>('select cal_webhook_secret from companies where id = ?', [companyId]);
    if (rows.length === 0) return undefined;
    const secret = this.secrets.decryptOptional(rows[0]!.cal_webhook_secret);
    this.hot.set(key, secret);
    return secret;
  }

  /**
   * What the Cloud API webhook checks on every call (verify token, app secret, phone number id),
   * decrypted and cached briefly like the other credential checks; `undefined` for an unknown company.
   */
  async cloudWebhookKeys(em: EntityManager, companyId: string): Promise<CloudWebhookKeys | undefined> {
    if (!isUuid(companyId)) return undefined;
    const key = `${companyId}:cloud`;
    const cached = this.hot.get(key);
    if (cached !== undefined) return cached === null ? undefined : (JSON.parse(cached) as CloudWebhookKeys);
    const rows = await em.execute<Array<{ cloud_app_secret: string | null; cloud_verify_token: string | null; cloud_phone_number_id: string | null }>>(
      'select cloud_app_secret, cloud_verify_token, cloud_phone_number_id from companies where id = ?',
      [companyId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const keys: CloudWebhookKeys = {
      appSecret: this.secrets.decryptOptional(row.cloud_app_secret),
      verifyToken: this.secrets.decryptOptional(row.cloud_verify_token),
      phoneNumberId: row.cloud_phone_number_id,
    };
    this.hot.set(key, JSON.stringify(keys));
    return keys;
  }

  async integrations(em: EntityManager, companyId: string): Promise<CompanyIntegrations | null> {
    if (!isUuid(companyId)) return null;
    const company = await em.findOne(Company, { id: companyId });
    return company ? this.integrationsOf(company) : null;
  }

  integrationsOf(company: Company): CompanyIntegrations {
    return {
      companyId: company.id,
      timezone: company.timezone,
      cal: {
        apiUrl: company.calApiUrl,
        apiKey: this.secrets.decryptOptional(company.calApiKey),
        eventTypeId: company.calEventTypeId,
        defaultUserId: company.calDefaultUserId,
        webhookSecret: this.secrets.decryptOptional(company.calWebhookSecret),
      },
      whaticket: { url: company.whaticketUrl, token: this.secrets.decryptOptional(company.whaticketToken) },
      whatsapp: this.whatsappOf(company),
    };
  }

  private whatsappOf(company: Company): WhatsappProviderSettings {
    const open = (sealed: string | null) => this.secrets.decryptOptional(sealed);
    return {
      provider: company.whatsappProvider,
      whaticket: { url: company.whaticketUrl, token: open(company.whaticketToken) },
      evolution: {
        url: company.evolutionUrl,
        apiKey: open(company.evolutionApiKey),
        instance: company.evolutionInstance,
        apiVersion: company.evolutionApiVersion === 1 ? 1 : 2,
      },
      cloud: {
        apiUrl: company.cloudApiUrl,
        apiVersion: company.cloudApiVersion,
        phoneNumberId: company.cloudPhoneNumberId,
        accessToken: open(company.cloudAccessToken),
        appSecret: open(company.cloudAppSecret),
        verifyToken: open(company.cloudVerifyToken),
        reminderTemplate: company.cloudReminderTemplate,
        templateLanguage: company.cloudTemplateLanguage,
      },
    };
  }

  /**
   * The provider refused the company's credentials for good (e.g. an expired Cloud API token): kept
   * for the panel until a settings change or a successful send clears it. `message` is our pt-BR text.
   */
  async markWhatsappBroken(em: EntityManager, companyId: string, message: string | null): Promise<void> {
    await em.execute(
      `update companies set whatsapp_connection_error = ?, whatsapp_connection_error_at = case when ?::text is null then null else now() end
        where id = ? and whatsapp_connection_error is distinct from ?`,
      [message, message, companyId, message],
    );
  }

  view(company: Company): CompanyView {
    const s = this.integrationsOf(company);
    return {
      id: company.id,
      name: company.name,
      timezone: company.timezone,
      calApiUrl: company.calApiUrl,
      calApiKey: maskSecret(s.cal.apiKey),
      calDefaultUserId: company.calDefaultUserId,
      calEventTypeId: company.calEventTypeId,
      calWebhookSecret: maskSecret(s.cal.webhookSecret),
      whaticketUrl: company.whaticketUrl,
      whaticketToken: maskSecret(s.whaticket.token),
      whaticketInboundTokenSet: company.whaticketInboundTokenHash !== null,
      calendarConfigured: Boolean(s.cal.apiKey && company.calEventTypeId),
      webhookPath: '/api/agenda/webhook/cal',
      whaticketInboundPath: `/api/whaticket/inbound/${company.id}`,
      whatsappProvider: company.whatsappProvider,
      evolutionUrl: company.evolutionUrl,
      evolutionApiKey: maskSecret(s.whatsapp.evolution.apiKey),
      evolutionInstance: company.evolutionInstance,
      evolutionApiVersion: s.whatsapp.evolution.apiVersion,
      cloudApiUrl: company.cloudApiUrl,
      cloudApiVersion: company.cloudApiVersion,
      cloudPhoneNumberId: company.cloudPhoneNumberId,
      cloudAccessToken: maskSecret(s.whatsapp.cloud.accessToken),
      cloudAppSecret: maskSecret(s.whatsapp.cloud.appSecret),
      cloudVerifyToken: maskSecret(s.whatsapp.cloud.verifyToken),
      cloudReminderTemplate: company.cloudReminderTemplate,
      cloudTemplateLanguage: company.cloudTemplateLanguage,
      evolutionInboundPath: `/api/whatsapp/evolution/${company.id}`,
      cloudInboundPath: `/api/whatsapp/cloud/${company.id}`,
      whatsappConnectionError: company.whatsappConnectionError,
      whatsappConnectionErrorAt: company.whatsappConnectionErrorAt,
      reminderOffsetsMinutes: company.reminderOffsetsMinutes,
      quietHoursStart: company.quietHoursStart || null,
      quietHoursEnd: company.quietHoursEnd || null,
    };
  }

  /** Save-time half of the outbound guard (each call checks again when it connects). */
  private async checkUrls(input: CompanySettings): Promise<void> {
    const fields = [
      ['calApiUrl', 'do Cal.com', input.calApiUrl],
      ['whaticketUrl', 'do Whaticket', input.whaticketUrl],
      ['evolutionUrl', 'do Evolution API', input.evolutionUrl],
      ['cloudApiUrl', 'da API do WhatsApp Cloud', input.cloudApiUrl],
    ] as const;
    for (const [field, service, raw] of fields) {
      const value = raw == null ? null : httpUrl(field, raw);
      if (!value || value === DEFAULT_CAL_API_URL || value === DEFAULT_CLOUD_API_URL) continue;
      try {
        await this.outbound.check(value);
      } catch (error) {
        if (!(error instanceof OutboundBlocked)) throw error;
        throw domainError('URL_INTERNAL', { service, field, host: error.host }, { field });
      }
    }
  }

  /** Validates and applies the given fields; returns the names of the fields that changed. */
  private apply(company: Company, input: CompanySettings): string[] {
    const changed: string[] = [];
    const set = <K extends keyof Company>(key: K, value: Company[K]) => {
      if (company[key] !== value) {
        company[key] = value;
        changed.push(String(key));
      }
    };
    if (input.name != null) {
      const name = input.name.trim();
      if (!name || name.length > 200) throw domainError('COMPANY_NAME_LENGTH');
      set('name', name);
    }
    if (input.timezone != null) {
      if (!isTimeZone(input.timezone)) throw domainError('TIMEZONE_UNKNOWN', { timezone: input.timezone });
      set('timezone', input.timezone);
    }
    if (input.calApiUrl != null) set('calApiUrl', httpUrl('calApiUrl', input.calApiUrl) ?? DEFAULT_CAL_API_URL);
    if (input.calDefaultUserId !== undefined) set('calDefaultUserId', input.calDefaultUserId?.trim() || null);
    if (input.calEventTypeId !== undefined) {
      if (input.calEventTypeId !== null && (!Number.isInteger(input.calEventTypeId) || input.calEventTypeId <= 0)) {
        throw domainError('EVENT_TYPE_ID_INVALID');
      }
      set('calEventTypeId', input.calEventTypeId);
    }
    if (input.whaticketUrl !== undefined) set('whaticketUrl', httpUrl('whaticketUrl', input.whaticketUrl ?? ''));
    this.applyWhatsapp(company, input, set);
    this.applyReminderSettings(company, input, changed);
    for (const key of SECRET_FIELDS) {
      const value = input[key];
      if (value === undefined || value === null) continue;
      if (value.length > 500) throw domainError('SETTING_TOO_LONG', { field: key });
      company[key] = value.trim() ? this.secrets.encrypt(value.trim()) : null;
      changed.push(key);
    }
    // A key goes only to the host it was entered for: a new URL needs the secret entered again
    // (unless this same change brings one).
    for (const [url, secret] of Object.entries(SECRET_OF_URL) as Array<[keyof typeof SECRET_OF_URL, SecretField]>) {
      if (changed.includes(url) && !changed.includes(secret) && company[secret] !== null) {
        company[secret] = null;
        changed.push(secret);
      }
    }
    if (company.whatsappConnectionError !== null && changed.some((field) => WHATSAPP_FIELDS.has(field))) {
      company.whatsappConnectionError = null;
      company.whatsappConnectionErrorAt = null;
    }
    return changed;
  }

  /** The provider choice and the non-secret Evolution / Cloud API settings. */
  private applyWhatsapp(company: Company, input: CompanySettings, set: <K extends keyof Company>(key: K, value: Company[K]) => void): void {
    if (input.whatsappProvider != null) {
      if (!(WHATSAPP_PROVIDERS as readonly string[]).includes(input.whatsappProvider)) {
        throw domainError('WHATSAPP_PROVIDER_INVALID', { raw: String(input.whatsappProvider).slice(0, 40) });
      }
      set('whatsappProvider', input.whatsappProvider);
    }
    if (input.evolutionUrl !== undefined) set('evolutionUrl', httpUrl('evolutionUrl', input.evolutionUrl ?? ''));
    if (input.evolutionInstance !== undefined) {
      const instance = input.evolutionInstance?.trim() ?? '';
      // It is a path segment of every Evolution call; Evolution's own names are short words.
      if (instance && (instance.length > 100 || /[/?#\\\s]/.test(instance))) throw domainError('EVOLUTION_INSTANCE_INVALID');
      set('evolutionInstance', instance || null);
    }
    if (input.evolutionApiVersion != null) {
      if (input.evolutionApiVersion !== 1 && input.evolutionApiVersion !== 2) throw domainError('EVOLUTION_API_VERSION_INVALID');
      set('evolutionApiVersion', input.evolutionApiVersion);
    }
    if (input.cloudApiUrl != null) set('cloudApiUrl', httpUrl('cloudApiUrl', input.cloudApiUrl) ?? DEFAULT_CLOUD_API_URL);
    if (input.cloudApiVersion != null) {
      const version = input.cloudApiVersion.trim() || DEFAULT_CLOUD_API_VERSION;
      if (!/^v\d{1,3}\.\d{1,3}$/.test(version)) throw domainError('CLOUD_API_VERSION_INVALID', { raw: version.slice(0, 40) });
      set('cloudApiVersion', version);
    }
    if (input.cloudPhoneNumberId !== undefined) {
      const id = input.cloudPhoneNumberId?.trim() ?? '';
      if (id && !/^\d{1,30}$/.test(id)) throw domainError('CLOUD_PHONE_NUMBER_ID_INVALID');
      set('cloudPhoneNumberId', id || null);
    }
    if (input.cloudReminderTemplate !== undefined) {
      const name = input.cloudReminderTemplate?.trim() ?? '';
      // Meta's template names: lowercase letters, digits and underscores, at most 512 characters.
      if (name && !/^[a-z0-9_]{1,512}$/.test(name)) throw domainError('CLOUD_TEMPLATE_INVALID');
      set('cloudReminderTemplate', name || null);
    }
    if (input.cloudTemplateLanguage != null) {
      const language = input.cloudTemplateLanguage.trim() || DEFAULT_CLOUD_TEMPLATE_LANGUAGE;
      if (!/^[a-z]{2,3}(_[A-Z]{2})?$/.test(language)) throw domainError('CLOUD_TEMPLATE_LANGUAGE_INVALID', { raw: language.slice(0, 20) });
      set('cloudTemplateLanguage', language);
    }
  }

  /** Reminder offsets and quiet hours (ARCHITECTURE §9); workers re-plan on COMPANY_CHANGED_CHANNEL. */
  private applyReminderSettings(company: Company, input: CompanySettings, changed: string[]): void {
    if (input.reminderOffsetsMinutes != null) {
      const offsets = cleanReminderOffsets(input.reminderOffsetsMinutes);
      if (offsets.join(',') !== company.reminderOffsetsMinutes.join(',')) {
        company.reminderOffsetsMinutes = offsets;
        changed.push('reminderOffsetsMinutes');
      }
    }
    if (input.quietHoursStart != null || input.quietHoursEnd != null) {
      const quiet = cleanQuietHours(input.quietHoursStart ?? company.quietHoursStart, input.quietHoursEnd ?? company.quietHoursEnd);
      for (const [key, value] of [['quietHoursStart', quiet.start], ['quietHoursEnd', quiet.end]] as const) {
        if (company[key] !== value) {
          company[key] = value;
          changed.push(key);
        }
      }
    }
  }
}

const DEFAULT_CAL_API_URL = 'https://api.cal.com';

function httpUrl(field: string, raw: string): string | null {
  const value = raw.trim().replace(/\/+$/, '');
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw domainError('URL_INVALID', { field, raw });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw domainError('URL_NOT_HTTP', { field });
  return value;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}
