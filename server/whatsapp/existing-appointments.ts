/**
 * Flows on the contact's existing meetings: listing them, cancelling one, and "Qual delas?" when a
 * cancel or a reschedule could mean more than one.
 */

import type { Appointment } from '../appointments/appointment.entity.js';
import { offerSlots } from './booking-offer.js';
import { auditCalendar, auditTurn, calendarFailure, contactUpcoming, liveAppointments, preferenceOf, type Working } from './conversation-turn.js';
import type { AppointmentPick } from './conversation.state.js';
import { matchesPreference, parseDatePreference } from './date/index.js';
import { cancelConfirmedMessage, cancelQuestionMessage, chooseAppointmentMessage, listMessage, noAppointmentsMessage } from './replies.js';

/**
 * "cancelar": a meeting named by its day or time ("cancela a de terça às 9h30") is cancelled at
 * once; a single upcoming one is confirmed first ("Confirma…? Responda sim ou não"); several are
 * listed to pick from (the pick names it, so no confirmation after).
 */
export async function startCancel(w: Working, text = ''): Promise<void> {
  const { turn } = w;
  const upcoming = await contactUpcoming(w);
  if (upcoming.length === 0) {
    w.set('IDLE');
    return w.reply(noAppointmentsMessage(), 'no_appointments');
  }
  const pref = text ? parseDatePreference(text, turn.now, turn.timeZone) : null;
  const named = pref ? upcoming.filter((a) => matchesPreference(a.startAt, pref, turn.timeZone)) : [];
  if (named.length === 1) return cancel(w, named[0]!);
  const candidates = named.length > 1 ? named : upcoming;
  if (candidates.length === 1) {
    const appointment = candidates[0]!;
    w.set('AWAITING_CANCEL_CONFIRMATION', { cancel: { appointmentId: appointment.id } });
    return w.reply(cancelQuestionMessage(appointment.startAt, turn.now, turn.timeZone), 'asked_cancel_confirmation');
  }
  return askWhich(w, { action: 'cancel', appointmentIds: candidates.map((a) => a.id) }, candidates);
}

export async function startReschedule(w: Working, text: string): Promise<void> {
  const upcoming = await contactUpcoming(w);
  if (upcoming.length === 0) {
    w.set('IDLE');
    return w.reply(noAppointmentsMessage(), 'no_appointments');
  }
  if (upcoming.length === 1) {
    return offerSlots(w, { purpose: 'reschedule', appointmentId: upcoming[0]!.id }, preferenceOf(w.turn, text));
  }
  return askWhich(w, { action: 'reschedule', appointmentIds: upcoming.map((a) => a.id), requestText: text }, upcoming);
}

export function startForAction(w: Working, action: AppointmentPick['action'], text: string): Promise<void> {
  return action === 'cancel' ? startCancel(w, text) : startReschedule(w, text);
}

/** "Qual delas?": the numbered list of the contact's meetings. */
export async function askWhich(w: Working, pick: AppointmentPick, known?: Appointment[]): Promise<void> {
  const { turn } = w;
  const appointments = known ?? (await liveAppointments(w, pick.appointmentIds));
  if (appointments.length < 2) return startForAction(w, pick.action, pick.requestText ?? '');
  const next: AppointmentPick = { ...pick, appointmentIds: appointments.map((a) => a.id) };
  w.set('AWAITING_APPOINTMENT_CHOICE', { pick: next });
  w.reply(chooseAppointmentMessage(appointments, turn.now, turn.timeZone, pick.action), 'asked_which');
}

export async function cancel(w: Working, appointment: Appointment): Promise<void> {
  const { turn } = w;
  try {
    await w.deps.appointments.cancel(turn.side, turn.scope, appointment.id, 'Cancelado pelo cliente via WhatsApp', 'whatsapp');
  } catch (error) {
    auditCalendar(turn, 'bot.cancel', error, { appointmentId: appointment.id });
    return calendarFailure(w, error, 'cancel', () => w.set('IDLE'));
  }
  auditTurn(turn, 'bot.cancel', { inboundId: turn.inboundId, result: 'cancelled', appointmentId: appointment.id, start: appointment.startAt.toISOString() });
  w.set('IDLE');
  w.reply(cancelConfirmedMessage(appointment.startAt, turn.now, turn.timeZone), 'cancelled');
}

export async function list(w: Working): Promise<void> {
  const { turn } = w;
  const upcoming = await contactUpcoming(w);
  auditTurn(turn, 'bot.list', { inboundId: turn.inboundId, appointmentIds: upcoming.map((a) => a.id) });
  w.reply(listMessage(upcoming, turn.now, turn.timeZone), 'listed');
}
