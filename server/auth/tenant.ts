import type { Actor } from '../audit/audit.service.js';
import type { Caller, Credential } from '../platform/context.js';
import { domainError } from '../platform/errors.js';

/**
 * Who is calling, resolved once per request or WebSocket connection. Services that answer a caller
 * take one and scope reads and writes to its `companyId`; background work (webhooks, WhatsApp
 * turns, jobs) carries the company id of the row it works on instead.
 */
export interface Tenant extends Caller {
  companyId: string;
  actor: Actor;
  kind: 'user' | 'apiKey';
  userId: string | null;
  canWrite: boolean;
  isAdmin: boolean;
  /** The credential behind the call, re-checked by long-lived connections (WebSocket). */
  credential: Credential;
}

export type { Credential } from '../platform/context.js';

/** Callers without `canWrite` (the WhatsApp worker, the system) act with write rights by design. */
export function requireWrite(caller: { canWrite?: boolean }): void {
  if (caller.canWrite === false) throw domainError('READ_ONLY_KEY');
}

export function requireAdmin(tenant: Tenant): void {
  if (!tenant.isAdmin) throw domainError('ADMIN_ONLY');
}
