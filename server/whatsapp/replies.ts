import { CALENDAR_REPLIES } from '../platform/messages.js';
import {
  WEEKDAY_NAMES,
  WEEKDAY_SHORT_NAMES,
  clockPhrase,
  dayMonthLabel,
  daysBetween,
  localDateOf,
  zonedParts,
} from './date/index.js';
import type { InboundMedia } from './inbound-payload.js';

/** Every text the bot sends on WhatsApp, in pt-BR. Dates are shown in the company time zone. */

export interface AppointmentSummary {
  startAt: Date;
}

function minutesOfDay(instant: Date, timeZone: string): number {
  const { hour, minute } = zonedParts(instant, timeZone);
  return hour * 60 + minute;
}

/** "às 14h", "às 9h30", "ao meio-dia". */
function timePhrase(start: Date, timeZone: string): string {
  return clockPhrase('a', minutesOfDay(start, timeZone));
}

function relativeDay(start: Date, now: Date, timeZone: string): 'hoje' | 'amanhã' | null {
  const diff = daysBetween(localDateOf(now, timeZone), localDateOf(start, timeZone));
  return diff === 0 ? 'hoje' : diff === 1 ? 'amanhã' : null;
}

/** "4/12", with the year only when it is not the current one. */
function shortDate(start: Date, now: Date, timeZone: string): string {
  return dayMonthLabel(localDateOf(start, timeZone), localDateOf(now, timeZone).year);
}

/** List wording: "amanhã (quarta, 2/12) às 14h", "sexta-feira (4/12) às 9h30". */
function slotWhen(start: Date, now: Date, timeZone: string): string {
  const weekday = zonedParts(start, timeZone).weekday;
  const date = shortDate(start, now, timeZone);
  const relative = relativeDay(start, now, timeZone);
  const day = relative
    ? `${relative} (${WEEKDAY_SHORT_NAMES[weekday]}, ${date})`
    : `${WEEKDAY_NAMES[weekday]} (${date})`;
  return `${day} ${timePhrase(start, timeZone)}`;
}

/** Short wording for a question: "amanhã (sexta, 4/12) às 15h", "terça, 8/12, às 9h30". */
function shortWhen(start: Date, now: Date, timeZone: string): string {
  if (relativeDay(start, now, timeZone)) return slotWhen(start, now, timeZone);
  const weekday = WEEKDAY_SHORT_NAMES[zonedParts(start, timeZone).weekday];
  return `${weekday}, ${shortDate(start, now, timeZone)}, ${timePhrase(start, timeZone)}`;
}

/** Sentence wording: "amanhã às 14h", "sexta-feira, 5/12, às 14h". */
function sentenceWhen(start: Date, now: Date, timeZone: string): string {
  const relative = relativeDay(start, now, timeZone);
  if (relative) return `${relative} ${timePhrase(start, timeZone)}`;
  const weekday = WEEKDAY_NAMES[zonedParts(start, timeZone).weekday];
  return `${weekday}, ${shortDate(start, now, timeZone)}, ${timePhrase(start, timeZone)}`;
}

/** "1, 2 ou 3" */
function optionNumbers(count: number): string {
  const numbers = Array.from({ length: count }, (_, i) => String(i + 1));
  if (numbers.length <= 1) return numbers.join('');
  return `${numbers.slice(0, -1).join(', ')} ou ${numbers[numbers.length - 1]}`;
}

function answerHint(count: number): string {
  return count === 1
    ? 'Responda com 1 (ou “sim”) para confirmar.'
    : `Responda com o número da opção (${optionNumbers(count)}).`;
}

function numberedLines(starts: readonly Date[], now: Date, timeZone: string): string[] {
  return starts.map((start, i) => formatSlotOption(i + 1, start, now, timeZone));
}

export function formatSlotOption(index: number, start: Date, now: Date, timeZone: string): string {
  return `${index}) ${slotWhen(start, now, timeZone)}`;
}

/** The offer: intro, numbered slots, how to answer. `prefLabel` is DatePreference.label. */
export function optionsMessage(slots: readonly Date[], now: Date, timeZone: string, prefLabel?: string): string {
  if (slots.length === 0) return noSlotsMessage(prefLabel);
  const available = slots.length === 1 ? 'Tenho este horário disponível' : 'Tenho estes horários disponíveis';
  const intro = prefLabel ? `${available} ${prefLabel}:` : `${available}:`;
  return [
    intro,
    ...numberedLines(slots, now, timeZone),
    '',
    answerHint(slots.length),
    'Se preferir outro dia ou período, é só me dizer (por exemplo, “sexta à tarde”).',
  ].join('\n');
}

function linkSentence(meetingUrl: string | null): string {
  // WhatsApp attendees often have no real e-mail in Cal.com: never promise one.
  return meetingUrl ? `Aqui está o link: ${meetingUrl}` : 'O link da reunião ainda não está disponível; nossa equipe vai enviá-lo por aqui.';
}

export function confirmationMessage(start: Date, meetingUrl: string | null, now: Date, timeZone: string): string {
  return `Reunião confirmada para ${sentenceWhen(start, now, timeZone)}! ${linkSentence(meetingUrl)}`;
}

export function rescheduleConfirmedMessage(
  start: Date,
  meetingUrl: string | null,
  now: Date,
  timeZone: string,
): string {
  return `Pronto! Sua reunião foi remarcada para ${sentenceWhen(start, now, timeZone)}. ${linkSentence(meetingUrl)}`;
}

export function cancelConfirmedMessage(start: Date, now: Date, timeZone: string): string {
  return `Pronto! Sua reunião de ${sentenceWhen(start, now, timeZone)} foi cancelada. Se quiser marcar outro horário, é só me chamar.`;
}

export function notConfiguredMessage(): string {
  return CALENDAR_REPLIES.notConfigured;
}

/** `prefLabel` is DatePreference.label ("amanhã à tarde"); without it, the default search window. */
export function noSlotsMessage(prefLabel?: string): string {
  const when = prefLabel ? prefLabel : 'nos próximos dias';
  return `Não encontrei horários disponíveis ${when}. Quer tentar outro dia ou período? Por exemplo: “sexta de manhã” ou “semana que vem”.`;
}

/**
 * Nothing free when asked: says so in one line and offers the nearest slots at once, so the person
 * never has to start over. `prefLabel` is DatePreference.label ("no sábado, 5/12, à tarde").
 */
export function alternativesMessage(slots: readonly Date[], now: Date, timeZone: string, prefLabel?: string): string {
  const when = prefLabel ? prefLabel : 'nos próximos dias';
  const nearest = slots.length === 1 ? 'O mais próximo que tenho:' : 'Os mais próximos que tenho:';
  return [
    `Não tenho horários livres ${when}. ${nearest}`,
    ...numberedLines(slots, now, timeZone),
    '',
    answerHint(slots.length),
    'Se preferir outro dia ou período, é só me dizer.',
  ].join('\n');
}

/** One-word confirmation before cancelling a meeting the person did not name. */
export function cancelQuestionMessage(start: Date, now: Date, timeZone: string): string {
  return `Confirma o cancelamento de ${shortWhen(start, now, timeZone)}? Responda sim ou não.`;
}

export function cancelKeptMessage(start: Date, now: Date, timeZone: string): string {
  return `Tudo bem, sua reunião de ${shortWhen(start, now, timeZone)} continua marcada.`;
}

/** Anything but yes/no while a cancellation waits for confirmation. */
export function cancelConfirmHelpMessage(start: Date, now: Date, timeZone: string): string {
  return `Para cancelar a reunião de ${shortWhen(start, now, timeZone)}, responda sim; para mantê-la, responda não.`;
}

export type SmallTalk = 'thanks' | 'greeting' | 'ack';

/** "ok", "obrigado", "oi", an emoji or a sticker with nothing pending: a short pointer, never silence. */
export function smallTalkMessage(kind: SmallTalk): string {
  if (kind === 'thanks') return 'Por nada! Se precisar marcar, remarcar ou cancelar uma reunião, é só me chamar.';
  if (kind === 'greeting') {
    return 'Olá! Posso marcar, remarcar ou cancelar reuniões por aqui. É só me dizer o dia e o período, por exemplo: “quero marcar amanhã à tarde”.';
  }
  return 'Certo! Se quiser marcar, remarcar ou cancelar uma reunião, é só me dizer, por exemplo: “amanhã à tarde” ou “minhas reuniões”.';
}

/** Audio, image, video or document without text. */
export function mediaMessage(kind: Exclude<InboundMedia, 'sticker'>): string {
  const what = { audio: 'ouvir áudios', image: 'ver imagens', video: 'ver vídeos', document: 'abrir documentos' }[kind];
  return `Ainda não consigo ${what} por aqui; pode me escrever?`;
}

export function calendarUnavailableMessage(): string {
  return CALENDAR_REPLIES.unavailable;
}

/** Sent right before a fresh optionsMessage. */
export function slotTakenMessage(): string {
  return CALENDAR_REPLIES.slotTaken;
}

export function invalidChoiceMessage(optionCount: number): string {
  return `Não encontrei essa opção. ${answerHint(optionCount)}`;
}

/** Help while options are on screen. */
export function helpMessage(optionCount = 3): string {
  return [
    `Para escolher um horário, responda com o número da opção (${optionNumbers(optionCount)}).`,
    'Se preferir outro dia ou período, me diga, por exemplo, “amanhã à tarde”.',
    'Para desistir, responda “não”.',
  ].join('\n');
}

/** Sent right before a fresh optionsMessage when a late choice hit expired options. */
export function offerRefreshedMessage(): string {
  return 'Essas opções de horário expiraram. Veja as novas opções:';
}

/** Cal.com refused for a reason retrying will not fix (configuration, validation). */
export function calendarRejectedMessage(): string {
  return CALENDAR_REPLIES.rejected;
}

/** The contact is known only by a WhatsApp LID (no phone number): the calendar cannot book for it. */
export function noPhoneBookingMessage(): string {
  return 'Não consigo concluir o agendamento por aqui porque o WhatsApp não me informou o seu número de telefone. Por favor, fale com a nossa equipe para marcar.';
}

export function offerExpiredMessage(): string {
  return 'Essas opções de horário expiraram. Se ainda quiser marcar, me diga o dia ou período de preferência que eu busco novos horários.';
}

/** Several upcoming appointments: ask which one to cancel or reschedule. */
export function chooseAppointmentMessage(
  appointments: readonly AppointmentSummary[],
  now: Date,
  timeZone: string,
  action: 'cancel' | 'reschedule' = 'cancel',
): string {
  const verb = action === 'cancel' ? 'cancelar' : 'remarcar';
  return [
    `Você tem ${appointments.length} reuniões marcadas. Qual delas você quer ${verb}?`,
    ...numberedLines(
      appointments.map((a) => a.startAt),
      now,
      timeZone,
    ),
    '',
    answerHint(appointments.length),
  ].join('\n');
}

export function listMessage(appointments: readonly AppointmentSummary[], now: Date, timeZone: string): string {
  if (appointments.length === 0) return noAppointmentsMessage();
  const hint = 'Se precisar remarcar ou cancelar, é só me dizer.';
  if (appointments.length === 1) {
    return `Sua próxima reunião: ${slotWhen(appointments[0]!.startAt, now, timeZone)}.\n${hint}`;
  }
  return [
    'Suas próximas reuniões:',
    ...appointments.map((a) => `• ${slotWhen(a.startAt, now, timeZone)}`),
    hint,
  ].join('\n');
}

export function noAppointmentsMessage(): string {
  return 'Você não tem reuniões marcadas. Quer agendar uma? É só me dizer o dia e o período de preferência.';
}

export function declineMessage(): string {
  return 'Tudo bem! Se quiser marcar um horário depois, é só me chamar.';
}
