import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppointmentService } from '../appointments/appointment.service.js';
import type { ApplyResult } from '../appointments/calendar-sync.js';
import { CALCOM_ACTOR } from '../audit/audit.service.js';
import type { BookingEvent } from './calcom-event.js';
import type { CalendarAttendanceEvent } from './calendar.gateway.js';

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

  /** A no-show event (BOOKING_NO_SHOW_UPDATED, AFTER_GUESTS_CAL_VIDEO_NO_SHOW), in the webhook's transaction. */
  applyAttendance(tx: EntityManager, companyId: string, event: CalendarAttendanceEvent): Promise<ApplyResult> {
    return this.appointments.applyAttendanceEvent(tx, { companyId, actor: CALCOM_ACTOR }, event);
  }
}
