import { hasDatePreference } from './date/index.js';
import type { SmallTalk } from './replies.js';
import { foldAccents, normalizeText } from '../shared/text.js';

export type Intent = 'SCHEDULE' | 'CHOOSE' | 'RESCHEDULE' | 'CANCEL' | 'LIST' | 'DECLINE' | 'NONE';

export interface IntentContext {
  /** The bot's last message offered numbered options (slots, or appointments to cancel/reschedule). */
  awaitingChoice: boolean;
  optionCount: number;
}

export interface DetectedIntent {
  intent: Intent;
  /**
   * 1-based option. Set for CHOOSE; also set on CANCEL/RESCHEDULE when the message names an option
   * ("cancela a 2"), so a "which appointment?" step can use it.
   */
  choice?: number;
  /**
   * The option number the user typed when it does not exist ("5" with 3 options). Reported with
   * intent NONE so that a caller switching on `intent` alone can never act on a missing option.
   */
  invalidChoice?: number;
}

// Vocabularies run on normalizeText output: lower-case, no accents, words separated by one space.

const RESCHEDULE_VERBS = /\b(remarcar|remarca|remarque|remarcacao|reagendar|reagenda|reagende|reagendamento)\b/;
const CHANGE_VERBS =
  /\b(mudar|muda|mude|trocar|troca|troque|alterar|altera|altere|adiar|adia|antecipar|passar|passa)\b/;
const CHANGE_OBJECTS = /\b(horario|hora|dia|data|reuniao|agendamento|consulta|compromisso|encontro|marcacao)\b/;

const CANCEL_PATTERNS = [
  /\b(cancelar|cancela|cancele|cancelo|cancelamento|desmarcar|desmarca|desmarque|desmarco)\b/,
  /\bnao vou (mais )?(poder|conseguir) (ir|comparecer|participar)\b/,
  /\bnao (poderei|conseguirei|vou) (ir|comparecer|participar)\b/,
];

const LIST_PATTERNS = [
  /\b(minhas|meus) (reunioes|agendamentos|horarios|compromissos|consultas|marcacoes)\b/,
  /\b(quando|qual|quais|que horas|que dia)\b.*\b(minha|meu) (reuniao|agendamento|horario|consulta|compromisso)\b/,
  /\btenho (alguma |algum |uma |um )?(reuniao|reunioes|agendamentos?|horario|consulta|compromisso|algo) ?(ja )?(marcad|agendad)/,
  /\b(listar|lista|ver) (as |os )?(minhas |meus )?(reunioes|agendamentos)\b/,
  /\b(estou|to|ja estou|ja to) (marcad|agendad)/,
];

const REQUEST_WORDS = [
  'quero', 'queria', 'gostaria', 'preciso', 'precisava', 'posso', 'poderia', 'podemos', 'pode', 'da pra', 'da para',
  'tem', 'teria', 'ha', 'existe', 'algum', 'alguma', 'uma', 'um',
];
const MEETING_NOUNS = [
  'reuniao', 'reunioes', 'consulta', 'horario', 'horarios', 'vaga', 'vagas', 'encontro', 'call', 'conversa',
  'atendimento', 'disponibilidade', 'agenda',
];

const SCHEDULE_PATTERNS = [
  /\b(marcar|marca|marque|marcamos|agendar|agenda|agende|agendamos|reservar|reserva|reserve)\b/,
  // "tem horário?", "queria uma reunião"; a bare "horário" is not enough ("qual o horário de funcionamento?").
  new RegExp(`\\b(${REQUEST_WORDS.join('|')})\\b.*\\b(${MEETING_NOUNS.join('|')})\\b`),
  /\b(disponivel|disponiveis|disponibilidade|livre|livres)\b/,
];

/** "tem outro horário?", "mais opções": the user wants different slots. */
const MORE_OPTIONS = [
  /\b(outro|outros|outra|outras|mais) (horario|horarios|opcao|opcoes|dia|dias|data|datas)\b/,
  /\btem (outro|outra|outros|outras)\b/,
];

const DECLINE_PATTERNS = [
  /\bnenhum(a|as|os)?\b/,
  /\bdeixa (pra|para) la\b/,
  /\b(esquece|esqueca|desisto|dispenso)\b/,
  /\bnao (quero|preciso|precisa|vou querer|obrigad[oa])\b/,
  /\bnao (me )?(serve|servem|da|posso|consigo|gostei)\b/,
  /\bagora nao\b/,
  /\bfica (pra|para) (proxima|depois|outra)\b/,
];

const NO_WORDS = new Set(['nao', 'n', 'nop', 'nope', 'negativo']);
const NO_FILLERS = new Set([
  'obrigado', 'obrigada', 'brigado', 'brigada', 'valeu', 'agora', 'hoje', 'por', 'enquanto', 'mais', 'e', 'so',
  'isso', 'mesmo',
]);

/**
 * "não quero cancelar", "não precisa remarcar": the action is refused, not requested. Matched on text
 * that still has punctuation, because "não, quero remarcar" is the opposite.
 */
const NEGATED_ACTION = new RegExp(
  '(?<![\\p{L}])(?:nao|nem)\\s+' +
    '(?:(?:quero|queria|preciso|precisa|vou|pode|posso|quer|e\\s+pra|e\\s+para)\\s+)?(?:mais\\s+)?' +
    '(?:cancelar|cancela|desmarcar|remarcar|reagendar|marcar|agendar|mudar|trocar)(?![\\p{L}])',
  'gu',
);

/** "não, a segunda": a correction, not a refusal. */
const LEADING_NO = /^\s*(?:nao|n)\s*[,.;!]+/u;

const AFFIRMATIVES = new Set([
  'sim', 's', 'ss', 'pode', 'ok', 'okay', 'blz', 'beleza', 'confirmo', 'confirma', 'confirmar', 'confirmado',
  'isso', 'claro', 'certo', 'fechado', 'perfeito', 'otimo', 'show', 'bora', 'combinado', 'positivo',
]);

/** Words around an option reference: "pode ser a 2", "quero a opção 3, por favor". */
const CHOICE_FILLERS = new Set([
  'ser', 'quero', 'queria', 'prefiro', 'fico', 'com', 'escolho', 'vou', 'de', 'a', 'o', 'opcao', 'op', 'opc',
  'numero', 'n', 'num', 'essa', 'esta', 'esse', 'este', 'mesmo', 'mesma', 'entao', 'por', 'favor', 'pf',
  'pfv', 'obrigado', 'obrigada', 'valeu', 'e', 'eh', 'vai', 'seria', 'melhor', 'pra', 'para', 'mim', 'me',
  'marca', 'marcar', 'agenda', 'agendar', 'ai', 'la', 'horario', 'acho', 'que',
]);

const ACTION_WORDS = new Set([
  'cancelar', 'cancela', 'cancele', 'desmarcar', 'desmarca', 'remarcar', 'remarca', 'reagendar', 'reagenda',
  'reuniao', 'agendamento', 'minha', 'meu', 'quero', 'preciso',
]);

const ORDINALS: Record<string, number> = {
  primeira: 1, primeiro: 1, segunda: 2, segundo: 2, terceira: 3, terceiro: 3,
  quarta: 4, quarto: 4, quinta: 5, quinto: 5,
  dois: 2, duas: 2, tres: 3, quatro: 4, cinco: 5,
};

const WEEKDAY_ORDINALS = new Set(['segunda', 'quarta', 'quinta']);

const THUMBS_UP = /^[\s👍👌✅]*[👍👌✅][\s👍👌✅]*$/u;

type ChoiceReading = { kind: 'number'; value: number } | { kind: 'affirmative' } | null;

/** Reads a message that is only an option reference, "1", "a segunda", "sim, pode ser a 2"; else null. */
function readChoice(tokens: string[], optionCount: number, extraFillers?: Set<string>): ChoiceReading {
  let value: number | undefined;
  let affirmed = false;
  for (const token of tokens) {
    if (AFFIRMATIVES.has(token)) {
      affirmed = true;
      continue;
    }
    if (CHOICE_FILLERS.has(token) || extraFillers?.has(token)) continue;
    const n = optionNumber(token, optionCount);
    if (n === undefined || (value !== undefined && value !== n)) return null;
    value = n;
  }
  if (value !== undefined) return { kind: 'number', value };
  return affirmed ? { kind: 'affirmative' } : null;
}

function optionNumber(token: string, optionCount: number): number | undefined {
  // "1ª"/"2º" fold to "1a"/"2o"; more than two digits is a phone number or a year, not an option.
  const digits = /^(\d{1,2})[ao]?$/.exec(token);
  if (digits) return Number(digits[1]);
  if (token === 'ultima' || token === 'ultimo') return optionCount;
  const ordinal = ORDINALS[token];
  // "quarta"/"quinta" beyond the options offered are weekdays ("a quinta" = Thursday), not options.
  if (ordinal !== undefined && ordinal > optionCount && WEEKDAY_ORDINALS.has(token)) return undefined;
  return ordinal;
}

function choiceResult(value: number, optionCount: number): DetectedIntent {
  return value >= 1 && value <= optionCount
    ? { intent: 'CHOOSE', choice: value }
    : { intent: 'NONE', invalidChoice: value };
}

function matchesAny(text: string, patterns: RegExp[]): boolean {
  return patterns.some((p) => p.test(text));
}

function isBareNo(tokens: string[]): boolean {
  return tokens.some((t) => NO_WORDS.has(t)) && tokens.every((t) => NO_WORDS.has(t) || NO_FILLERS.has(t));
}

function actionIntent(text: string): 'RESCHEDULE' | 'CANCEL' | 'LIST' | null {
  if (RESCHEDULE_VERBS.test(text) || (CHANGE_VERBS.test(text) && CHANGE_OBJECTS.test(text))) return 'RESCHEDULE';
  if (matchesAny(text, CANCEL_PATTERNS)) return 'CANCEL';
  if (matchesAny(text, LIST_PATTERNS)) return 'LIST';
  return null;
}

/**
 * Classifies a WhatsApp message. Order matters: explicit actions (remarcar, cancelar, listar) win
 * over everything, so "não vou poder ir, cancela" is CANCEL, not DECLINE. Option answers are only
 * read while options are on screen ("sim" alone is NONE otherwise). A day or time ("amanhã às 10h",
 * "e na sexta?") is a new SCHEDULE preference even while awaiting a choice. DECLINE does not depend
 * on the context: the caller ignores it when nothing is pending.
 */
export function detectIntent(text: string, ctx?: IntentContext): DetectedIntent {
  const awaiting = ctx?.awaitingChoice === true;
  const optionCount = ctx?.optionCount ?? 0;
  const normalized = normalizeText(text);
  if (!normalized) {
    return awaiting && THUMBS_UP.test(text) ? choiceResult(1, optionCount) : { intent: 'NONE' };
  }

  const folded = foldAccents(text);
  const withoutRefusals = normalizeText(folded.replace(NEGATED_ACTION, ' '));
  const refusedSomething = withoutRefusals !== normalized;
  const tokens = withoutRefusals ? withoutRefusals.split(' ') : [];

  const action = actionIntent(withoutRefusals);
  if (action) {
    const reading = awaiting && action !== 'LIST' ? readChoice(tokens, optionCount, ACTION_WORDS) : null;
    if (reading?.kind === 'number' && reading.value >= 1 && reading.value <= optionCount) {
      return { intent: action, choice: reading.value };
    }
    return { intent: action };
  }

  if (awaiting) {
    const reading = readChoice(tokens, optionCount);
    if (reading) return choiceResult(reading.kind === 'number' ? reading.value : 1, optionCount);
    if (LEADING_NO.test(folded)) {
      const correction = readChoice(normalizeText(folded.replace(LEADING_NO, '')).split(' '), optionCount);
      if (correction?.kind === 'number') return choiceResult(correction.value, optionCount);
    }
  }

  if (matchesAny(withoutRefusals, MORE_OPTIONS) || hasDatePreference(text)) return { intent: 'SCHEDULE' };
  if (refusedSomething || isBareNo(tokens) || matchesAny(withoutRefusals, DECLINE_PATTERNS)) {
    return { intent: 'DECLINE' };
  }
  if (matchesAny(withoutRefusals, SCHEDULE_PATTERNS)) return { intent: 'SCHEDULE' };
  return { intent: 'NONE' };
}

const THANKS_WORDS = new Set([
  'obrigado', 'obrigada', 'obg', 'obgd', 'obgda', 'brigado', 'brigada', 'valeu', 'vlw', 'agradeco', 'grato', 'grata', 'tmj',
]);
const GREETING_WORDS = new Set(['oi', 'oie', 'ola', 'opa', 'dia', 'tarde', 'noite', 'tudo', 'td', 'vai']);
const ACK_WORDS = new Set([
  ...AFFIRMATIVES, 'ta', 'to', 'entendi', 'joia', 'legal', 'massa', 'top', 'ah', 'hum', 'hmm', 'kk', 'kkk', 'kkkk',
  'rs', 'rsrs', 'haha', 'tranquilo', 'certinho', 'entao',
]);
/** Words that go with any of them ("muito obrigado", "bom dia", "tudo bem", "e aí", "tá bom"). */
const SMALL_TALK_FILLERS = new Set(['muito', 'mto', 'mt', 'muitissimo', 'bom', 'boa', 'bem', 'e', 'ai', 'como']);
/** Longer messages are questions or requests for the human agents, not small talk. */
const MAX_SMALL_TALK_WORDS = 6;

/**
 * A message with nothing to act on that still deserves an answer: thanks, a greeting, "ok"/"sim"
 * with nothing pending, emoji only. Null for anything else (a question stays with the human agents).
 */
export function smallTalkKind(text: string): SmallTalk | null {
  const normalized = normalizeText(text);
  if (!normalized) return 'ack';
  const tokens = normalized.split(' ');
  if (tokens.length > MAX_SMALL_TALK_WORDS) return null;
  const known = (t: string) => THANKS_WORDS.has(t) || GREETING_WORDS.has(t) || ACK_WORDS.has(t) || SMALL_TALK_FILLERS.has(t);
  if (!tokens.every(known)) return null;
  if (tokens.some((t) => THANKS_WORDS.has(t))) return 'thanks';
  if (tokens.some((t) => GREETING_WORDS.has(t))) return 'greeting';
  return 'ack';
}

// ---- answers to a reminder (issue 18) -------------------------------------------------------

export type ReminderAnswer = 'confirm' | 'reschedule' | 'cancel';

/** "não vou conseguir", "não vou poder", "não consigo ir": a reminder answered with "I can't come". */
const CANNOT_COME = [
  /\bnao (vou|vai|irei) (mais )?(poder|conseguir|dar)\b/,
  /\bnao (posso|consigo|poderei|conseguirei|da)( mais)?( ir| comparecer| participar)?$/,
  /\bnao (vou|irei) (mais )?(ir|comparecer|participar)\b/,
];
/** "vou sim", "estarei lá", "pode confirmar": a reminder answered with "I'll be there". */
const WILL_COME = [
  /^(sim )?(vou|irei|estarei|estarei la|vou sim|vou estar la|vou la|estarei ai|pode confirmar|confirmadissimo|confirmada|confirmado)( sim)?( obrigad[oa])?$/,
  /^(confirmo|confirmado|confirmada|confirmar|confirma)( presenca)?( sim)?( obrigad[oa])?$/,
];

/**
 * Reads a message sent while a reminder waits for its answer (1 confirm, 2 reschedule, 3 cancel),
 * also in words ("confirmo", "vou sim", "quero remarcar", "não vou conseguir", "cancela"). Null: not
 * an answer, the normal conversation handles it. `detected`: the engine's reading of the same text
 * with the reminder's three options pending (passed in so the turn reads it once).
 */
export function reminderAnswer(text: string, detected: DetectedIntent = detectIntent(text, { awaitingChoice: true, optionCount: 3 })): ReminderAnswer | null {
  const normalized = normalizeText(text);
  if (normalized && CANNOT_COME.some((p) => p.test(normalized))) return 'cancel';
  if (normalized && WILL_COME.some((p) => p.test(normalized))) return 'confirm';
  if (detected.intent === 'RESCHEDULE') return 'reschedule';
  if (detected.intent === 'CANCEL') return 'cancel';
  if (detected.intent !== 'CHOOSE') return null;
  return detected.choice === 1 ? 'confirm' : detected.choice === 2 ? 'reschedule' : 'cancel';
}
