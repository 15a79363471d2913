import type { EntityManager } from '@mikro-orm/postgresql';
import { requireAdmin, requireWrite, type Tenant } from '../auth/tenant.js';
import { audit } from '../audit/audit.service.js';
import { isUuid } from '../shared/ids.js';
import type { AppointmentService } from '../appointments/appointment.service.js';
import { DomainError, domainError } from '../platform/errors.js';
import type { CalcomConnectionTest, WebhookDiagnosticView } from './calcom.types.js';
import { WEBHOOK_CHANNEL } from './webhook-applier.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';
import type { RejectedWebhooks } from './webhook-diagnostics.js';

/** A stored delivery not applied yet: the 200 went out, it is applied within milliseconds. */
export const PENDING_REASON = 'Recebido; aplicando.';

/** The Settings tab's Cal.com tools: connection test and recent webhook deliveries. */
export class CalcomAdminService {
  constructor(
    private readonly appointments: AppointmentService,
    private readonly rejections: RejectedWebhooks,
  ) {}

  async testConnection(em: EntityManager, tenant: Tenant): Promise<CalcomConnectionTest> {
    requireAdmin(tenant);
    const from = new Date();
    const to = new Date(from.getTime() + 7 * 86_400_000);
    try {
      const slots = await this.appointments.availability(em, tenant, from, to);
      return slots.length
        ? { ok: true, message: `Conexão com o Cal.com funcionando: ${slots.length} horários livres nos próximos 7 dias.`, slotCount: slots.length }
        : {
            ok: true,
            message: 'Conexão funcionando, mas não há horários livres nos próximos 7 dias: confira o usuário padrão e a disponibilidade no Cal.com.',
            slotCount: 0,
          };
    } catch (error) {
      if (error instanceof DomainError) return { ok: false, message: error.message, slotCount: 0 };
      throw error;
    }
  }

  async diagnostics(em: EntityManager, tenant: Tenant, first = 20): Promise<WebhookDiagnosticView[]> {
    requireAdmin(tenant);
    const limit = Math.max(0, Math.min(first, 100));
    // `body` is lazy: the raw bodies of pending deliveries are not loaded.
    const accepted = await em.find(WebhookDelivery, { companyId: tenant.companyId }, { orderBy: { receivedAt: 'desc' }, limit });
    const all: WebhookDiagnosticView[] = [
      ...accepted.map(diagnosticOf),
      ...this.rejections.list(tenant.companyId),
    ];
    return all.sort((x, y) => y.at.getTime() - x.at.getTime()).slice(0, limit);
  }

  /**
   * Puts a failed delivery back in the queue with its attempts reset (its body was kept), and wakes
   * every instance's applier. Only `failed` ones: anything else is being applied or is done.
   */
  async retryDelivery(em: EntityManager, tenant: Tenant, id: string): Promise<WebhookDiagnosticView> {
    requireAdmin(tenant);
    requireWrite(tenant);
    const delivery = await this.failedDelivery(em, tenant, id);
    if (delivery.body === null) throw domainError('WEBHOOK_BODY_MISSING');
    await em.transactional(async (tx) => {
      await tx.getConnection().execute(
        `update webhook_deliveries set outcome = 'pending', attempts = 0, retry_at = null, reason = null where id = ? and company_id = ? and outcome = 'failed'`,
        [delivery.id, tenant.companyId],
        'run',
        tx.getTransactionContext(),
      );
      await tx.getConnection().execute('select pg_notify(?, ?)', [WEBHOOK_CHANNEL, tenant.companyId], 'get', tx.getTransactionContext());
      audit(tx, tenant.companyId, tenant.actor, 'webhook.retried', delivery.id, { trigger: delivery.trigger, bookingUid: delivery.bookingUid });
    });
    return diagnosticOf({ ...delivery, outcome: 'pending', attempts: 0, reason: null });
  }

  /** Gives up on a failed delivery: it stays listed as `discarded`, its body is dropped. */
  async discardDelivery(em: EntityManager, tenant: Tenant, id: string): Promise<WebhookDiagnosticView> {
    requireAdmin(tenant);
    requireWrite(tenant);
    const delivery = await this.failedDelivery(em, tenant, id);
    const reason = 'Descartada por um administrador.';
    await em.transactional(async (tx) => {
      await tx.getConnection().execute(
        `update webhook_deliveries set outcome = 'discarded', retry_at = null, body = null, reason = ? where id = ? and company_id = ? and outcome = 'failed'`,
        [reason, delivery.id, tenant.companyId],
        'run',
        tx.getTransactionContext(),
      );
      audit(tx, tenant.companyId, tenant.actor, 'webhook.discarded', delivery.id, { trigger: delivery.trigger, bookingUid: delivery.bookingUid });
    });
    return diagnosticOf({ ...delivery, outcome: 'discarded', reason });
  }

  /** The tenant's delivery `id`, which must have failed; another company's is "not found". */
  private async failedDelivery(em: EntityManager, tenant: Tenant, id: string): Promise<WebhookDelivery> {
    if (!isUuid(id)) throw domainError('WEBHOOK_DELIVERY_NOT_FOUND');
    const delivery = await em.findOne(WebhookDelivery, { id, companyId: tenant.companyId }, { populate: ['body'] });
    if (!delivery) throw domainError('WEBHOOK_DELIVERY_NOT_FOUND');
    if (delivery.outcome !== 'failed') throw domainError('WEBHOOK_DELIVERY_NOT_FAILED');
    return delivery;
  }
}

function diagnosticOf(d: Pick<WebhookDelivery, 'id' | 'receivedAt' | 'trigger' | 'outcome' | 'reason' | 'bookingUid' | 'attempts'>): WebhookDiagnosticView {
  return {
    id: d.id,
    at: d.receivedAt,
    trigger: d.trigger,
    outcome: d.outcome,
    reason: d.outcome === 'pending' && !d.reason ? PENDING_REASON : d.reason,
    bookingUid: d.bookingUid,
    attempts: d.attempts,
  };
}
