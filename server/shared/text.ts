/**
 * Text folding shared by intent detection, date parsing and search.
 *
 * NFKD (not just NFD) so that the ordinal indicators users type in "1ª opção" / "2º" fold to plain
 * "a"/"o" and full-width digits fold to ASCII.
 */

const COMBINING_MARKS = /\p{M}+/gu;

/** Lower-case and strip accents, keeping punctuation (dates need "15/12" and "14:30" intact). */
export function foldAccents(s: string): string {
  return s.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase();
}

/** Lower-case, accent-free words separated by single spaces; punctuation and emoji become spaces. */
export function normalizeText(s: string): string {
  return foldAccents(s)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Key for accent/case-insensitive "contains" search over names and phone numbers.
 * Digit groups split by spaces or punctuation are joined, so "(11) 99999-9999" is found inside the
 * stored "5511999999999". Apostrophes vanish ("D'Ávila" → "davila"); hyphens between words split them.
 */
export function searchKey(s: string): string {
  return foldAccents(s)
    .replace(/(\d)[\s().\-/+]+(?=\d)/g, '$1')
    .replace(/[-_/]+/g, ' ')
    .replace(/[^\p{L}\p{N}\s]+/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}
