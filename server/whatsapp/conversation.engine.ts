/**
 * Entry point of the WhatsApp bot: one inbound message in, replies and the next conversation state
 * out. This file holds the state dispatch; the flows it hands to live by role in `booking-offer.ts`
 * (offer, book, move), `existing-appointments.ts` (list, cancel, "which one?") and
 * `conversation-turn.ts` (the shared turn, reads, calendar failures, audit).
 */

import type { Metrics } from '../platform/metrics.js';
import { answeredService, askService, choose, offerSlots, startBooking } from './booking-offer.js';
import {
  auditTurn,
  liveAppointment,
  preferenceOf,
  Working,
  type AppointmentPort,
  type EngineDeps,
  type Turn,
  type TurnResult,
  type WhatsappSettings,
} from './conversation-turn.js';
import {
  pendingChoice,
  type AppointmentPick,
  type CancelConfirmation,
  type ConversationData,
  type ConversationState,
  type ReminderContext,
  type ServiceQuestion,
  type SlotOffer,
} from './conversation.state.js';
import { askWhich, cancel, list, startCancel, startForAction, startReschedule } from './existing-appointments.js';
import type { InboundMedia } from './inbound-payload.js';
import { detectIntent, reminderAnswer, smallTalkKind, type DetectedIntent, type Intent } from './intent.js';
import { confirmPresence, declineAppointment } from './reminder-answers.js';
import { NO_SERVICES, type ServicePort } from './service-choice.js';
import { cancelConfirmHelpMessage, cancelKeptMessage, declineMessage, helpMessage, invalidChoiceMessage, mediaMessage, smallTalkMessage } from './replies.js';

// Importers (whatsapp.service, tests, the evaluation) keep importing these from here.
export { DEFAULT_WHATSAPP_SETTINGS, type AppointmentPort, type Turn, type TurnResult, type WhatsappSettings } from './conversation-turn.js';

/**
 * The bot's decisions for one message: intent → Cal.com (through AppointmentService) → replies and
 * the next conversation state. Every decision is audited in the caller's transaction.
 */
export class ConversationEngine {
  private readonly deps: EngineDeps;

  constructor(
    appointments: AppointmentPort,
    readonly settings: WhatsappSettings,
    metrics: Metrics,
    /** The company's services; without it every booking uses the company's event type. */
    services: ServicePort = NO_SERVICES,
  ) {
    this.deps = { appointments, settings, metrics, services };
  }

  /** `media`: an audio, image, video, document or sticker sent without text (`text` is then empty). */
  async handle(turn: Turn, text: string, media?: InboundMedia): Promise<TurnResult> {
    const conversation = turn.conversation;
    const expired = conversation.expiresAt !== null && conversation.expiresAt <= turn.now;
    const state = expired ? 'IDLE' : (conversation.state as ConversationState);
    const data = expired ? {} : (conversation.data as ConversationData);
    const w = new Working(this.deps, turn, state, data);

    // Nothing to read in a voice note or a picture: ask for text and keep whatever is pending.
    if (media && media !== 'sticker' && !text.trim()) {
      auditTurn(turn, 'bot.intent', { inboundId: turn.inboundId, intent: 'NONE', media, state, conversationExpired: expired });
      w.reply(mediaMessage(media), 'media');
      return this.finish(w, 'NONE');
    }

    const detected = detectIntent(text, pendingChoice(state, data));
    auditTurn(turn, 'bot.intent', {
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
    else if (state === 'AWAITING_REMINDER_ANSWER' && data.reminder) await this.onReminderAnswer(w, data.reminder, detected, text);
    else if (state === 'AWAITING_SERVICE_CHOICE' && data.serviceAsk) await this.onServiceChoice(w, data.serviceAsk, detected, text);
    else await this.onIdle(w, detected, text);
    return this.finish(w, detected.intent);
  }

  private finish(w: Working, intent: Intent): TurnResult {
    const { conversation, now } = w.turn;
    conversation.state = w.state;
    conversation.data = { ...w.data };
    const open = w.state !== 'IDLE' || Object.keys(w.data).length > 0;
    conversation.expiresAt = open ? new Date(now.getTime() + w.deps.settings.conversationTtlMs) : null;
    return { intent, handled: w.handled, replies: w.replies, outcome: w.outcome };
  }

  // ---- states ---------------------------------------------------------------------------------

  private async onIdle(w: Working, detected: DetectedIntent, text: string): Promise<void> {
    const reschedulingId = w.data.reschedulingId;
    switch (detected.intent) {
      case 'SCHEDULE':
        return reschedulingId
          ? offerSlots(w, { purpose: 'reschedule', appointmentId: reschedulingId }, preferenceOf(w.turn, text))
          : startBooking(w, text);
      case 'RESCHEDULE':
        return startReschedule(w, text);
      case 'CANCEL':
        return startCancel(w, text);
      case 'LIST':
        return list(w);
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
    const appointment = await liveAppointment(w, pending.appointmentId);
    if (!appointment) {
      // Cancelled meanwhile (panel, Cal.com): a "sim" now answers with what is left to cancel.
      w.set('IDLE');
      return detected.intent === 'CHOOSE' ? startCancel(w) : this.onIdle(w, detected, text);
    }
    const { turn } = w;
    switch (detected.intent) {
      case 'CHOOSE':
      case 'CANCEL':
        return cancel(w, appointment);
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

  /**
   * A reminder waits for 1 (confirm), 2 (reschedule) or 3 (cancel), or the same in words. Anything
   * else — or an appointment cancelled or started meanwhile — goes to the normal conversation.
   */
  private async onReminderAnswer(w: Working, pending: ReminderContext, detected: DetectedIntent, text: string): Promise<void> {
    // `detected` was read with the reminder's three options pending (pendingChoice).
    const answer = reminderAnswer(text, detected);
    const appointment = answer ? await liveAppointment(w, pending.appointmentId) : null;
    if (!answer || !appointment || appointment.startAt <= w.turn.now) {
      w.set('IDLE');
      // Read again as an idle message: no options are pending any more.
      return this.onIdle(w, detectIntent(text), text);
    }
    auditTurn(w.turn, 'bot.reminder_answer_read', { inboundId: w.turn.inboundId, answer, appointmentId: appointment.id });
    if (answer === 'confirm') return confirmPresence(w, appointment);
    if (answer === 'cancel') return declineAppointment(w, appointment);
    return offerSlots(w, { purpose: 'reschedule', appointmentId: appointment.id }, preferenceOf(w.turn, text));
  }

  private async onSlotChoice(w: Working, offer: SlotOffer, detected: DetectedIntent, text: string): Promise<void> {
    switch (detected.intent) {
      case 'CHOOSE':
        return choose(w, offer, detected.choice!);
      case 'SCHEDULE':
        // "e na sexta?": new options for the same purpose (booking the same service or moving the same meeting).
        return offerSlots(w, { purpose: offer.purpose, appointmentId: offer.appointmentId, serviceId: offer.serviceId, serviceName: offer.serviceName }, preferenceOf(w.turn, text));
      case 'RESCHEDULE':
        return startReschedule(w, text);
      case 'CANCEL':
        return startCancel(w, text);
      case 'LIST':
        return list(w);
      case 'DECLINE':
        w.set('IDLE');
        return w.reply(declineMessage(), 'declined');
      default:
        if (detected.invalidChoice !== undefined) return w.reply(invalidChoiceMessage(offer.slots.length), 'invalid_choice');
        return w.reply(helpMessage(offer.slots.length), 'help');
    }
  }

  /** The answer to "Qual serviço?" (asked once per request; the day asked for is kept). */
  private async onServiceChoice(w: Working, question: ServiceQuestion, detected: DetectedIntent, text: string): Promise<void> {
    const choice = detected.intent === 'CHOOSE' ? detected.choice : undefined;
    const { service, services } = await answeredService(w, question, text, choice);
    if (service) {
      // "limpeza na sexta": a day given with the answer replaces the one kept.
      const preference = preferenceOf(w.turn, text) ?? question.preference;
      const serviceName = services.length > 1 ? service.name : undefined;
      auditTurn(w.turn, 'bot.service_chosen', { inboundId: w.turn.inboundId, serviceId: service.id });
      return offerSlots(w, { purpose: 'book', serviceId: service.id, serviceName }, preference);
    }
    switch (detected.intent) {
      case 'RESCHEDULE':
        return startReschedule(w, text);
      case 'CANCEL':
        return startCancel(w, text);
      case 'LIST':
        return list(w);
      case 'DECLINE':
        w.set('IDLE');
        return w.reply(declineMessage(), 'declined');
      default:
        // Only one service left bookable (the others were deactivated meanwhile): no question needed.
        if (services.length <= 1) return offerSlots(w, { purpose: 'book', serviceId: services[0]?.id }, preferenceOf(w.turn, text) ?? question.preference);
        // A number that is not an option, a new day ("amanhã") or anything else: the same question
        // with the fresh list, keeping the latest day asked for.
        return askService(w, services, preferenceOf(w.turn, text) ?? question.preference);
    }
  }

  private async onAppointmentChoice(w: Working, pick: AppointmentPick, detected: DetectedIntent, text: string): Promise<void> {
    const { intent, choice } = detected;
    if (choice !== undefined && (intent === 'CHOOSE' || intent === 'CANCEL' || intent === 'RESCHEDULE')) {
      const appointment = await liveAppointment(w, pick.appointmentIds[choice - 1]);
      if (!appointment) return startForAction(w, pick.action, pick.requestText ?? text);
      const action = intent === 'CANCEL' ? 'cancel' : intent === 'RESCHEDULE' ? 'reschedule' : pick.action;
      if (action === 'cancel') return cancel(w, appointment);
      const requestText = intent === 'RESCHEDULE' ? text : (pick.requestText ?? '');
      return offerSlots(w, { purpose: 'reschedule', appointmentId: appointment.id }, preferenceOf(w.turn, requestText));
    }
    switch (intent) {
      case 'CANCEL':
        return startCancel(w, text);
      case 'RESCHEDULE':
        return startReschedule(w, text);
      case 'SCHEDULE':
        if (pick.action === 'reschedule') {
          // "para sexta" answered to "which meeting?": keep it for after the choice.
          return askWhich(w, { ...pick, requestText: text });
        }
        return startBooking(w, text);
      case 'LIST':
        return list(w);
      case 'DECLINE':
        w.set('IDLE');
        return w.reply(declineMessage(), 'declined');
      default:
        if (detected.invalidChoice !== undefined) return w.reply(invalidChoiceMessage(pick.appointmentIds.length), 'invalid_choice');
        return askWhich(w, pick);
    }
  }
}
