// The caller of AppointmentService (Scope), the check on the first line of each of its public methods, and its change observer.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../audit/audit.service.js';
import { requireWrite } from '../auth/tenant.js';
import { domainError } from '../platform/errors.js';
import { isUuid } from '../shared/ids.js';
import type { Appointment } from './appointment.entity.js';

/** Who acts and for which company. A `Tenant` is one; the WhatsApp worker builds one per contact. */
export interface Scope {
  companyId: string;
  actor: Actor;
  /** False for read-only API keys (a Tenant); absent for internal callers. */
  canWrite?: boolean;
}

/**
 * Told of every appointment change, inside the change's transaction, right before it is published
 * (the reminders plan, move or drop their rows here). Every write path — WhatsApp, panel, API, Cal.com
 * webhook, reconciliation — publishes through `publish`, so this is the one hook.
 */
export interface AppointmentObserver {
  /** `actor`: who made the change, when the caller knows (absent for calendar events). */
  appointmentChanged(tx: EntityManager, appointment: Appointment, actor?: Actor): Promise<void>;
}

/**
 * Checked on the first line of every public method: the scope names a company, and a write needs
 * write permission (read-only API keys are refused before anything is read or sent to Cal.com).
 */
export function checkScope(scope: Scope, access: 'read' | 'write'): void {
  if (!scope || !isUuid(scope.companyId)) throw domainError('SCOPE_INVALID');
  if (access === 'write') requireWrite(scope);
}
