import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditLog, type ActorType } from './audit-log.entity.js';

export interface Actor {
  type: ActorType;
  id: string | null;
  label: string;
}

export const SYSTEM_ACTOR: Actor = { type: 'SYSTEM', id: null, label: 'sistema' };
export const CALCOM_ACTOR: Actor = { type: 'CALCOM', id: null, label: 'Cal.com' };

/** Persists an audit row with the caller's unit of work, so it commits or rolls back with the change. */
export function audit(
  em: EntityManager,
  companyId: string,
  actor: Actor,
  action: string,
  subject: string,
  data: Record<string, unknown> = {},
): AuditLog {
  const row = em.create(AuditLog, {
    companyId,
    actorType: actor.type,
    actorId: actor.id,
    actorLabel: actor.label,
    action,
    subject,
    data,
    at: new Date(),
  });
  em.persist(row);
  return row;
}
