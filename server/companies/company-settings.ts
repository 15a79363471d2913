// Company settings: validating and applying a settings change, the URLs to guard, the masked view.
import { domainError } from '../platform/errors.js';
import type { Company } from './company.entity.js';
import type { CompanyView } from './company.types.js';
import { cleanQuietHours, cleanReminderOffsets } from './reminder-settings.js';
import { maskSecret } from './secret-box.js';
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
/** Fields the reminder plan depends on (ARCHITECTURE §9): a change re-plans the upcoming reminders. */
export const REMINDER_FIELDS: ReadonlySet<string> = new Set(['reminderOffsetsMinutes', 'quietHoursStart', 'quietHoursEnd', 'timezone']);

const DEFAULT_CAL_API_URL = 'https://api.cal.com';
type Setter = <K extends keyof Company>(key: K, value: Company[K]) => void;

/**
 * The tenant URLs of `input` the outbound guard checks at save time (each call checks again when it
 * connects), with the field and the pt-BR service name for the error; our defaults are skipped.
 * Throws on a malformed URL.
 */
export function urlsToGuard(input: CompanySettings): Array<{ field: string; service: string; url: string }> {
  const fields = [
    ['calApiUrl', 'do Cal.com', input.calApiUrl],
    ['whaticketUrl', 'do Whaticket', input.whaticketUrl],
    ['evolutionUrl', 'da Evolution API', input.evolutionUrl],
    ['cloudApiUrl', 'da API do WhatsApp Cloud', input.cloudApiUrl],
  ] as const;
  const urls: Array<{ field: string; service: string; url: string }> = [];
  for (const [field, service, raw] of fields) {
    const url = raw == null ? null : httpUrl(field, raw);
    if (!url || url === DEFAULT_CAL_API_URL || url === DEFAULT_CLOUD_API_URL) continue;
    urls.push({ field, service, url });
  }
  return urls;
}

/**
 * Validates and applies the given fields to `company`; returns the names of the fields that changed.
 * `encrypt` seals a secret (SecretBox.encrypt). Throws a DomainError on bad input.
 */
export function applySettings(company: Company, input: CompanySettings, encrypt: (plain: string) => string): string[] {
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
  applyWhatsapp(company, input, set);
  applyReminderSettings(company, input, changed);
  for (const key of SECRET_FIELDS) {
    const value = input[key];
    if (value === undefined || value === null) continue;
    if (value.length > 500) throw domainError('SETTING_TOO_LONG', { field: key });
    company[key] = value.trim() ? encrypt(value.trim()) : null;
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
function applyWhatsapp(company: Company, input: CompanySettings, set: Setter): void {
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

/** Reminder offsets and quiet hours (ARCHITECTURE §9); workers re-plan on REMINDER_SETTINGS_CHANNEL. */
function applyReminderSettings(company: Company, input: CompanySettings, changed: string[]): void {
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

/** The decrypted secrets the view masks (a CompanyIntegrations has them). */
interface CompanyIntegrationsLike {
  cal: { apiKey: string | null; webhookSecret: string | null };
  whatsapp: WhatsappProviderSettings;
}

/** The API shape of a company, its secrets masked (`s`: its decrypted integrations). */
export function companyView(company: Company, s: CompanyIntegrationsLike): CompanyView {
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
    whaticketToken: maskSecret(s.whatsapp.whaticket.token),
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

/** A trimmed http(s) URL without trailing slashes; null when empty. */
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
