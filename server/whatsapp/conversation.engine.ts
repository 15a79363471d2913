import type { EntityManager } from '@mikro-orm/postgresql';
import type { Appointment } from '../appointments/appointment.entity.js';
import type { AppointmentService, Scope } from '../appointments/appointment.service.js';
import { audit } from '../audit/audit.service.js';
import { DomainError } from '../platform/errors.js';
import type { Metrics } from '../platform/metrics.js';
import type { Conversation } from './conversation.entity.js';
import {
  loadPreference,
  pendingChoice,
  storePreference,
  type AppointmentPick,
  type CancelConfirmation,
  type ConversationData,
  type ConversationState,
  type SlotOffer,
  type StoredPreference,
} from './conversation.state.js';
import { alternativeWindow, matchesPreference, nearestAlternatives, parseDatePreference, rankSlots } from './date/index.js';
import type { InboundMedia } from './inbound-payload.js';
import { detectIntent, smallTalkKind, type DetectedIntent, type Intent } from './intent.js';
import { brazilianVariants, toE164 } from '../shared/phone.js';
import {
  alternativesMessage,
  calendarRejectedMessage,
  cancelConfirmHelpMessage,
  cancelKeptMessage,
  cancelQuestionMessage,
  mediaMessage,
  smallTalkMessage,
  calendarUnavailableMessage,
  offerRefreshedMessage,
  cancelConfirmedMessage,
  chooseAppointmentMessage,
  confirmationMessage,
  declineMessage,
  helpMessage,
  invalidChoiceMessage,
  listMessage,
  noAppointmentsMessage,
  noSlotsMessage,
  notConfiguredMessage,
  optionsMessage,
  rescheduleConfirmedMessage,
  slotTakenMessage,
} from './replies.js';

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
  'availability' | 'book' | 'resumeClaim' | 'reschedule' | 'cancel' | 'get' | 'upcomingForContact' | 'liveUpcoming' | 'contactAppointmentAt' | 'liveStarts'
>;

/** Alternatives are searched at most this far ahead (AppointmentService allows 62 days per call). */
const MAX_SEARCH_DAYS = 60;

/** Most meetings a contact is asked to pick from (options are read as one or two digits). */
const MAX_LISTED_APPOINTMENTS = 5;
/** A slot starting within this is too close to book (AppointmentService refuses past starts). */
const MIN_LEAD_MS = 60_000;

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

/** Mutable working copy of the conversation for one turn. */
class Working {
  replies: string[] = [];
  outcome = 'no_intent';
  handled = false;
  constructor(
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

/**
 * The bot's decisions for one message: intent → Cal.com (through AppointmentService) → replies and
 * the next conversation state. Every decision is audited in the caller's transaction.
 */
export class ConversationEngine {
  constructor(
    private readonly appointments: AppointmentPort,
    readonly settings: WhatsappSettings,
    private readonly metrics: Metrics,
  ) {}

  /** `media`: an audio, image, video, document or sticker sent without text (`text` is then empty). */
  async handle(turn: Turn, text: string, media?: InboundMedia): Promise<TurnResult> {
    const conversation = turn.conversation;
    const expired = conversation.expiresAt !== null && conversation.expiresAt <= turn.now;
    const state = expired ? 'IDLE' : (conversation.state as ConversationState);
    const data = expired ? {} : (conversation.data as ConversationData);
    const w = new Working(turn, state, data);

    // Nothing to read in a voice note or a picture: ask for text and keep whatever is pending.
    if (media && media !== 'sticker' && !text.trim()) {
      this.audit(turn, 'bot.intent', { inboundId: turn.inboundId, intent: 'NONE', media, state, conversationExpired: expired });
      w.reply(mediaMessage(media), 'media');
      return this.finish(w, 'NONE');
    }

    const detected = detectIntent(text, pendingChoice(state, data));
    this.audit(turn, 'bot.intent', {
      inboundId: turn.inboundId,
      intent: detected.intent,
      choice: detected.choice ?? null,
      invalidChoice: detected.invalidChoice ?? null,
      state,
      conversationExpired: expired,
    });

    if (state === 'AWAITING_SLOT_CHOICE' && data.offer) await this.onSlotChoice(w, data.offer, detected, text);
    else if (state === 'AWAITING_APPOINTMENT_CHOICE' && data.pick) await this.onAppointmentChoice(w, data.pick, detected, text);
    else if (state === 'AWAITING_CANCEL_CONFIRMATION' && data.cancel) await this.onCancelConfirmation(w, data.cancel, detected, text);
    else await this.onIdle(w, detected, text);
    return this.finish(w, detected.intent);
  }

  private finish(w: Working, intent: Intent): TurnResult {
    const { conversation, now } = w.turn;
    conversation.state = w.state;
    conversation.data = { ...w.data };
    const open = w.state !== 'IDLE' || Object.keys(w.data).length > 0;
    conversation.expiresAt = open ? new Date(now.getTime() + this.settings.conversationTtlMs) : null;
    return { intent, handled: w.handled, replies: w.replies, outcome: w.outcome };
  }

  // ---- states ---------------------------------------------------------------------------------

  private async onIdle(w: Working, detected: DetectedIntent, text: string): Promise<void> {
    const reschedulingId = w.data.reschedulingId;
    switch (detected.intent) {
      case 'SCHEDULE':
        return reschedulingId
          ? this.offer(w, { purpose: 'reschedule', appointmentId: reschedulingId }, this.preferenceOf(w.turn, text))
          : this.offer(w, { purpose: 'book' }, this.preferenceOf(w.turn, text));
      case 'RESCHEDULE':
        return this.startReschedule(w, text);
      case 'CANCEL':
        return this.startCancel(w, text);
      case 'LIST':
        return this.list(w);
      case 'DECLINE':
        if (reschedulingId) {
          w.set('IDLE');
          return w.reply(declineMessage(), 'declined');
        }
        return;
      default: {
        // "ok", "obrigado", "sim" with nothing pending, an emoji or a sticker: a short pointer, never
        // silence. Anything longer (a question) belongs to the human agents.
        const smallTalk = smallTalkKind(text);
        if (smallTalk) return w.reply(smallTalkMessage(smallTalk), `small_talk:${smallTalk}`);
        return;
      }
    }
  }

  private async onCancelConfirmation(w: Working, pending: CancelConfirmation, detected: DetectedIntent, text: string): Promise<void> {
    const appointment = await this.liveAppointment(w.turn, pending.appointmentId);
    if (!appointment) {
      // Cancelled meanwhile (panel, Cal.com): a "sim" now answers with what is left to cancel.
      w.set('IDLE');
      return detected.intent === 'CHOOSE' ? this.startCancel(w) : this.onIdle(w, detected, text);
    }
    const { turn } = w;
    switch (detected.intent) {
      case 'CHOOSE':
      case 'CANCEL':
        return this.cancel(w, appointment);
      case 'DECLINE':
        w.set('IDLE');
        return w.reply(cancelKeptMessage(appointment.startAt, turn.now, turn.timeZone), 'cancel_kept');
      case 'SCHEDULE':
      case 'RESCHEDULE':
      case 'LIST':
        w.set('IDLE');
        return this.onIdle(w, detected, text);
      default:
        return w.reply(cancelConfirmHelpMessage(appointment.startAt, turn.now, turn.timeZone), 'help');
    }
  }

  private async onSlotChoice(w: Working, offer: SlotOffer, detected: DetectedIntent, text: string): Promise<void> {
    switch (detected.intent) {
      case 'CHOOSE':
        return this.choose(w, offer, detected.choice!);
      case 'SCHEDULE':
        // "e na sexta?": new options for the same purpose (booking or moving the same meeting).
        return this.offer(w, { purpose: offer.purpose, appointmentId: offer.appointmentId }, this.preferenceOf(w.turn, text));
      case 'RESCHEDULE':
        return this.startReschedule(w, text);
      case 'CANCEL':
        return this.startCancel(w, text);
      case 'LIST':
        return this.list(w);
      case 'DECLINE':
        w.set('IDLE');
        return w.reply(declineMessage(), 'declined');
      default:
        if (detected.invalidChoice !== undefined) return w.reply(invalidChoiceMessage(offer.slots.length), 'invalid_choice');
        return w.reply(helpMessage(offer.slots.length), 'help');
    }
  }

  private async onAppointmentChoice(w: Working, pick: AppointmentPick, detected: DetectedIntent, text: string): Promise<void> {
    const { intent, choice } = detected;
    if (choice !== undefined && (intent === 'CHOOSE' || intent === 'CANCEL' || intent === 'RESCHEDULE')) {
      const appointment = await this.liveAppointment(w.turn, pick.appointmentIds[choice - 1]);
      if (!appointment) return this.startForAction(w, pick.action, pick.requestText ?? text);
      const action = intent === 'CANCEL' ? 'cancel' : intent === 'RESCHEDULE' ? 'reschedule' : pick.action;
      if (action === 'cancel') return this.cancel(w, appointment);
      const requestText = intent === 'RESCHEDULE' ? text : (pick.requestText ?? '');
      return this.offer(w, { purpose: 'reschedule', appointmentId: appointment.id }, this.preferenceOf(w.turn, requestText));
    }
    switch (intent) {
      case 'CANCEL':
        return this.startCancel(w, text);
      case 'RESCHEDULE':
        return this.startReschedule(w, text);
      case 'SCHEDULE':
        if (pick.action === 'reschedule') {
          // "para sexta" answered to "which meeting?": keep it for after the choice.
          return this.askWhich(w, { ...pick, requestText: text });
        }
        return this.offer(w, { purpose: 'book' }, this.preferenceOf(w.turn, text));
      case 'LIST':
        return this.list(w);
      case 'DECLINE':
        w.set('IDLE');
        return w.reply(declineMessage(), 'declined');
      default:
        if (detected.invalidChoice !== undefined) return w.reply(invalidChoiceMessage(pick.appointmentIds.length), 'invalid_choice');
        return this.askWhich(w, pick);
    }
  }

  // ---- flows ----------------------------------------------------------------------------------

  private preferenceOf(turn: Turn, text: string): StoredPreference | null {
    const pref = text ? parseDatePreference(text, turn.now, turn.timeZone) : null;
    return pref ? storePreference(pref) : null;
  }

  /**
   * Looks for free slots and offers them (or says there are none). `intro` goes as its own message
   * before the options, and only when there are options.
   */
  private async offer(
    w: Working,
    target: Pick<SlotOffer, 'purpose' | 'appointmentId'>,
    preference: StoredPreference | null,
    options: { intro?: string; exclude?: Date[] } = {},
  ): Promise<void> {
    const { turn } = w;
    let slots: Date[];
    let alternative = false;
    try {
      slots = await this.findSlots(turn, preference, options.exclude ?? []);
      if (slots.length === 0) {
        // Never a dead end: the nearest free days (keeping the asked period or hour when possible).
        slots = await this.findAlternatives(turn, preference, options.exclude ?? []);
        alternative = slots.length > 0;
      }
    } catch (error) {
      return this.calendarFailure(w, error, 'availability', () => w.set('IDLE'));
    }
    const offer: SlotOffer = {
      purpose: target.purpose,
      ...(target.appointmentId ? { appointmentId: target.appointmentId } : {}),
      slots: slots.map((s) => s.toISOString()),
      preference,
      offeredAt: turn.now.toISOString(),
      expiresAt: new Date(turn.now.getTime() + this.settings.offerTtlMs).toISOString(),
    };
    this.audit(turn, 'bot.offer', {
      inboundId: turn.inboundId,
      purpose: offer.purpose,
      appointmentId: offer.appointmentId ?? null,
      preference,
      slots: offer.slots,
      alternatives: alternative,
    });
    const label = preference?.label || undefined;
    if (slots.length === 0) {
      w.set('IDLE', target.purpose === 'reschedule' && target.appointmentId ? { reschedulingId: target.appointmentId } : {});
      return w.reply(noSlotsMessage(label), 'no_slots');
    }
    if (options.intro) w.replies.push(options.intro);
    w.set('AWAITING_SLOT_CHOICE', { offer });
    if (alternative) return w.reply(alternativesMessage(slots, turn.now, turn.timeZone, label), 'offered_alternatives');
    w.reply(optionsMessage(slots, turn.now, turn.timeZone, label), 'offered');
  }

  private async findSlots(turn: Turn, preference: StoredPreference | null, exclude: Date[]): Promise<Date[]> {
    const pref = preference ? loadPreference(preference) : null;
    const now = turn.now;
    const from = pref && pref.from > now ? pref.from : now;
    const to = pref ? pref.to : new Date(now.getTime() + this.settings.defaultWindowDays * 86_400_000);
    const candidates = await this.freeStarts(turn, from, to, exclude);
    const ranked = pref ? rankSlots(candidates, pref, turn.timeZone) : candidates;
    return ranked.slice(0, this.settings.optionsPerOffer);
  }

  /** Nothing matched: the closest free days around the asked ones, from now on. */
  private async findAlternatives(turn: Turn, preference: StoredPreference | null, exclude: Date[]): Promise<Date[]> {
    const pref = preference ? loadPreference(preference) : null;
    const window = alternativeWindow(pref, turn.now);
    const to = new Date(Math.min(window.to.getTime(), turn.now.getTime() + MAX_SEARCH_DAYS * 86_400_000));
    const candidates = await this.freeStarts(turn, window.from, to, exclude);
    return nearestAlternatives(candidates, pref, turn.now, turn.timeZone, this.settings.optionsPerOffer);
  }

  /** Cal.com's free starts in [from, to) that nobody holds and that are not too close to book, in order. */
  private async freeStarts(turn: Turn, from: Date, to: Date, exclude: Date[]): Promise<Date[]> {
    if (from >= to) return [];
    const free = await this.appointments.availability(turn.side, turn.scope, from, to);
    // Our own claims may not have reached Cal.com yet (a concurrent booking in flight).
    const held = new Set((await this.liveStarts(turn, from, to)).map((d) => d.getTime()));
    for (const start of exclude) held.add(start.getTime());
    const minStart = turn.now.getTime() + MIN_LEAD_MS;
    return free
      .map((s) => s.start)
      .filter((s) => !held.has(s.getTime()) && s.getTime() > minStart)
      .sort((a, b) => a.getTime() - b.getTime());
  }

  private async choose(w: Working, offer: SlotOffer, choice: number): Promise<void> {
    const { turn } = w;
    const start = new Date(offer.slots[choice - 1]!);
    const expired = new Date(offer.expiresAt) <= turn.now || start.getTime() <= turn.now.getTime() + MIN_LEAD_MS;
    if (expired) {
      this.audit(turn, 'bot.offer_expired', { inboundId: turn.inboundId, choice, slot: offer.slots[choice - 1], expiresAt: offer.expiresAt });
      return this.offer(w, offer, stillAhead(offer.preference, turn.now), { intro: offerRefreshedMessage() });
    }
    if (offer.purpose === 'reschedule' && offer.appointmentId) return this.moveAppointment(w, offer, offer.appointmentId, start);
    return this.book(w, offer, start);
  }

  private async book(w: Working, offer: SlotOffer, start: Date): Promise<void> {
    const { turn } = w;
    let appointment = await this.ownLiveAppointmentAt(turn, start);
    // Our own claim without a Cal.com booking: a crash interrupted this very "1"; finish it.
    const interrupted = appointment?.status === 'PENDING' && !appointment.calBookingUid ? appointment : null;
    const replayed = appointment !== null && !interrupted;
    if (interrupted || !appointment) {
      try {
        appointment = interrupted
          ? await this.appointments.resumeClaim(turn.side, turn.scope, interrupted.id, 'WHATSAPP')
          : await this.appointments.book(
              turn.side,
              turn.scope,
              {
                start,
                clientName: turn.contact.name || `WhatsApp ${toE164(turn.contact.phone)}`,
                // E.164 so that non-Brazilian numbers are not read as national ones.
                clientPhone: toE164(turn.contact.phone),
                contactId: turn.contact.id,
              },
              'WHATSAPP',
            );
      } catch (error) {
        this.auditCalendar(turn, 'bot.booking', error, { start: start.toISOString(), ...(interrupted ? { resumed: interrupted.id } : {}) });
        if (error instanceof DomainError && error.code === 'CONFLICT') {
          return this.offer(w, offer, stillAhead(offer.preference, turn.now), { intro: slotTakenMessage(), exclude: [start] });
        }
        // Cal.com down: keep the offer so the same answer works a bit later.
        return this.calendarFailure(w, error, 'book', () => undefined);
      }
    }
    this.audit(turn, 'bot.booking', {
      inboundId: turn.inboundId,
      result: replayed ? 'already_booked' : 'booked',
      appointmentId: appointment.id,
      status: appointment.status,
      start: appointment.startAt.toISOString(),
      calBookingUid: appointment.calBookingUid,
      meetingUrl: appointment.meetingUrl,
    });
    w.set('IDLE');
    w.reply(confirmationMessage(appointment.startAt, appointment.meetingUrl, turn.now, turn.timeZone), 'booked');
  }

  private async moveAppointment(w: Working, offer: SlotOffer, appointmentId: string, start: Date): Promise<void> {
    const { turn } = w;
    const current = await this.liveAppointment(turn, appointmentId);
    if (!current) {
      w.set('IDLE');
      return w.reply(noAppointmentsMessage(), 'no_appointments');
    }
    let moved: Appointment = current;
    const replayed = current.startAt.getTime() === start.getTime();
    if (!replayed) {
      try {
        moved = await this.appointments.reschedule(turn.side, turn.scope, appointmentId, start, 'Remarcado pelo cliente via WhatsApp');
      } catch (error) {
        this.auditCalendar(turn, 'bot.reschedule', error, { appointmentId, start: start.toISOString() });
        if (error instanceof DomainError && error.code === 'CONFLICT') {
          return this.offer(w, offer, stillAhead(offer.preference, turn.now), { intro: slotTakenMessage(), exclude: [start] });
        }
        if (error instanceof DomainError && error.code === 'NOT_FOUND') {
          w.set('IDLE');
          return w.reply(noAppointmentsMessage(), 'no_appointments');
        }
        return this.calendarFailure(w, error, 'reschedule', () => undefined);
      }
    }
    this.audit(turn, 'bot.reschedule', {
      inboundId: turn.inboundId,
      result: replayed ? 'already_rescheduled' : 'rescheduled',
      appointmentId,
      from: current.startAt.toISOString(),
      start: moved.startAt.toISOString(),
      calBookingUid: moved.calBookingUid,
    });
    w.set('IDLE');
    w.reply(rescheduleConfirmedMessage(moved.startAt, moved.meetingUrl, turn.now, turn.timeZone), 'rescheduled');
  }

  /**
   * "cancelar": a meeting named by its day or time ("cancela a de terça às 9h30") is cancelled at
   * once; a single upcoming one is confirmed first ("Confirma…? Responda sim ou não"); several are
   * listed to pick from (the pick names it, so no confirmation after).
   */
  private async startCancel(w: Working, text = ''): Promise<void> {
    const { turn } = w;
    const upcoming = await this.upcoming(turn);
    if (upcoming.length === 0) {
      w.set('IDLE');
      return w.reply(noAppointmentsMessage(), 'no_appointments');
    }
    const pref = text ? parseDatePreference(text, turn.now, turn.timeZone) : null;
    const named = pref ? upcoming.filter((a) => matchesPreference(a.startAt, pref, turn.timeZone)) : [];
    if (named.length === 1) return this.cancel(w, named[0]!);
    const candidates = named.length > 1 ? named : upcoming;
    if (candidates.length === 1) {
      const appointment = candidates[0]!;
      w.set('AWAITING_CANCEL_CONFIRMATION', { cancel: { appointmentId: appointment.id } });
      return w.reply(cancelQuestionMessage(appointment.startAt, turn.now, turn.timeZone), 'asked_cancel_confirmation');
    }
    return this.askWhich(w, { action: 'cancel', appointmentIds: candidates.map((a) => a.id) }, candidates);
  }

  private async startReschedule(w: Working, text: string): Promise<void> {
    const upcoming = await this.upcoming(w.turn);
    if (upcoming.length === 0) {
      w.set('IDLE');
      return w.reply(noAppointmentsMessage(), 'no_appointments');
    }
    if (upcoming.length === 1) {
      return this.offer(w, { purpose: 'reschedule', appointmentId: upcoming[0]!.id }, this.preferenceOf(w.turn, text));
    }
    return this.askWhich(w, { action: 'reschedule', appointmentIds: upcoming.map((a) => a.id), requestText: text }, upcoming);
  }

  private startForAction(w: Working, action: AppointmentPick['action'], text: string): Promise<void> {
    return action === 'cancel' ? this.startCancel(w, text) : this.startReschedule(w, text);
  }

  /** "Qual delas?": the numbered list of the contact's meetings. */
  private async askWhich(w: Working, pick: AppointmentPick, known?: Appointment[]): Promise<void> {
    const { turn } = w;
    const appointments = known ?? (await this.liveAppointments(turn, pick.appointmentIds));
    if (appointments.length < 2) return this.startForAction(w, pick.action, pick.requestText ?? '');
    const next: AppointmentPick = { ...pick, appointmentIds: appointments.map((a) => a.id) };
    w.set('AWAITING_APPOINTMENT_CHOICE', { pick: next });
    w.reply(chooseAppointmentMessage(appointments, turn.now, turn.timeZone, pick.action), 'asked_which');
  }

  private async cancel(w: Working, appointment: Appointment): Promise<void> {
    const { turn } = w;
    try {
      await this.appointments.cancel(turn.side, turn.scope, appointment.id, 'Cancelado pelo cliente via WhatsApp', 'whatsapp');
    } catch (error) {
      this.auditCalendar(turn, 'bot.cancel', error, { appointmentId: appointment.id });
      return this.calendarFailure(w, error, 'cancel', () => w.set('IDLE'));
    }
    this.audit(turn, 'bot.cancel', { inboundId: turn.inboundId, result: 'cancelled', appointmentId: appointment.id, start: appointment.startAt.toISOString() });
    w.set('IDLE');
    w.reply(cancelConfirmedMessage(appointment.startAt, turn.now, turn.timeZone), 'cancelled');
  }

  private async list(w: Working): Promise<void> {
    const { turn } = w;
    const upcoming = await this.upcoming(turn);
    this.audit(turn, 'bot.list', { inboundId: turn.inboundId, appointmentIds: upcoming.map((a) => a.id) });
    w.reply(listMessage(upcoming, turn.now, turn.timeZone), 'listed');
  }

  /**
   * The person-facing answer to a Cal.com failure. `onKeep` adjusts the state (e.g. back to IDLE);
   * errors that are not calendar outcomes are rethrown so the job retries.
   */
  private calendarFailure(w: Working, error: unknown, operation: 'availability' | 'book' | 'cancel' | 'reschedule', onKeep: () => void): void {
    if (!(error instanceof DomainError) || !CALENDAR_CODES.has(error.code)) throw error;
    const code = error.code as CalendarCode;
    const { turn } = w;
    if (operation === 'availability') this.auditCalendar(turn, 'bot.availability', error, {});
    if (code === 'CALCOM_NOT_CONFIGURED') {
      // AppointmentService counts the `calendar_not_configured` symptom where it detects it.
      w.set('IDLE');
      return w.reply(notConfiguredMessage(), 'calendar_not_configured');
    }
    onKeep();
    if (code === 'CALCOM_REJECTED') {
      this.metrics.diagnostics.inc({ company: turn.companyId, symptom: 'calendar_rejected' });
      return w.reply(calendarRejectedMessage(), 'calendar_rejected');
    }
    w.reply(calendarUnavailableMessage(), code === 'CALCOM_UNAVAILABLE' ? 'calendar_unavailable' : 'calendar_error');
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** The contact's live upcoming meetings: booked by WhatsApp, or by an admin with the same phone. */
  private async upcoming(turn: Turn): Promise<Appointment[]> {
    const contact = { id: turn.contact.id, phones: brazilianVariants(turn.contact.phone) };
    return this.appointments.upcomingForContact(turn.side, turn.scope, contact, turn.now, MAX_LISTED_APPOINTMENTS);
  }

  private async liveAppointment(turn: Turn, id: string | undefined): Promise<Appointment | null> {
    if (!id) return null;
    const row = await this.appointments.get(turn.side, turn.scope, id);
    return row && row.status !== 'CANCELLED' ? row : null;
  }

  private async liveAppointments(turn: Turn, ids: string[]): Promise<Appointment[]> {
    return this.appointments.liveUpcoming(turn.side, turn.scope, ids, turn.now);
  }

  /**
   * Replaying a "1" after a crash finds what that "1" already did: a booking (answer it again) or
   * our own claim whose Cal.com call never finished (resume it).
   */
  private async ownLiveAppointmentAt(turn: Turn, start: Date): Promise<Appointment | null> {
    return this.appointments.contactAppointmentAt(turn.side, turn.scope, turn.contact.id, start);
  }

  private async liveStarts(turn: Turn, from: Date, to: Date): Promise<Date[]> {
    return this.appointments.liveStarts(turn.side, turn.scope, from, to);
  }

  // ---- audit ----------------------------------------------------------------------------------

  private audit(turn: Turn, action: string, data: Record<string, unknown>): void {
    audit(turn.tx, turn.companyId, turn.scope.actor, action, `conversation:${turn.conversation.id}`, data);
  }

  private auditCalendar(turn: Turn, action: string, error: unknown, data: Record<string, unknown>): void {
    const code = error instanceof DomainError ? error.code : 'ERROR';
    const message = error instanceof Error ? error.message : String(error);
    this.audit(turn, action, { inboundId: turn.inboundId, result: code, error: message, ...data });
  }
}

/** A preference whose window already passed ("hoje de manhã", asked yesterday) falls back to the next days. */
function stillAhead(preference: StoredPreference | null, now: Date): StoredPreference | null {
  return preference && new Date(preference.to) > now ? preference : null;
}

