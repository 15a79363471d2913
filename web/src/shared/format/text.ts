/** Lower-case, accent-free text, as the server folds it for search ("João" → "joao"). */
export function foldText(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** Same key the server builds for "contains" search: digit groups joined, punctuation dropped. */
export function searchKey(s: string): string {
  return foldText(s)
    .replace(/(\d)[\s().\-/+]+(?=\d)/g, '$1')
    .replace(/[-_/]+/g, ' ')
    .replace(/[^\p{L}\p{N}\s]+/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
