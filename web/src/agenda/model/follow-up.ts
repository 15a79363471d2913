import type { IconName } from '../../shared/components/Icon';
import { reminderOffsetLabel } from '../../shared/format/reminder-offset';
import type { Appointment, Attendance, ClientConfirmation, Reminder } from './appointment';
import { ATTENDANCE_WORDS } from './attendance';

/** What the Agenda says about an appointment's reminders, from its reminder rows. */
export type ReminderState = 'SCHEDULED' | 'SENT' | 'FAILED';

export const REMINDER_LABELS: Record<ReminderState, { label: string; icon: IconName; tone: string }> = {
  SCHEDULED: { label: 'agendado', icon: 'clock', tone: 'neutral' },
  SENT: { label: 'enviado', icon: 'send', tone: 'confirmed' },
  FAILED: { label: 'falhou', icon: 'alert', tone: 'cancelled' },
};

export const CONFIRMATION_LABELS: Record<ClientConfirmation, { label: string; icon: IconName; tone: string }> = {
  CONFIRMED: { label: 'confirmou', icon: 'check', tone: 'confirmed' },
  DECLINED: { label: 'recusou', icon: 'x', tone: 'cancelled' },
  NONE: { label: 'sem resposta', icon: 'chat', tone: 'neutral' },
};

export const ATTENDANCE_LABELS: Record<Exclude<Attendance, 'UNKNOWN'>, { label: string; icon: IconName; tone: string }> = {
  ATTENDED: { label: ATTENDANCE_WORDS.ATTENDED, icon: 'check', tone: 'confirmed' },
  NO_SHOW: { label: ATTENDANCE_WORDS.NO_SHOW, icon: 'x', tone: 'cancelled' },
};

/**
 * The state of the reminders as one word: the latest reminder that went or failed (what the
 * client last got, or did not), else the next one waiting; skipped reminders never went and say
 * nothing. `null` when there is none to show.
 */
export function reminderState(reminders: readonly Reminder[]): { state: ReminderState; reminder: Reminder } | null {
  const byDue = [...reminders].filter((r) => r.status !== 'SKIPPED').sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  const done = byDue.filter((r) => r.status === 'SENT' || r.status === 'FAILED').at(-1);
  if (done) return { state: done.status as ReminderState, reminder: done };
  const next = byDue.find((r) => r.status === 'SCHEDULED');
  return next ? { state: 'SCHEDULED', reminder: next } : null;
}

/** "24 h antes", "2 h antes", "1 h 30 min antes": the same wording as Configurações → Lembretes. */
export function reminderBeforeLabel(minutes: number): string {
  return `${reminderOffsetLabel(minutes)} antes`;
}

/**
 * Addresses that exist only because Cal.com requires an e-mail: a booking made with just a phone
 * gets `<número>@sms.cal.com`. Not the client's e-mail, so not shown as one.
 */
export function isPlaceholderEmail(email: string | null): boolean {
  return !email || /@sms\.cal\.com$/i.test(email.trim());
}

/** Attendance is marked once the appointment has started, and never for a cancelled one. */
export function canMarkAttendance(appointment: Pick<Appointment, 'status' | 'startAt'>, now: number): boolean {
  return appointment.status !== 'CANCELLED' && Date.parse(appointment.startAt) <= now;
}
