import type { App } from '../../../server/app.js';
import { Appointment, type AppointmentSource, type AppointmentStatus } from '../../../server/appointments/appointment.entity.js';
import { appointmentSearchText } from '../../../server/appointments/appointment.service.js';
import { AppointmentChangeKind } from '../../../server/appointments/appointment.types.js';

export interface AppointmentSeed {
  start: Date;
  minutes?: number;
  clientName: string;
  clientPhone?: string | null;
  clientEmail?: string | null;
  status?: AppointmentStatus;
  source?: AppointmentSource;
  meetingUrl?: string | null;
  cancellationReason?: string | null;
  calBookingUid?: string | null;
}

/**
 * Inserts an appointment straight through the ORM (no Cal.com), optionally publishing the change in
 * the same transaction as the server's services do, so subscribers see it live.
 */
export async function insertAppointment(app: App, companyId: string, seed: AppointmentSeed, publish?: keyof typeof AppointmentChangeKind): Promise<Appointment> {
  const em = app.orm.em.fork();
  return em.transactional(async (tx) => {
    const row = tx.create(Appointment, {
      companyId,
      status: seed.status ?? 'CONFIRMED',
      title: `Reunião com ${seed.clientName}`,
      startAt: seed.start,
      endAt: new Date(seed.start.getTime() + (seed.minutes ?? 30) * 60_000),
      clientName: seed.clientName,
      clientPhone: seed.clientPhone ?? null,
      clientEmail: seed.clientEmail ?? null,
      notes: null,
      meetingUrl: seed.meetingUrl ?? null,
      source: seed.source ?? 'WHATSAPP',
      calBookingUid: seed.calBookingUid ?? null,
      calBookingId: null,
      cancellationReason: seed.cancellationReason ?? null,
      calLastEventAt: null,
      contactId: null,
      searchText: appointmentSearchText(seed.clientName, seed.clientPhone ?? null, seed.clientEmail ?? null),
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await tx.flush();
    if (publish) await app.services.appointments.publish(tx, row, AppointmentChangeKind[publish]);
    return row;
  });
}

/** Changes an appointment like a webhook would, publishing the change with it. */
export async function updateAppointment(
  app: App,
  id: string,
  change: Partial<Pick<Appointment, 'status' | 'startAt' | 'endAt' | 'cancellationReason' | 'meetingUrl'>>,
  kind: keyof typeof AppointmentChangeKind,
): Promise<Appointment> {
  const em = app.orm.em.fork();
  return em.transactional(async (tx) => {
    const row = await tx.findOneOrFail(Appointment, { id });
    Object.assign(row, change);
    await tx.flush();
    await app.services.appointments.publish(tx, row, AppointmentChangeKind[kind]);
    return row;
  });
}

export async function findAppointment(app: App, id: string): Promise<Appointment | null> {
  return app.orm.em.fork().findOne(Appointment, { id });
}
