import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Appointment, type AppointmentSource, type AppointmentStatus } from '../../server/appointments/appointment.entity.js';
import { appointmentSearchText } from '../../server/appointments/appointment.service.js';
import { AppointmentChangeKind } from '../../server/appointments/appointment.types.js';
import type { App } from '../../server/app.js';

let sequence = 0;

/** Inserts an appointment directly (as if it came from Cal.com) and publishes the change. */
export async function insertAppointment(
  app: App,
  companyId: string,
  overrides: Partial<{ start: Date; clientName: string; clientPhone: string | null; status: AppointmentStatus; source: AppointmentSource; calBookingUid: string | null }> = {},
): Promise<Appointment> {
  const em = app.orm.em.fork();
  return em.transactional(async (tx: EntityManager) => {
    sequence += 1;
    const start = overrides.start ?? new Date(Date.UTC(2030, 0, 1, 12) + sequence * 3_600_000);
    const clientName = overrides.clientName ?? `Cliente ${sequence}`;
    const clientPhone = overrides.clientPhone === undefined ? `55119${String(10_000_000 + sequence).slice(-8)}` : overrides.clientPhone;
    const row = tx.create(Appointment, {
      companyId,
      status: overrides.status ?? 'CONFIRMED',
      title: `Reunião com ${clientName}`,
      startAt: start,
      endAt: new Date(start.getTime() + 30 * 60_000),
      clientName,
      clientPhone,
      source: overrides.source ?? 'CALCOM',
      calBookingUid: overrides.calBookingUid === undefined ? null : overrides.calBookingUid,
      searchText: appointmentSearchText(clientName, clientPhone, null),
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await tx.flush();
    await app.services.appointments.publish(tx, row, AppointmentChangeKind.CREATED);
    return row;
  });
}

/**
 * Writes a reminder row in a given state (dashboards and attendance read them). The reminder engine
 * may already have planned this (appointment, offset): the row is then set to this state.
 */
export async function insertReminder(
  app: App,
  row: { companyId: string; appointmentId: string; offsetMinutes: number; dueAt: Date; status: 'SCHEDULED' | 'SENT' | 'FAILED' | 'SKIPPED'; sentAt?: Date | null },
): Promise<void> {
  await app.orm.em.fork().execute(
    `insert into appointment_reminders (id, company_id, appointment_id, offset_minutes, due_at, status, sent_at) values (?, ?, ?, ?, ?, ?, ?)
     on conflict (appointment_id, offset_minutes) do update set due_at = excluded.due_at, status = excluded.status, sent_at = excluded.sent_at`,
    [randomUUID(), row.companyId, row.appointmentId, row.offsetMinutes, row.dueAt, row.status, row.sentAt ?? null],
  );
}
