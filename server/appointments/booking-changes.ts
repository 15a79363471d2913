// Changes to a booked appointment: cancel (by anyone, or declined by the client), the client's confirmation, reschedule.
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { audit, type Actor } from '../audit/audit.service.js';
import type { CalendarGateway } from '../calcom/calendar.gateway.js';
import { domainError } from '../platform/errors.js';
import type { Metrics } from '../platform/metrics.js';
import { Appointment, type ClientConfirmation } from './appointment.entity.js';
import type { ClaimOwner } from './booking-claim.js';
import { flushHostClaim } from './booking-claim.js';
import { AppointmentChangeKind } from './appointment.types.js';
import { calendarCall } from './calendar-errors.js';

export type CancelVia = 'api' | 'webhook' | 'whatsapp' | 'admin';

/** Who changes, already checked by AppointmentService (its Scope). */
interface ChangeScope {
  companyId: string;
  actor: Actor;
}

/** What the changes need of AppointmentService (passed in to avoid a cycle). */
export interface ChangeOwner extends ClaimOwner {
  get(em: EntityManager, scope: ChangeScope, id: string): Promise<Appointment | null>;
}

/** Internal to the appointments room: AppointmentService's cancel, confirmByClient and reschedule delegate here. */
export class BookingChanges {
  constructor(
    private readonly owner: ChangeOwner,
    private readonly calendar: CalendarGateway,
    private readonly metrics: Metrics,
  ) {}

  /** Cancels in Cal.com first (when booked there), then here, audited and published; idempotent. */
  async cancel(em: EntityManager, scope: ChangeScope, id: string, reason: string | null, via: CancelVia, options: { clientConfirmation?: ClientConfirmation } = {}): Promise<Appointment> {
    const cleanReason = reason?.trim().slice(0, 500) || null;
    const current = await this.owner.get(em, scope, id);
    if (!current) throw domainError('APPOINTMENT_NOT_FOUND');
    if (current.status === 'CANCELLED') return current;
    if (current.calBookingUid) {
      const company = await this.owner.integrations(em, scope.companyId);
      await calendarCall(scope.companyId, this.metrics, () => this.calendar.cancel(company, current.calBookingUid!, cleanReason));
    }
    return em.transactional(async (tx) => {
      const row = await tx.findOneOrFail(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const confirmation = options.clientConfirmation;
      if (row.status === 'CANCELLED' && (!confirmation || row.clientConfirmation === confirmation)) return row; // a webhook got here first
      const wasCancelled = row.status === 'CANCELLED';
      row.status = 'CANCELLED';
      if (!wasCancelled) row.cancellationReason = cleanReason;
      if (confirmation) row.clientConfirmation = confirmation;
      audit(tx, scope.companyId, scope.actor, 'appointment.cancelled', `appointment:${row.id}`, { reason: cleanReason, via, ...(confirmation ? { clientConfirmation: confirmation } : {}) });
      await tx.flush();
      await this.owner.publish(tx, row, wasCancelled ? AppointmentChangeKind.UPDATED : AppointmentChangeKind.CANCELLED, scope.actor);
      if (!wasCancelled) this.metrics.appointmentsCancelled.inc({ company: scope.companyId, via });
      return row;
    });
  }

  /** The client answered a reminder with "1"/"confirmo": CONFIRMED, audited, published. */
  async confirmByClient(em: EntityManager, scope: ChangeScope, id: string): Promise<Appointment> {
    return em.transactional(async (tx) => {
      const row = await tx.findOne(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row || row.status === 'CANCELLED') throw domainError('APPOINTMENT_NOT_FOUND');
      if (row.clientConfirmation === 'CONFIRMED') return row;
      const previous = row.clientConfirmation;
      row.clientConfirmation = 'CONFIRMED';
      audit(tx, scope.companyId, scope.actor, 'appointment.client_confirmed', `appointment:${row.id}`, { from: previous, start: row.startAt.toISOString() });
      await tx.flush();
      await this.owner.publish(tx, row, AppointmentChangeKind.UPDATED, scope.actor);
      return row;
    });
  }

  /** Moves a booking to a new slot in Cal.com, keeping our appointment id. */
  async reschedule(em: EntityManager, scope: ChangeScope, id: string, start: Date, reason: string | null): Promise<Appointment> {
    const current = await this.owner.get(em, scope, id);
    if (!current || current.status === 'CANCELLED') throw domainError('APPOINTMENT_NOT_FOUND');
    if (!current.calBookingUid) throw domainError('APPOINTMENT_NOT_CONFIRMED');
    // Check our own claims on this host before moving the booking in Cal.com: afterwards the claim
    // index could only refuse our row, leaving Cal.com and us disagreeing.
    const clash = current.hostKey
      ? await em.findOne(Appointment, { companyId: scope.companyId, hostKey: current.hostKey, hostClaim: true, startAt: start, status: { $ne: 'CANCELLED' }, id: { $ne: id } })
      : null;
    if (clash) throw domainError('SLOT_TAKEN');
    const company = await this.owner.integrations(em, scope.companyId);
    const booking = await calendarCall(scope.companyId, this.metrics, () => this.calendar.reschedule(company, current.calBookingUid!, start, reason));
    return em.transactional(async (tx) => {
      const row = await tx.findOneOrFail(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const previous = { start: row.startAt.toISOString(), uid: row.calBookingUid };
      this.owner.applyBooking(row, booking);
      row.status = 'RESCHEDULED';
      // The new slot was our own choice: it is held like any claim of ours (even for a Cal.com-made booking).
      row.hostClaim = row.hostKey !== null;
      audit(tx, scope.companyId, scope.actor, 'appointment.rescheduled', `appointment:${row.id}`, {
        from: previous,
        to: { start: row.startAt.toISOString(), uid: row.calBookingUid },
        reason,
      });
      await flushHostClaim(tx, row);
      await this.owner.publish(tx, row, AppointmentChangeKind.RESCHEDULED, scope.actor);
      return row;
    });
  }
}
