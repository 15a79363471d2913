import { foldAccents } from '../../shared/text.js';
import { numberWordsToDigits } from './calendar-words.js';

/** The text the date parsers read: one spelling for the many ways WhatsApp users write the same thing. */

const DAY_WORDS = '(?:hoje|amanha|depois\\s+de\\s+amanha|segunda|terca|quarta|quinta|sexta|sabado|domingo)(?:[\\s-]*feira)?';

type Replacement = string | ((match: string, ...groups: string[]) => string);

/** WhatsApp shorthand, spelled out: "hj", "amn", "semana q vem", "prox sexta", "dps das 15h". */
const SHORTHAND: Array<[RegExp, string]> = [
  [/(?<![\p{L}\p{N}])hj(?![\p{L}\p{N}])/gu, 'hoje'],
  [/(?<![\p{L}\p{N}])(?:amn|amnh|amanh)(?![\p{L}\p{N}])/gu, 'amanha'],
  [/(?<![\p{L}\p{N}])q(?=\s+vem(?![\p{L}]))/gu, 'que'],
  // "prox" agrees with what follows only in gender, which no rule here reads: "proxima" fits all.
  [/(?<![\p{L}\p{N}])prox(?:\.|(?![\p{L}\p{N}]))/gu, 'proxima'],
  [/(?<![\p{L}\p{N}])dps(?![\p{L}\p{N}])/gu, 'depois'],
  // "umas 3 da tarde" is a rough time; "umas 3 horas" stays a duration.
  [/(?<![\p{L}])(?:uns|umas)\s+(\d{1,2})(?=\s+(?:da|de)\s+(?:manha|tarde|noite)(?![\p{L}]))/gu, 'as $1'],
];

/** Phrases that contain date words but state no preference, and rewrites to one shape. */
const NOISE: Array<[RegExp, Replacement]> = [
  ...SHORTHAND,
  [/(?<![\p{L}])(?:bom\s+dia|boa\s+tarde|boa\s+noite|mais\s+tarde)(?![\p{L}])/giu, ' '],
  // Farewell at the end of a message: "obrigado, até amanhã!".
  [/(?<![\p{L}])ate\s+amanha[^\p{L}\p{N}]*$/giu, ' '],
  // Refused days: "hoje não", "amanhã não dá", "não pode ser sexta".
  [new RegExp(`(?<![\\p{L}])${DAY_WORDS}\\s*,?\\s*nao(?![\\p{L}])`, 'giu'), ' '],
  [new RegExp(`(?<![\\p{L}])(?:nao|nem)\\s+(?:pode\\s+ser\\s+|posso\\s+|da\\s+)?(?:n[ao]\\s+)?${DAY_WORDS}(?![\\p{L}])`, 'giu'), ' '],
  // "quinze para as cinco" (digits by now): a quarter to five, 16h45 by the afternoon rule.
  [
    /(?<![\p{L}\p{N}])(5|10|15|20)\s+(?:para|pra|pras)\s+(?:(?:as|a|o)\s+)?(\d{1,2})(?:h|\s*horas?)?(?![\p{L}\p{N}])/gu,
    (_m, minutes, hour) => ` as ${Number(hour) === 1 ? 12 : Number(hour) - 1}:${60 - Number(minutes)} `,
  ],
];

/** Folded, number words as digits, shorthand spelled out, noise removed: what the parsers read. */
export function cleanText(text: string): string {
  const digits = numberWordsToDigits(foldAccents(text));
  return NOISE.reduce(
    (acc, [pattern, replacement]) => (typeof replacement === 'string' ? acc.replace(pattern, replacement) : acc.replace(pattern, replacement)),
    digits,
  );
}
