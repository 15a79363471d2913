/**
 * Answers to a reminder (issue 18): "1"/"confirmo" confirms presence, "3"/"não vou conseguir"
 * cancels (Cal.com too) as declined by the client; "2"/"quero remarcar" is the reschedule flow
 * (booking-offer.ts). Each through AppointmentService, which audits and publishes the change.
 */

import type { Appointment } from '../appointments/appointment.entity.js';
import { auditCalendar, auditTurn, calendarFailure, type Working } from './conversation-turn.js';
import { cancelConfirmedMessage, reminderConfirmedMessage } from './replies.js';

export async function confirmPresence(w: Working, appointment: Appointment): Promise<void> {
  const { turn } = w;
  await w.deps.appointments.confirmByClient(turn.side, turn.scope, appointment.id);
  auditTurn(turn, 'bot.reminder_answer', { inboundId: turn.inboundId, answer: 'confirm', appointmentId: appointment.id });
  w.set('IDLE');
  w.reply(reminderConfirmedMessage(appointment.startAt, turn.now, turn.timeZone), 'reminder_confirmed');
}

export async function declineAppointment(w: Working, appointment: Appointment): Promise<void> {
  const { turn } = w;
  try {
    await w.deps.appointments.declineByClient(turn.side, turn.scope, appointment.id, 'Cancelado pelo cliente em resposta ao lembrete');
  } catch (error) {
    auditCalendar(turn, 'bot.reminder_answer', error, { answer: 'cancel', appointmentId: appointment.id });
    return calendarFailure(w, error, 'cancel', () => w.set('IDLE'));
  }
  auditTurn(turn, 'bot.reminder_answer', { inboundId: turn.inboundId, answer: 'cancel', appointmentId: appointment.id, start: appointment.startAt.toISOString() });
  w.set('IDLE');
  w.reply(cancelConfirmedMessage(appointment.startAt, turn.now, turn.timeZone), 'reminder_declined');
}
