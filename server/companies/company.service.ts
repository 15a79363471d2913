// Companies: creating and changing them, the cached credential checks, the decrypted integrations.
import type { EntityManager } from '@mikro-orm/postgresql';
import { audit, type Actor } from '../audit/audit.service.js';
import { requireAdmin, type Tenant } from '../auth/tenant.js';
import { hashToken, newToken } from '../auth/tokens.js';
import { domainError } from '../platform/errors.js';
import { OutboundBlocked, type OutboundGuard } from '../platform/outbound-guard.js';
import { TtlCache } from '../platform/ttl-cache.js';
import { isUuid } from '../shared/ids.js';
import { Company } from './company.entity.js';
import { applySettings, companyView, REMINDER_FIELDS, urlsToGuard, type CompanySettings } from './company-settings.js';
import type { CompanyView } from './company.types.js';
import type { SecretBox } from './secret-box.js';
import type { WhatsappProviderSettings } from './whatsapp-provider.js';

export type { CompanySettings } from './company-settings.js';

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
  /**
   * Every provider's settings (Whaticket's in `whatsapp.whaticket`); `connectionBroken`: the provider
   * refused the credentials for good (`markWhatsappBroken`), so a successful send has a mark to clear.
   */
  whatsapp: WhatsappProviderSettings & { connectionBroken: boolean };
}

export interface CloudWebhookKeys {
  appSecret: string | null;
  verifyToken: string | null;
  phoneNumberId: string | null;
}

/** How long a public endpoint may trust a cached credential check; changes evict at once (see `changed`). */
const HOT_TTL_MS = 5_000;
export const COMPANY_CHANGED_CHANNEL = 'secretaria_company_changed';
/**
 * Also sent (in the change's transaction) when a field the reminder plan depends on changed
 * (REMINDER_FIELDS): the workers re-plan the company's upcoming reminders. A rename, a key or a token
 * rotation re-plans nothing.
 */
export const REMINDER_SETTINGS_CHANNEL = 'secretaria_reminder_settings_changed';

export class CompanyService {
  /**
   * Credential checks of the public endpoints (inbound token, webhook secret), per company. Every
   * settings change sends `pg_notify(COMPANY_CHANGED_CHANNEL, id)` in its transaction and every
   * instance drops that company's entries (`forget`), so the TTL only bounds a lost notification.
   */
  private readonly hot = new TtlCache<string | null>(HOT_TTL_MS);
  /** The Cloud API webhook's keys, same lifetime as `hot`; kept as objects (frozen: callers share them). */
  private readonly cloudKeys = new TtlCache<Readonly<CloudWebhookKeys>>(HOT_TTL_MS);

  constructor(
    private readonly secrets: SecretBox,
    /** Refuses tenant URLs that point inside our network (ARCHITECTURE §11). */
    private readonly outbound: OutboundGuard,
  ) {}

  /** Drops cached credential checks of one company, or of all (after a lost notification). */
  forget(companyId?: string): void {
    this.hot.clear(companyId ? `${companyId}:` : '');
    this.cloudKeys.clear(companyId ? `${companyId}:` : '');
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
    applySettings(company, input, (plain) => this.secrets.encrypt(plain));
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
      const changed = applySettings(company, input, (plain) => this.secrets.encrypt(plain));
      audit(tx, company.id, actor, 'company.settings_updated', `company:${company.id}`, { changed });
      if (changed.some((field) => REMINDER_FIELDS.has(field))) await tx.execute('select pg_notify(?, ?)', [REMINDER_SETTINGS_CHANNEL, company.id]);
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
  async cloudWebhookKeys(em: EntityManager, companyId: string): Promise<Readonly<CloudWebhookKeys> | undefined> {
    if (!isUuid(companyId)) return undefined;
    const key = `${companyId}:cloud`;
    const cached = this.cloudKeys.get(key);
    if (cached !== undefined) return cached;
    const rows = await em.execute<Array<{ cloud_app_secret: string | null; cloud_verify_token: string | null; cloud_phone_number_id: string | null }>>(
      'select cloud_app_secret, cloud_verify_token, cloud_phone_number_id from companies where id = ?',
      [companyId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const keys: Readonly<CloudWebhookKeys> = Object.freeze({
      appSecret: this.secrets.decryptOptional(row.cloud_app_secret),
      verifyToken: this.secrets.decryptOptional(row.cloud_verify_token),
      phoneNumberId: row.cloud_phone_number_id,
    });
    this.cloudKeys.set(key, keys);
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
      whatsapp: this.whatsappOf(company),
    };
  }

  private whatsappOf(company: Company): CompanyIntegrations['whatsapp'] {
    const open = (sealed: string | null) => this.secrets.decryptOptional(sealed);
    return {
      provider: company.whatsappProvider,
      connectionBroken: company.whatsappConnectionError !== null,
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
    return companyView(company, this.integrationsOf(company));
  }

  /** Save-time half of the outbound guard (each call checks again when it connects). */
  private async checkUrls(input: CompanySettings): Promise<void> {
    for (const { field, service, url } of urlsToGuard(input)) {
      try {
        await this.outbound.check(url);
      } catch (error) {
        if (!(error instanceof OutboundBlocked)) throw error;
        throw domainError('URL_INTERNAL', { service, field, host: error.host }, { field });
      }
    }
  }
}
