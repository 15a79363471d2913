import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';

/**
 * The contact of `phone` (canonical form) in the company, created if new; its id. With `rename`, a
 * non-empty name that differs replaces the stored one (WhatsApp sends pushName on every message);
 * otherwise an existing row is not touched at all: no dead tuple, and no wait for a turn holding it.
 */
export async function ensureContact(tx: EntityManager, companyId: string, phone: string, name: string, options: { rename: boolean }): Promise<string> {
  const onConflict = options.rename
    ? `do update set name = excluded.name, updated_at = now() where excluded.name <> '' and excluded.name <> contacts.name`
    : 'do nothing';
  const upserted = await tx.execute<Array<{ id: string }>>(
    `insert into contacts (id, company_id, phone, name, created_at, updated_at) values (?, ?, ?, ?, now(), now())
     on conflict (company_id, phone) ${onConflict}
     returning id`,
    [randomUUID(), companyId, phone, name],
  );
  if (upserted[0]) return upserted[0].id;
  const existing = await tx.execute<Array<{ id: string }>>('select id from contacts where company_id = ? and phone = ?', [companyId, phone]);
  return existing[0]!.id;
}

/** The contact's conversation row (IDLE when new), which is also its per-person lock. */
export async function ensureConversation(tx: EntityManager, companyId: string, contactId: string): Promise<void> {
  await tx.execute(
    `insert into conversations (id, company_id, contact_id, state, data, version, created_at, updated_at)
     values (?, ?, ?, 'IDLE', '{}', 1, now(), now()) on conflict (company_id, contact_id) do nothing`,
    [randomUUID(), companyId, contactId],
  );
}
