/**
 * What every conversation flow shares: the turn and its working copy, the engine's settings and
 * collaborators, the reads of the contact's meetings, the answer to a calendar failure and the audit.
 */

import type { EntityManager } from '@mikro-orm/postgresql';
import type { Appointment } from '../appointments/appointment.entity.js';
import type { AppointmentService, Scope } from '../appointments/appointment.service.js';
import { audit } from '../audit/audit.service.js';
import { DomainError } from '../platform/errors.js';
import type { Metrics } from '../platform/metrics.js';
import { brazilianVariants } from '../shared/phone.js';
import type { Conversation } from './conversation.entity.js';
import { storePreference, type ConversationData, type ConversationState, type StoredPreference } from './conversation.state.js';
import { parseDatePreference } from './date/index.js';
import type { Intent } from './intent.js';
import type { ServicePort } from './service-choice.js';
import { calendarRejectedMessage, calendarUnavailableMessage, notConfiguredMessage } from './replies.js';

export interface WhatsappSettings {
  /** How long offered slots can be chosen; a later "1" gets fresh options. */
  offerTtlMs: number;
  /** Inactivity after which the conversation falls back to IDLE (a bare "1" is then ignored). */
  conversationTtlMs: number;
  /** Options per offer. */
  optionsPerOffer: number;
  /** Search window when the person names no day. */
  defaultWindowDays: number;
}

export const DEFAULT_WHATSAPP_SETTINGS: WhatsappSettings = {
  offerTtlMs: 30 * 60_000,
  conversationTtlMs: 2 * 3_600_000,
  optionsPerOffer: 3,
  defaultWindowDays: 7,
};

/** What the engine needs from AppointmentService (the evaluation runs it on a calendar with gaps). */
export type AppointmentPort = Pick<
  AppointmentService,
  | 'hostAvailability' | 'book' | 'resumeClaim' | 'reschedule' | 'cancel' | 'get' | 'upcomingForContact' | 'liveUpcoming' | 'contactAppointmentAt' | 'liveStarts'
  | 'confirmByClient' | 'declineByClient'
>;

/** Most meetings a contact is asked to pick from (options are read as one or two digits). */
const MAX_LISTED_APPOINTMENTS = 5;

/** One inbound message being handled, inside the transaction that holds the conversation lock. */
export interface Turn {
  /** The transaction holding the conversation row lock: audit rows and reads. */
  tx: EntityManager;
  /** Outside the transaction: AppointmentService commits its own steps (claim, confirm). */
  side: EntityManager;
  scope: Scope;
  companyId: string;
  timeZone: string;
  now: Date;
  inboundId: string;
  contact: { id: string; phone: string; name: string };
  conversation: Conversation;
}

export interface TurnResult {
  intent: Intent;
  /** False when the message was left to the human agents (no reply). */
  handled: boolean;
  replies: string[];
  /** Short machine-readable summary for `inbound_messages.outcome`. */
  outcome: string;
}

type CalendarCode = 'CALCOM_NOT_CONFIGURED' | 'CALCOM_UNAVAILABLE' | 'CALCOM_REJECTED' | 'NOT_FOUND' | 'BAD_USER_INPUT';
const CALENDAR_CODES = new Set<string>(['CALCOM_NOT_CONFIGURED', 'CALCOM_UNAVAILABLE', 'CALCOM_REJECTED', 'NOT_FOUND', 'BAD_USER_INPUT']);

/** What the flows call: the engine's collaborators, passed along with each turn's working copy. */
export interface EngineDeps {
  appointments: AppointmentPort;
  services: ServicePort;
  settings: WhatsappSettings;
  metrics: Metrics;
}

/** Mutable working copy of the conversation for one turn. */
export class Working {
  replies: string[] = [];
  outcome = 'no_intent';
  handled = false;
  constructor(
    readonly deps: EngineDeps,
    readonly turn: Turn,
    public state: ConversationState,
    public data: ConversationData,
  ) {}

  reply(text: string, outcome: string): void {
    this.replies.push(text);
    this.outcome = outcome;
    this.handled = true;
  }

  set(state: ConversationState, data: ConversationData = {}): void {
    this.state = state;
    this.data = data;
  }
}

export function preferenceOf(turn: Turn, text: string): StoredPreference | null {
  const pref = text ? parseDatePreference(text, turn.now, turn.timeZone) : null;
  return pref ? storePreference(pref) : null;
}

/**
 * The person-facing answer to a Cal.com failure. `onKeep` adjusts the state (e.g. back to IDLE);
 * errors that are not calendar outcomes are rethrown so the job retries.
 */
export function calendarFailure(w: Working, error: unknown, operation: 'availability' | 'book' | 'cancel' | 'reschedule', onKeep: () => void): void {
  if (!(error instanceof DomainError) || !CALENDAR_CODES.has(error.code)) throw error;
  const code = error.code as CalendarCode;
  const { turn } = w;
  if (operation === 'availability') auditCalendar(turn, 'bot.availability', error, {});
  if (code === 'CALCOM_NOT_CONFIGURED') {
    // AppointmentService counts the `calendar_not_configured` symptom where it detects it.
    w.set('IDLE');
    return w.reply(notConfiguredMessage(), 'calendar_not_configured');
  }
  onKeep();
  if (code === 'CALCOM_REJECTED') {
    w.deps.metrics.diagnostics.inc({ company: turn.companyId, symptom: 'calendar_rejected' });
    return w.reply(calendarRejectedMessage(), 'calendar_rejected');
  }
  w.reply(calendarUnavailableMessage(), code === 'CALCOM_UNAVAILABLE' ? 'calendar_unavailable' : 'calendar_error');
}

// ---- reads ----------------------------------------------------------------------------------

/** The contact's live upcoming meetings: booked by WhatsApp, or by an admin with the same phone. */
export async function contactUpcoming({ turn, deps }: Working): Promise<Appointment[]> {
  const contact = { id: turn.contact.id, phones: brazilianVariants(turn.contact.phone) };
  return deps.appointments.upcomingForContact(turn.side, turn.scope, contact, turn.now, MAX_LISTED_APPOINTMENTS);
}

export async function liveAppointment({ turn, deps }: Working, id: string | undefined): Promise<Appointment | null> {
  if (!id) return null;
  const row = await deps.appointments.get(turn.side, turn.scope, id);
  return row && row.status !== 'CANCELLED' ? row : null;
}

export async function liveAppointments({ turn, deps }: Working, ids: string[]): Promise<Appointment[]> {
  return deps.appointments.liveUpcoming(turn.side, turn.scope, ids, turn.now);
}

/**
 * Replaying a "1" after a crash finds what that "1" already did: a booking (answer it again) or
 * our own claim whose Cal.com call never finished (resume it).
 */
export async function ownLiveAppointmentAt({ turn, deps }: Working, start: Date): Promise<Appointment | null> {
  return deps.appointments.contactAppointmentAt(turn.side, turn.scope, turn.contact.id, start);
}

/** Starts already held for the host `hostAvailability` answered with (null: any host), see AppointmentService.liveStarts. */
export async function liveStarts({ turn, deps }: Working, from: Date, to: Date, hostKey: string | null): Promise<Date[]> {
  return deps.appointments.liveStarts(turn.side, turn.scope, from, to, { hostKey });
}

// ---- audit ----------------------------------------------------------------------------------

export function auditTurn(turn: Turn, action: string, data: Record<string, unknown>): void {
  audit(turn.tx, turn.companyId, turn.scope.actor, action, `conversation:${turn.conversation.id}`, data);
}

export function auditCalendar(turn: Turn, action: string, error: unknown, data: Record<string, unknown>): void {
  const code = error instanceof DomainError ? error.code : 'ERROR';
  const message = error instanceof Error ? error.message : String(error);
  auditTurn(turn, action, { inboundId: turn.inboundId, result: code, error: message, ...data });
}
