import type { LocalDate } from './zone.js';

/** pt-BR calendar words: how replies name days and times, and the words people type for them. */

export const WEEKDAY_NAMES = [
  'domingo',
  'segunda-feira',
  'terça-feira',
  'quarta-feira',
  'quinta-feira',
  'sexta-feira',
  'sábado',
] as const;

export const WEEKDAY_SHORT_NAMES = [
  'domingo',
  'segunda',
  'terça',
  'quarta',
  'quinta',
  'sexta',
  'sábado',
] as const;

/** "14h", "14h30", "9h". */
export function clockLabel(minutes: number): string {
  const hour = Math.floor(minutes / 60);
  const minute = minutes % 60;
  return minute === 0 ? `${hour}h` : `${hour}h${String(minute).padStart(2, '0')}`;
}

type ClockPreposition = 'a' | 'de';

/** Clock time with the contracted article Portuguese needs: "às 14h", "ao meio-dia", "das 16h", "da 1h". */
export function clockPhrase(preposition: ClockPreposition, minutes: number): string {
  if (minutes === 12 * 60) return preposition === 'a' ? 'ao meio-dia' : 'do meio-dia';
  if (minutes === 0) return preposition === 'a' ? 'à meia-noite' : 'da meia-noite';
  const singular = Math.floor(minutes / 60) === 1;
  const article = preposition === 'a' ? (singular ? 'à' : 'às') : singular ? 'da' : 'das';
  return `${article} ${clockLabel(minutes)}`;
}

/** "4/12", or "4/1/2027" when the year differs from the reference year. */
export function dayMonthLabel(date: LocalDate, referenceYear: number): string {
  const base = `${date.day}/${date.month}`;
  return date.year === referenceYear ? base : `${base}/${date.year}`;
}

// ---- words people type (accent-free: matched on foldAccents output) ------------------------------

/** Full names and the abbreviations of WhatsApp ("seg", "qua.", "sáb"). "ter" is handled apart. */
export const WEEKDAY_WORDS: Record<string, number> = {
  domingo: 0,
  dom: 0,
  segunda: 1,
  seg: 1,
  terca: 2,
  ter: 2,
  quarta: 3,
  qua: 3,
  quinta: 4,
  qui: 4,
  sexta: 5,
  sex: 5,
  sabado: 6,
  sab: 6,
};

export const MONTH_WORDS: Record<string, number> = {
  janeiro: 1,
  fevereiro: 2,
  marco: 3,
  abril: 4,
  maio: 5,
  junho: 6,
  julho: 7,
  agosto: 8,
  setembro: 9,
  outubro: 10,
  novembro: 11,
  dezembro: 12,
  jan: 1,
  fev: 2,
  mar: 3,
  abr: 4,
  mai: 5,
  jun: 6,
  jul: 7,
  ago: 8,
  set: 9,
  out: 10,
  nov: 11,
  dez: 12,
};

export const MONTH_PATTERN = Object.keys(MONTH_WORDS)
  .sort((a, b) => b.length - a.length)
  .join('|');

const UNITS: Record<string, number> = {
  um: 1, uma: 1, dois: 2, duas: 2, tres: 3, quatro: 4, cinco: 5, seis: 6, sete: 7, oito: 8, nove: 9,
};

const TEENS: Record<string, number> = {
  dez: 10, onze: 11, doze: 12, treze: 13, catorze: 14, quatorze: 14, quinze: 15, dezesseis: 16,
  dezasseis: 16, dezessete: 17, dezassete: 17, dezoito: 18, dezenove: 19, dezanove: 19,
};

const TENS: Record<string, number> = { vinte: 20, trinta: 30, quarenta: 40, cinquenta: 50, cincoenta: 50 };

const W = (words: Record<string, number>) => Object.keys(words).sort((a, b) => b.length - a.length).join('|');
const EDGE_BEFORE = '(?<![\\p{L}\\p{N}])';
const EDGE_AFTER = '(?![\\p{L}\\p{N}])';

const COMPOUND = new RegExp(`${EDGE_BEFORE}(${W(TENS)})(?:\\s+e\\s+(${W(UNITS)}))?${EDGE_AFTER}`, 'gu');
const SIMPLE = new RegExp(`${EDGE_BEFORE}(${W(TEENS)}|${W(UNITS)})${EDGE_AFTER}`, 'gu');
/**
 * "à uma" alone is 13h (a clock time, never option one: options are "a 1"/"a primeira"); "a uma
 * semana" is not a time, so only before "da/de/e/hora" or the end of the phrase.
 */
const AT_ONE = /(?<![\p{L}\p{N}])a\s+uma(?=\s*(?:$|[^\p{L}\p{N}\s])|\s+(?:da|de|e|hora|horas)(?![\p{L}]))/gu;

/**
 * Cardinal words become digits ("vinte e um" → "21", "três" → "3") so the date and clock rules see
 * one shape. Input is foldAccents output. "meia" is left alone: it only means 30 in "e meia", which
 * the clock rule reads; ordinals ("segunda", "primeiro") are weekdays or options, not numbers.
 */
export function numberWordsToDigits(text: string): string {
  return text
    .replace(AT_ONE, 'a 1h')
    .replace(COMPOUND, (_m, tens: string, unit?: string) => String(TENS[tens]! + (unit ? UNITS[unit]! : 0)))
    .replace(SIMPLE, (word: string, _group: string, offset: number, whole: string) =>
      // "15 de dez", "15/dez": the month, not ten.
      word === 'dez' && /\d\s*(?:de\s+|\/\s*)$/.test(whole.slice(0, offset)) ? word : String(TEENS[word] ?? UNITS[word]),
    );
}
