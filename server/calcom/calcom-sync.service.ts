import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppointmentService } from '../appointments/appointment.service.js';
import type { ApplyResult } from '../appointments/calendar-sync.js';
import { CALCOM_ACTOR } from '../audit/audit.service.js';
import type { BookingEvent } from './calcom-event.js';

export type { ApplyOutcome, ApplyResult } from '../appointments/calendar-sync.js';
export { companySyncLockName } from '../appointments/calendar-sync.js';

/**
 * Hands Cal.com booking events (already translated by calcom-event.ts / calcom.gateway.ts) to the
 * appointments' owner, acting as Cal.com for the company the webhook or reconciliation names.
 */
export class CalcomSyncService {
  constructor(private readonly appointments: AppointmentService) {}

  /** Runs inside the caller's transaction (the webhook's, with its delivery row). */
  apply(tx: EntityManager, companyId: string, event: BookingEvent, via: 'webhook' | 'reconcile'): Promise<ApplyResult> {
    return this.appointments.applyCalendarEvent(tx, { companyId, actor: CALCOM_ACTOR }, event, via);
  }
}
