import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { audit, type Actor } from '../audit/audit.service.js';
import type { CompanyService } from '../companies/company.service.js';
import type { Metrics } from '../platform/metrics.js';
import { Contact } from './contact.entity.js';
import { ensureContact, ensureConversation } from './contacts.js';
import type { ConversationEngine, Turn } from './conversation.engine.js';
import { Conversation } from './conversation.entity.js';
import { placeholders, type Handoff } from './handoff.js';
import { InboundMessage } from './inbound-message.entity.js';
import type { Outbox } from './outbox.js';
import { brazilianVariants, canonicalPhone } from '../shared/phone.js';

const WHATSAPP_ACTOR = (contact: { id: string; phone: string; name: string }): Actor => ({
  type: 'WHATSAPP',
  id: contact.id,
  label: contact.name || contact.phone,
});

/**
 * The inbound job's work: one stored message → the conversation engine's decision → reply rows in
 * the outbox, all in one transaction under the contact's conversation lock.
 *
 * Exactly once: the job locks the contact's conversation row (FOR UPDATE) and re-checks the message
 * is still RECEIVED before deciding, and marks it PROCESSED in the same transaction as the new state
 * and the replies (`(company_id, dedupe_key)` = `reply:<inbound id>:<n>`). Booking itself goes
 * through AppointmentService, whose slot claim is a unique index.
 */
export class TurnProcessor {
  constructor(
    private readonly deps: {
      engine: ConversationEngine;
      companies: CompanyService;
      metrics: Metrics;
      outbox: Outbox;
      handoff: Handoff;
      /** Metric label of a provider id (`whaticket`, `evolution`, `cloud`). */
      providerLabel: (id: string) => string;
      /** Clock of the bot (read at each turn, so tests may pin it). */
      now: () => Date;
    },
  ) {}

  /**
   * Job handler for one stored message. Earlier unprocessed messages of the same contact are handled
   * first, each in its own transaction, so replies follow the order the person wrote in even when
   * several workers pick up a burst of messages.
   */
  async processInbound(em: EntityManager, inboundId: string, options: { final?: boolean } = {}): Promise<void> {
    const heads = await em.execute<Array<{ phone: string }>>('select phone from inbound_messages where id = ?', [inboundId]);
    if (!heads[0]) return;
    // One person may write from both spellings of a Brazilian mobile (with and without the 9).
    const phones = brazilianVariants(heads[0].phone);
    const ids = await em.execute<Array<{ id: string }>>(
      `select m.id from inbound_messages m
         join inbound_messages head on head.id = ?
        where m.company_id = head.company_id and m.phone in (${placeholders(phones)}) and m.status = 'RECEIVED'
          and (m.received_at, m.id) <= (head.received_at, head.id)
        order by m.received_at, m.id`,
      [inboundId, ...phones],
    );
    for (const { id } of ids) {
      try {
        await this.processOne(em.fork(), id);
      } catch (error) {
        if (options.final && id === inboundId) await this.markFailed(em.fork(), id, error);
        throw error;
      }
    }
  }

  private async processOne(em: EntityManager, inboundId: string): Promise<void> {
    const done = await em.transactional(async (tx) => {
      const refs = await tx.execute<Array<{ company_id: string; contact_id: string | null; phone: string; sender_name: string; status: string }>>(
        'select company_id, contact_id, phone, sender_name, status from inbound_messages where id = ?',
        [inboundId],
      );
      const ref = refs[0];
      if (!ref || ref.status !== 'RECEIVED') return null;
      const companyId = ref.company_id;
      const contactId = ref.contact_id ?? (await ensureContact(tx, companyId, canonicalPhone(ref.phone), ref.sender_name, { rename: true }));

      // The conversation row is the per-contact lock: two messages of one person (or two deliveries
      // of one "1") are decided one after the other, on any number of workers.
      await ensureConversation(tx, companyId, contactId);
      const conversation = await tx.findOneOrFail(Conversation, { companyId, contactId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const message = await tx.findOneOrFail(InboundMessage, { id: inboundId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (message.status !== 'RECEIVED') return null;
      message.contactId = contactId;

      const contact = await tx.findOneOrFail(Contact, { id: contactId, companyId });
      const company = await this.deps.companies.integrations(tx, companyId);
      if (!company) return null;
      const person = { id: contact.id, phone: contact.phone, name: message.senderName || contact.name };
      const turn: Turn = {
        tx,
        side: em.fork(),
        scope: { companyId, actor: WHATSAPP_ACTOR(person) },
        companyId,
        timeZone: company.timezone,
        now: this.deps.now(),
        inboundId,
        contact: person,
        conversation,
      };
      const result = await this.deps.engine.handle(turn, message.body, message.media ?? undefined);

      const outboundIds = await this.deps.outbox.insertReplies(tx, message, result.replies);
      if (outboundIds.length > 0) {
        audit(tx, companyId, turn.scope.actor, 'bot.reply', `conversation:${conversation.id}`, {
          inboundId,
          outboundIds,
          captured: message.simulated,
        });
      }
      message.status = result.handled ? 'PROCESSED' : 'IGNORED';
      message.outcome = `${result.intent.toLowerCase()}:${result.outcome}`;
      message.processedAt = new Date();
      const provider = message.simulated ? 'simulator' : this.deps.providerLabel(company.whatsapp.provider);
      return { companyId, provider, intent: result.intent, outboundIds, simulated: message.simulated };
    });
    if (!done) return;

    const { metrics } = this.deps;
    metrics.whatsappInbound.inc({ company: done.companyId, intent: done.intent.toLowerCase(), provider: done.provider });
    if (done.simulated) {
      if (done.outboundIds.length) metrics.whatsappOutbound.inc({ company: done.companyId, outcome: 'captured', provider: done.provider }, done.outboundIds.length);
      return;
    }
    await this.deps.handoff.enqueue('outbound', done.outboundIds);
  }

  private async markFailed(em: EntityManager, inboundId: string, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    await em.execute(
      `update inbound_messages set status = 'FAILED', outcome = ?, processed_at = now() where id = ? and status = 'RECEIVED'`,
      [`error:${reason}`.slice(0, 500), inboundId],
    );
  }
}
