/**
 * Offering free slots and acting on the chosen one: a new booking, or moving an existing meeting.
 * A taken slot or a stale offer answers with fresh options, never a dead end.
 */

import type { Appointment } from '../appointments/appointment.entity.js';
import { DomainError } from '../platform/errors.js';
import { isLidAddress, toE164 } from '../shared/phone.js';
import { auditCalendar, auditTurn, calendarFailure, liveAppointment, liveStarts, ownLiveAppointmentAt, preferenceOf, type Working } from './conversation-turn.js';
import { loadPreference, type ServiceQuestion, type SlotOffer, type StoredPreference } from './conversation.state.js';
import { recognizeService, type ServiceOption } from './service-choice.js';
import { alternativeWindow, nearestAlternatives, rankSlots } from './date/index.js';
import {
  alternativesMessage,
  confirmationMessage,
  noAppointmentsMessage,
  noPhoneBookingMessage,
  noSlotsMessage,
  offerRefreshedMessage,
  optionsMessage,
  rescheduleConfirmedMessage,
  serviceQuestionMessage,
  slotTakenMessage,
} from './replies.js';

/** The service whose slots are searched; a meeting being moved keeps its service even if deactivated since. */
interface ServiceRef {
  id: string | null;
  allowInactive?: boolean;
}

const NO_SERVICE: ServiceRef = { id: null };

/** The service of an offer was deactivated (or is gone) between two messages. */
function serviceGone(error: unknown): boolean {
  return error instanceof DomainError && (error.key === 'SERVICE_INACTIVE' || error.key === 'SERVICE_NOT_FOUND');
}

/** What an offer is for: booking (of a service) or moving one appointment. */
export type OfferTarget = Pick<SlotOffer, 'purpose' | 'appointmentId' | 'serviceId' | 'serviceName'>;

/** Alternatives are searched at most this far ahead (AppointmentService allows 62 days per call). */
const MAX_SEARCH_DAYS = 60;
/** A slot starting within this is too close to book (AppointmentService refuses past starts). */
const MIN_LEAD_MS = 60_000;

/**
 * Looks for free slots and offers them (or says there are none). `intro` goes as its own message
 * before the options, and only when there are options.
 */
export async function offerSlots(
  w: Working,
  target: OfferTarget,
  preference: StoredPreference | null,
  options: { intro?: string; exclude?: Date[] } = {},
): Promise<void> {
  const { turn } = w;
  let slots: Date[];
  let alternative = false;
  let serviceId = target.serviceId ?? null;
  const moving = target.purpose === 'reschedule';
  try {
    // Moving a meeting: the free slots of its own service's event type.
    if (!serviceId && moving && target.appointmentId) {
      serviceId = (await liveAppointment(w, target.appointmentId))?.serviceId ?? null;
    }
    const service: ServiceRef = { id: serviceId, allowInactive: moving };
    slots = await findSlots(w, preference, options.exclude ?? [], service);
    if (slots.length === 0) {
      // Never a dead end: the nearest free days (keeping the asked period or hour when possible).
      slots = await findAlternatives(w, preference, options.exclude ?? [], service);
      alternative = slots.length > 0;
    }
  } catch (error) {
    // Deactivated meanwhile: choose again among what is offered now.
    if (serviceGone(error) && !moving) return chooseServiceAgain(w, preference);
    return calendarFailure(w, error, 'availability', () => w.set('IDLE'));
  }
  const offer: SlotOffer = {
    purpose: target.purpose,
    ...(target.appointmentId ? { appointmentId: target.appointmentId } : {}),
    ...(serviceId ? { serviceId } : {}),
    ...(target.serviceName ? { serviceName: target.serviceName } : {}),
    slots: slots.map((s) => s.toISOString()),
    preference,
    offeredAt: turn.now.toISOString(),
    expiresAt: new Date(turn.now.getTime() + w.deps.settings.offerTtlMs).toISOString(),
  };
  auditTurn(turn, 'bot.offer', {
    inboundId: turn.inboundId,
    purpose: offer.purpose,
    appointmentId: offer.appointmentId ?? null,
    preference,
    slots: offer.slots,
    alternatives: alternative,
    serviceId: offer.serviceId ?? null,
  });
  const label = preference?.label || undefined;
  if (slots.length === 0) {
    w.set('IDLE', target.purpose === 'reschedule' && target.appointmentId ? { reschedulingId: target.appointmentId } : {});
    return w.reply(noSlotsMessage(label), 'no_slots');
  }
  if (options.intro) w.replies.push(options.intro);
  w.set('AWAITING_SLOT_CHOICE', { offer });
  if (alternative) return w.reply(alternativesMessage(slots, turn.now, turn.timeZone, label), 'offered_alternatives');
  w.reply(optionsMessage(slots, turn.now, turn.timeZone, label, offer.serviceName), 'offered');
}

/**
 * A request to book: with several bookable services, the one the text names, or the question
 * "Qual serviço?" (keeping the day asked for); with one or none, straight to the slots as before.
 */
export async function startBooking(w: Working, text: string): Promise<void> {
  const { turn } = w;
  const preference = preferenceOf(turn, text);
  const services = await w.deps.services.bookable(turn.side, turn.scope);
  if (services.length <= 1) return offerSlots(w, { purpose: 'book', serviceId: services[0]?.id }, preference);
  const named = recognizeService(text, services);
  if (named) return offerSlots(w, { purpose: 'book', serviceId: named.id, serviceName: named.name }, preference);
  return askService(w, services, preference);
}

/** After the chosen service disappeared: the only one left, or the question again (the day is kept). */
async function chooseServiceAgain(w: Working, preference: StoredPreference | null): Promise<void> {
  const { turn } = w;
  const services = await w.deps.services.bookable(turn.side, turn.scope);
  auditTurn(turn, 'bot.service_gone', { inboundId: turn.inboundId, left: services.map((s) => s.id) });
  if (services.length <= 1) return offerSlots(w, { purpose: 'book', serviceId: services[0]?.id }, preference);
  return askService(w, services, preference);
}

export function askService(w: Working, services: readonly ServiceOption[], preference: StoredPreference | null): void {
  const question: ServiceQuestion = { serviceIds: services.map((s) => s.id), preference };
  auditTurn(w.turn, 'bot.service_question', { inboundId: w.turn.inboundId, services: question.serviceIds, preference });
  w.set('AWAITING_SERVICE_CHOICE', { serviceAsk: question });
  w.reply(serviceQuestionMessage(services), 'asked_service');
}

/**
 * The answer to "Qual serviço?": its number or a name (or a professional). The services are read
 * again, so one deactivated meanwhile is not booked; null when the answer picks none.
 */
export async function answeredService(w: Working, question: ServiceQuestion, text: string, choice: number | undefined): Promise<{ service: ServiceOption | null; services: ServiceOption[] }> {
  const { turn } = w;
  const bookable = await w.deps.services.bookable(turn.side, turn.scope);
  const offered = question.serviceIds.map((id) => bookable.find((s) => s.id === id)).filter((s): s is ServiceOption => s !== undefined);
  const picked = choice !== undefined ? bookable.find((s) => s.id === question.serviceIds[choice - 1]) : undefined;
  return { service: picked ?? recognizeService(text, offered.length ? offered : bookable), services: bookable };
}

export async function findSlots(w: Working, preference: StoredPreference | null, exclude: Date[], service: ServiceRef = NO_SERVICE): Promise<Date[]> {
  const { turn } = w;
  const pref = preference ? loadPreference(preference) : null;
  const now = turn.now;
  const from = pref && pref.from > now ? pref.from : now;
  const to = pref ? pref.to : new Date(now.getTime() + w.deps.settings.defaultWindowDays * 86_400_000);
  const candidates = await freeStarts(w, from, to, exclude, service);
  const ranked = pref ? rankSlots(candidates, pref, turn.timeZone) : candidates;
  return ranked.slice(0, w.deps.settings.optionsPerOffer);
}

/** Nothing matched: the closest free days around the asked ones, from now on. */
export async function findAlternatives(w: Working, preference: StoredPreference | null, exclude: Date[], service: ServiceRef = NO_SERVICE): Promise<Date[]> {
  const { turn } = w;
  const pref = preference ? loadPreference(preference) : null;
  const window = alternativeWindow(pref, turn.now);
  const to = new Date(Math.min(window.to.getTime(), turn.now.getTime() + MAX_SEARCH_DAYS * 86_400_000));
  const candidates = await freeStarts(w, window.from, to, exclude, service);
  return nearestAlternatives(candidates, pref, turn.now, turn.timeZone, w.deps.settings.optionsPerOffer);
}

/** Cal.com's free starts in [from, to) that nobody holds and that are not too close to book, in order. */
export async function freeStarts(w: Working, from: Date, to: Date, exclude: Date[], service: ServiceRef = NO_SERVICE): Promise<Date[]> {
  const { turn } = w;
  if (from >= to) return [];
  const { slots, hostKey } = await w.deps.appointments.hostAvailability(turn.side, turn.scope, from, to, service.id, { allowInactive: service.allowInactive });
  // Our own claims may not have reached Cal.com yet (a concurrent booking in flight); only this
  // service's host's count: another professional's start stays free.
  const held = new Set((await liveStarts(w, from, to, hostKey)).map((d) => d.getTime()));
  for (const start of exclude) held.add(start.getTime());
  const minStart = turn.now.getTime() + MIN_LEAD_MS;
  return slots
    .map((s) => s.start)
    .filter((s) => !held.has(s.getTime()) && s.getTime() > minStart)
    .sort((a, b) => a.getTime() - b.getTime());
}

export async function choose(w: Working, offer: SlotOffer, choice: number): Promise<void> {
  const { turn } = w;
  const start = new Date(offer.slots[choice - 1]!);
  const expired = new Date(offer.expiresAt) <= turn.now || start.getTime() <= turn.now.getTime() + MIN_LEAD_MS;
  if (expired) {
    auditTurn(turn, 'bot.offer_expired', { inboundId: turn.inboundId, choice, slot: offer.slots[choice - 1], expiresAt: offer.expiresAt });
    return offerSlots(w, offer, stillAhead(offer.preference, turn.now), { intro: offerRefreshedMessage() });
  }
  if (offer.purpose === 'reschedule' && offer.appointmentId) return moveAppointment(w, offer, offer.appointmentId, start);
  return book(w, offer, start);
}

export async function book(w: Working, offer: SlotOffer, start: Date): Promise<void> {
  const { turn } = w;
  let appointment = await ownLiveAppointmentAt(w, start);
  // Our own claim without a Cal.com booking: a crash interrupted this very "1"; finish it.
  const interrupted = appointment?.status === 'PENDING' && !appointment.calBookingUid ? appointment : null;
  const replayed = appointment !== null && !interrupted;
  const lid = isLidAddress(turn.contact.phone);
  if (!appointment && lid) {
    // Known only by a WhatsApp LID: Cal.com needs a phone or an e-mail, and a LID is neither.
    auditTurn(turn, 'bot.booking', { inboundId: turn.inboundId, result: 'no_phone', start: start.toISOString() });
    w.set('IDLE');
    return w.reply(noPhoneBookingMessage(), 'no_phone');
  }
  if (interrupted || !appointment) {
    try {
      appointment = interrupted
        ? await w.deps.appointments.resumeClaim(turn.side, turn.scope, interrupted.id, 'WHATSAPP')
        : await w.deps.appointments.book(
            turn.side,
            turn.scope,
            {
              start,
              clientName: turn.contact.name || `WhatsApp ${toE164(turn.contact.phone)}`,
              // E.164 so that non-Brazilian numbers are not read as national ones.
              clientPhone: toE164(turn.contact.phone),
              contactId: turn.contact.id,
              serviceId: offer.serviceId ?? null,
            },
            'WHATSAPP',
          );
    } catch (error) {
      auditCalendar(turn, 'bot.booking', error, { start: start.toISOString(), ...(interrupted ? { resumed: interrupted.id } : {}) });
      if (serviceGone(error)) return chooseServiceAgain(w, stillAhead(offer.preference, turn.now));
      if (error instanceof DomainError && error.code === 'CONFLICT') {
        return offerSlots(w, offer, stillAhead(offer.preference, turn.now), { intro: slotTakenMessage(), exclude: [start] });
      }
      // Cal.com down: keep the offer so the same answer works a bit later.
      return calendarFailure(w, error, 'book', () => undefined);
    }
  }
  auditTurn(turn, 'bot.booking', {
    inboundId: turn.inboundId,
    result: replayed ? 'already_booked' : 'booked',
    appointmentId: appointment.id,
    status: appointment.status,
    start: appointment.startAt.toISOString(),
    calBookingUid: appointment.calBookingUid,
    meetingUrl: appointment.meetingUrl,
    serviceId: appointment.serviceId,
  });
  w.set('IDLE');
  w.reply(confirmationMessage(appointment.startAt, appointment.meetingUrl, turn.now, turn.timeZone, offer.serviceName), 'booked');
}

export async function moveAppointment(w: Working, offer: SlotOffer, appointmentId: string, start: Date): Promise<void> {
  const { turn } = w;
  const current = await liveAppointment(w, appointmentId);
  if (!current) {
    w.set('IDLE');
    return w.reply(noAppointmentsMessage(), 'no_appointments');
  }
  let moved: Appointment = current;
  const replayed = current.startAt.getTime() === start.getTime();
  if (!replayed) {
    try {
      moved = await w.deps.appointments.reschedule(turn.side, turn.scope, appointmentId, start, 'Remarcado pelo cliente via WhatsApp');
    } catch (error) {
      auditCalendar(turn, 'bot.reschedule', error, { appointmentId, start: start.toISOString() });
      if (error instanceof DomainError && error.code === 'CONFLICT') {
        return offerSlots(w, offer, stillAhead(offer.preference, turn.now), { intro: slotTakenMessage(), exclude: [start] });
      }
      if (error instanceof DomainError && error.code === 'NOT_FOUND') {
        w.set('IDLE');
        return w.reply(noAppointmentsMessage(), 'no_appointments');
      }
      return calendarFailure(w, error, 'reschedule', () => undefined);
    }
  }
  auditTurn(turn, 'bot.reschedule', {
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

/** A preference whose window already passed ("hoje de manhã", asked yesterday) falls back to the next days. */
function stillAhead(preference: StoredPreference | null, now: Date): StoredPreference | null {
  return preference && new Date(preference.to) > now ? preference : null;
}
