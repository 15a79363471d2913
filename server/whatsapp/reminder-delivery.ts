import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { canonicalPhone } from '../shared/phone.js';
import { ensureContact, ensureConversation } from './contacts.js';
import type { ConversationData } from './conversation.state.js';

/** One reminder handed to WhatsApp (server/reminders builds it; this file owns the WhatsApp tables). */
export interface ReminderDelivery {
  companyId: string;
  appointmentId: string;
  offsetMinutes: number;
  /** Digits, country code first (the appointment's client phone). */
  phone: string;
  clientName: string;
  body: string;
  /** `reminder:<appointmentId>:<offset>` (and `:<round>` for a re-send after a reschedule). */
  dedupeKey: string;
  /** Body parameters for a template send (the Cloud API adapter adds name/language). */
  parameters: string[];
  /** The answers 1/2/3 are read as answers to this reminder until then (the start). */
  answerUntil: Date;
}

/**
 * In the caller's transaction (the one that claimed the reminder row), never waiting for a turn of
 * the same person (a lock it cannot take at once is an error the claim reads as "not now"): the
 * contact, the conversation state AWAITING_REMINDER_ANSWER naming the appointment — unless the
 * person is in the middle of another flow (offered slots, a cancel confirmation), which a reminder
 * must not clobber — and the outbox row (kind REMINDER). The outbox's `(company_id, dedupe_key)` constraint makes the message
 * exactly-once even if two claims ever raced. Returns the outbox row id.
 */
export async function queueReminderMessage(tx: EntityManager, delivery: ReminderDelivery, now: Date): Promise<string> {
  const phone = canonicalPhone(delivery.phone);
  // The appointment's name only names a new contact: the one the person chose on WhatsApp stays.
  const contactId = await ensureContact(tx, delivery.companyId, phone, delivery.clientName.slice(0, 200), { rename: false });
  await ensureConversation(tx, delivery.companyId, contactId);
  // NOWAIT: the claim holds due reminder rows, and a turn of this person in progress may be changing
  // the appointment, whose re-plan waits for those rows: a cycle through an await that PostgreSQL
  // cannot see. A busy conversation fails here at once (55P03) and the claim leaves the reminder due.
  const conversations = await tx.execute<Array<{ id: string; state: string; expires_at: Date | null }>>(
    'select id, state, expires_at from conversations where company_id = ? and contact_id = ? for update nowait',
    [delivery.companyId, contactId],
  );
  const conversation = conversations[0]!;
  const free = conversation.state === 'IDLE' || conversation.state === 'AWAITING_REMINDER_ANSWER' || (conversation.expires_at !== null && new Date(conversation.expires_at) <= now);
  if (free) {
    const data: ConversationData = { reminder: { appointmentId: delivery.appointmentId, offsetMinutes: delivery.offsetMinutes } };
    await tx.execute(
      `update conversations set state = 'AWAITING_REMINDER_ANSWER', data = ?::jsonb, expires_at = ?, version = version + 1, updated_at = now() where id = ?`,
      [JSON.stringify(data), delivery.answerUntil, conversation.id],
    );
  }
  const inserted = await tx.execute<Array<{ id: string }>>(
    `insert into outbound_messages (id, company_id, contact_id, phone, body, dedupe_key, status, attempts, created_at, kind, template)
     values (?, ?, ?, ?, ?, ?, 'PENDING', 0, clock_timestamp(), 'REMINDER', ?::jsonb)
     on conflict (company_id, dedupe_key) do nothing
     returning id`,
    [randomUUID(), delivery.companyId, contactId, delivery.phone, delivery.body, delivery.dedupeKey, JSON.stringify({ parameters: delivery.parameters })],
  );
  if (inserted[0]) return inserted[0].id;
  const existing = await tx.execute<Array<{ id: string }>>('select id from outbound_messages where company_id = ? and dedupe_key = ?', [delivery.companyId, delivery.dedupeKey]);
  return existing[0]!.id;
}
