import type { EntityManager } from '@mikro-orm/postgresql';
import { WHATSAPP_DELIVERY_TEXTS as T } from '../../platform/messages.js';
import { brazilianVariants, isLidAddress } from '../../shared/phone.js';
import { placeholders } from '../handoff.js';
import type { OutboundMessage } from '../outbound-message.entity.js';
import { ProviderError, type SendResult, type WhatsappConnection } from './provider.js';

/**
 * The 24-hour customer-service window (ref whatsapp-cloud-api.md §5), for providers that have one
 * (`WhatsappConnection.customerServiceWindowMs`: the Cloud API). A reminder to someone who has not
 * written within the window goes as the company's approved template, known beforehand from the last
 * message they sent us, or learned from Meta (131047, answered at once or reported later by a
 * `failed` status, see `reopenForTemplate`). Replies are answers to a message, so inside the window
 * by nature; one refused anyway fails with the reason shown in the panel. The one place every send
 * passes: a LID recipient is refused here unless the connection `sendsToLid`.
 */
export async function deliverOutbound(tx: EntityManager, connection: WhatsappConnection, row: OutboundMessage, now: Date): Promise<SendResult> {
  // A row addressed to a LID (written while the company used Evolution API) never goes to a gateway
  // that would read its digits as a phone number.
  if (isLidAddress(row.phone) && !connection.sendsToLid) {
    throw new ProviderError({ kind: 'rejected', message: `recipient ${row.phone} is a LID`, userMessage: T.lidUnknown });
  }
  const template = row.kind === 'REMINDER' && connection.customerServiceWindowMs ? { parameters: [], ...row.template } : null;
  if (template && (row.windowClosedAt || !(await windowOpen(tx, row, connection.customerServiceWindowMs!, now)))) {
    return sentAs(row, 'TEMPLATE', await connection.sendTemplate(row.phone, template));
  }
  try {
    const sent = await connection.sendText(row.phone, row.body);
    return sentAs(row, sent.form ?? 'TEXT', sent);
  } catch (error) {
    if (!template || !(error instanceof ProviderError) || error.kind !== 'window_closed') throw error;
    row.windowClosedAt = now;
    return sentAs(row, 'TEMPLATE', await connection.sendTemplate(row.phone, template));
  }
}

function sentAs(row: OutboundMessage, form: 'TEXT' | 'BUTTONS' | 'TEMPLATE', sent: SendResult): SendResult {
  row.sentAs = form;
  return sent;
}

/**
 * True when the person wrote to the company within the window (either spelling of a Brazilian
 * mobile). A margin keeps a message sent right at the edge from being refused on arrival.
 */
async function windowOpen(tx: EntityManager, row: OutboundMessage, windowMs: number, now: Date): Promise<boolean> {
  const phones = brazilianVariants(row.phone);
  const rows = await tx.execute<Array<{ last: Date | null }>>(
    `select max(received_at) as last from inbound_messages where company_id = ? and phone in (${placeholders(phones)}) and not simulated`,
    [row.companyId, ...phones],
  );
  const last = rows[0]?.last;
  return last != null && now.getTime() - new Date(last).getTime() < windowMs - WINDOW_MARGIN_MS;
}

const WINDOW_MARGIN_MS = 10 * 60 * 1000;

/**
 * Meta accepted a free-form reminder, then reported it failed with 131047 (window closed): put the
 * row back in the outbox to go as the template. Only a reminder sent as text or buttons, once:
 * duplicates of the status, or a status for a row already re-sent (its wamid changed), match nothing.
 * Returns the ids to enqueue.
 */
export async function reopenForTemplate(em: EntityManager, companyId: string, providerMessageIds: string[]): Promise<string[]> {
  if (providerMessageIds.length === 0) return [];
  const rows = await em.execute<Array<{ id: string }>>(
    `update outbound_messages
        set status = 'PENDING', window_closed_at = now(), delivery_status = null, delivery_updated_at = now()
      where company_id = ? and provider_message_id in (${placeholders(providerMessageIds)})
        and kind = 'REMINDER' and status = 'SENT' and window_closed_at is null and coalesce(sent_as, '') <> 'TEMPLATE'
      returning id`,
    [companyId, ...providerMessageIds],
  );
  return rows.map((r) => r.id);
}
