import type { EntityManager } from '@mikro-orm/postgresql';
import { requireAdmin, type Tenant } from '../auth/tenant.js';
import type { AppointmentService } from '../appointments/appointment.service.js';
import { DomainError } from '../platform/errors.js';
import type { CalcomConnectionTest, WebhookDiagnosticView } from './calcom.types.js';
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
      ...accepted.map((d) => ({
        at: d.receivedAt,
        trigger: d.trigger,
        outcome: d.outcome,
        reason: d.outcome === 'pending' ? PENDING_REASON : d.reason,
        bookingUid: d.bookingUid,
      })),
      ...this.rejections.list(tenant.companyId),
    ];
    return all.sort((x, y) => y.at.getTime() - x.at.getTime()).slice(0, limit);
  }
}
