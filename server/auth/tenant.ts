import type { Actor } from '../audit/audit.service.js';
import { DomainError } from '../platform/errors.js';

/**
 * Who is calling, resolved once per request or WebSocket connection. Every service method takes
 * one and scopes all reads and writes to `companyId`; there is no other path to tenant data.
 */
export interface Tenant {
  companyId: string;
  actor: Actor;
  kind: 'user' | 'apiKey';
  userId: string | null;
  canWrite: boolean;
  isAdmin: boolean;
}

/** Callers without `canWrite` (the WhatsApp worker, the system) act with write rights by design. */
export function requireWrite(caller: { canWrite?: boolean }): void {
  if (caller.canWrite === false) throw new DomainError('FORBIDDEN', 'Esta chave de API só tem permissão de leitura.');
}

export function requireAdmin(tenant: Tenant): void {
  if (!tenant.isAdmin) throw new DomainError('FORBIDDEN', 'Apenas administradores podem fazer isso.');
}
