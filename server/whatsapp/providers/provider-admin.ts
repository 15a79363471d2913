import type { EntityManager } from '@mikro-orm/postgresql';
import { requireAdmin, type Tenant } from '../../auth/tenant.js';
import type { CompanyService } from '../../companies/company.service.js';
import { domainError } from '../../platform/errors.js';
import { WHATSAPP_DELIVERY_TEXTS } from '../../platform/messages.js';
import type { OutboundGuard } from '../../platform/outbound-guard.js';
import { ProviderError, type ConnectionCheck, type WhatsappProviderId } from './provider.js';
import type { ProviderRegistry } from './registry.js';

export interface ConnectionTestResult extends ConnectionCheck {
  provider: WhatsappProviderId;
}

export interface DeliveryErrorRow {
  id: string;
  phone: string;
  body: string;
  provider: WhatsappProviderId | null;
  status: string;
  deliveryStatus: string | null;
  error: string;
  at: Date;
}

const ERRORS_LIMIT = 50;

/** The panel's side of the providers: "Testar conexão" and the last delivery errors. */
export class ProviderAdmin {
  constructor(
    private readonly deps: { companies: CompanyService; providers: ProviderRegistry; outbound?: OutboundGuard },
  ) {}

  /**
   * Asks the company's provider whether the connection works (Evolution: the instance's state; Cloud
   * API: the phone number lookup). A refusal of the credentials marks the connection broken, a
   * working one clears that mark.
   */
  async testConnection(em: EntityManager, tenant: Tenant): Promise<ConnectionTestResult> {
    requireAdmin(tenant);
    const company = await this.deps.companies.integrations(em, tenant.companyId);
    if (!company) throw domainError('COMPANY_NOT_FOUND');
    const provider = company.whatsapp.provider;
    const adapter = this.deps.providers.get(provider);
    const link = adapter?.connect(company.whatsapp, { fetch: this.deps.outbound?.fetch });
    if (!link || 'notConfigured' in link) {
      return { provider, ok: false, state: 'not_configured', message: link?.notConfigured ?? WHATSAPP_DELIVERY_TEXTS.providerUnavailable };
    }
    try {
      const check = await link.connection.testConnection();
      if (check.ok) await this.deps.companies.markWhatsappBroken(em, tenant.companyId, null);
      return { provider, ...check };
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.kind === 'broken') await this.deps.companies.markWhatsappBroken(em, tenant.companyId, error.userMessage);
      return { provider, ok: false, state: error.status === null ? error.kind : `HTTP ${error.status}`, message: error.userMessage };
    }
  }

  /** The company's latest replies that failed or whose delivery failed, newest first, with our pt-BR reason. */
  async deliveryErrors(em: EntityManager, tenant: Tenant, first = 10): Promise<DeliveryErrorRow[]> {
    requireAdmin(tenant);
    const limit = Math.max(0, Math.min(ERRORS_LIMIT, Math.trunc(first)));
    const rows = await em.execute<Array<{
      id: string; phone: string; body: string; provider: WhatsappProviderId | null; status: string; delivery_status: string | null;
      delivery_error: string | null; at: Date;
    }>>(
      `select id, phone, body, provider, status, delivery_status, delivery_error, coalesce(delivery_updated_at, created_at) as at
         from outbound_messages
        where company_id = ? and (status = 'FAILED' or delivery_status = 'FAILED')
        order by created_at desc limit ${limit}`,
      [tenant.companyId],
    );
    return rows.map((r) => ({
      id: r.id,
      phone: r.phone,
      body: r.body.slice(0, 200),
      provider: r.provider,
      status: r.status,
      deliveryStatus: r.delivery_status,
      // Rows failed before delivery errors were kept have only the provider's text, which is not shown.
      error: r.delivery_error ?? WHATSAPP_DELIVERY_TEXTS.failedEarlier,
      at: new Date(r.at),
    }));
  }
}
