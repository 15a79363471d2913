import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { requireAdmin, type Tenant } from '../auth/tenant.js';
import { domainError } from '../platform/errors.js';
import { placeholders } from './handoff.js';
import { MAX_TEXT_LENGTH, type InboundText } from './inbound-payload.js';
import type { ChatMessage, InboundStore } from './inbound-store.js';
import { brazilianVariants, canonicalPhone, normalizePhone } from '../shared/phone.js';

const TRANSCRIPT_LIMIT = 100;

/** The admin simulator: messages through the real pipeline, replies captured instead of sent. */
export class Simulator {
  constructor(private readonly inbound: InboundStore) {}

  /** Same pipeline as a real message; replies are CAPTURED instead of sent to Whaticket. */
  async simulate(em: EntityManager, tenant: Tenant, input: { phone: string; body: string; name?: string | null }): Promise<ChatMessage> {
    requireAdmin(tenant);
    const phone = simulatorPhone(input.phone);
    const text = input.body.trim();
    if (!text) throw domainError('SIMULATOR_TEXT_EMPTY');
    if (text.length > MAX_TEXT_LENGTH) throw domainError('SIMULATOR_TEXT_TOO_LONG', { max: MAX_TEXT_LENGTH });
    const name = (input.name ?? '').trim().slice(0, 200);
    const message: InboundText = { kind: 'message', messageId: `sim:${randomUUID()}`, phone, contactPhone: phone, name, text };
    const { value } = await this.inbound.receive(em, tenant.companyId, message, { simulated: true, provider: 'simulator' });
    return value!;
  }

  /** The contact's last messages both ways (real and simulated), oldest first. */
  async transcript(em: EntityManager, tenant: Tenant, rawPhone: string): Promise<ChatMessage[]> {
    requireAdmin(tenant);
    const phone = simulatorPhone(rawPhone);
    const phones = brazilianVariants(phone);
    const rows = await em.execute<Array<{ id: string; direction: 'IN' | 'OUT'; body: string; at: Date; status: string }>>(
      `select * from (
         select m.id, 'IN' as direction, m.body, m.received_at as at, m.status
           from inbound_messages m
          where m.company_id = ? and m.phone in (${placeholders(phones)})
         union all
         select m.id, 'OUT' as direction, m.body, m.created_at as at, m.status
           from outbound_messages m join contacts c on c.id = m.contact_id
          where m.company_id = ? and c.company_id = ? and c.phone = ?
       ) t order by at desc, direction desc limit ${TRANSCRIPT_LIMIT}`,
      [tenant.companyId, ...phones, tenant.companyId, tenant.companyId, phone],
    );
    return rows.reverse().map((r) => ({ id: r.id, direction: r.direction, body: r.body, at: new Date(r.at), status: r.status }));
  }
}

function simulatorPhone(raw: string): string {
  const digits = normalizePhone(raw);
  if (!digits) throw domainError('PHONE_INVALID');
  return canonicalPhone(digits);
}
