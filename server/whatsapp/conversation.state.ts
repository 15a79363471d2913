import type { DatePreference } from './date/index.js';

/**
 * What the bot remembers between two messages of one contact (the `conversations` row). Stored as
 * JSON, so dates are ISO strings.
 *
 * - IDLE: nothing pending. Messages without an intent are left to the human agents.
 * - AWAITING_SLOT_CHOICE: numbered slots were offered (to book, or to move an appointment).
 * - AWAITING_APPOINTMENT_CHOICE: the contact has several meetings and must say which one to cancel
 *   or reschedule.
 * - AWAITING_CANCEL_CONFIRMATION: "Confirma o cancelamento…? Responda sim ou não" was asked.
 * - AWAITING_REMINDER_ANSWER: a reminder ("Responda 1 para confirmar, 2 para remarcar ou 3 para
 *   cancelar") was queued for the appointment in `data.reminder` (set by reminder-delivery.ts).
 * - AWAITING_SERVICE_CHOICE: the company has several services and the message named none:
 *   "Qual serviço?" was asked (the day already asked for is kept).
 */
export type ConversationState =
  | 'IDLE'
  | 'AWAITING_SLOT_CHOICE'
  | 'AWAITING_APPOINTMENT_CHOICE'
  | 'AWAITING_CANCEL_CONFIRMATION'
  | 'AWAITING_REMINDER_ANSWER'
  | 'AWAITING_SERVICE_CHOICE';

/** A DatePreference as JSON. */
export interface StoredPreference {
  from: string;
  to: string;
  label: string;
  afterMinutes?: number;
  beforeMinutes?: number;
  atMinutes?: number;
}

export interface SlotOffer {
  purpose: 'book' | 'reschedule';
  /** Our appointment id when rescheduling. */
  appointmentId?: string;
  /** Starts of the numbered options, in order. */
  slots: string[];
  /** What the person asked for; reused for fresh options. Null: the next days. */
  preference: StoredPreference | null;
  offeredAt: string;
  /** After this a "1" gets fresh options instead of booking a slot that may be gone. */
  expiresAt: string;
  /** The service whose event type the slots belong to (absent: the company's default). */
  serviceId?: string;
  /** Set when the company has several services: offers and the confirmation name it. */
  serviceName?: string;
}

export interface ServiceQuestion {
  /** The numbered options, in order. */
  serviceIds: string[];
  /** The day or period already asked for, used once the service is known. */
  preference: StoredPreference | null;
}

export interface AppointmentPick {
  action: 'cancel' | 'reschedule';
  appointmentIds: string[];
  /** The reschedule request ("remarcar para sexta"), used once the appointment is picked. */
  requestText?: string;
}

export interface CancelConfirmation {
  appointmentId: string;
}

export interface ReminderContext {
  appointmentId: string;
  offsetMinutes: number;
}

export interface ConversationData {
  offer?: SlotOffer;
  reminder?: ReminderContext;
  pick?: AppointmentPick;
  cancel?: CancelConfirmation;
  serviceAsk?: ServiceQuestion;
  /** IDLE after "no free slots" while moving a meeting: the next day asked for still moves it. */
  reschedulingId?: string;
}

export function storePreference(pref: DatePreference): StoredPreference {
  const stored: StoredPreference = { from: pref.from.toISOString(), to: pref.to.toISOString(), label: pref.label };
  if (pref.afterMinutes !== undefined) stored.afterMinutes = pref.afterMinutes;
  if (pref.beforeMinutes !== undefined) stored.beforeMinutes = pref.beforeMinutes;
  if (pref.atMinutes !== undefined) stored.atMinutes = pref.atMinutes;
  return stored;
}

export function loadPreference(stored: StoredPreference): DatePreference {
  const pref: DatePreference = { from: new Date(stored.from), to: new Date(stored.to), label: stored.label };
  if (stored.afterMinutes !== undefined) pref.afterMinutes = stored.afterMinutes;
  if (stored.beforeMinutes !== undefined) pref.beforeMinutes = stored.beforeMinutes;
  if (stored.atMinutes !== undefined) pref.atMinutes = stored.atMinutes;
  return pref;
}

/** Options on screen and how many: what intent detection needs to read "1", "a segunda", "sim". */
export function pendingChoice(state: ConversationState, data: ConversationData): { awaitingChoice: boolean; optionCount: number } {
  if (state === 'AWAITING_SLOT_CHOICE' && data.offer) return { awaitingChoice: true, optionCount: data.offer.slots.length };
  if (state === 'AWAITING_APPOINTMENT_CHOICE' && data.pick) return { awaitingChoice: true, optionCount: data.pick.appointmentIds.length };
  // "sim" reads as option 1, "não" as a refusal.
  if (state === 'AWAITING_CANCEL_CONFIRMATION' && data.cancel) return { awaitingChoice: true, optionCount: 1 };
  // 1 confirm, 2 reschedule, 3 cancel; "sim"/"confirmo" read as 1.
  if (state === 'AWAITING_REMINDER_ANSWER' && data.reminder) return { awaitingChoice: true, optionCount: 3 };
  if (state === 'AWAITING_SERVICE_CHOICE' && data.serviceAsk) return { awaitingChoice: true, optionCount: data.serviceAsk.serviceIds.length };
  return { awaitingChoice: false, optionCount: 0 };
}
