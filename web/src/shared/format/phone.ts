/** Phones are stored as digits with the country code first ("5511999998888"). */
export function formatPhone(digits: string | null | undefined): string {
  if (!digits) return '';
  const clean = digits.replace(/\D/g, '');
  if (clean.startsWith('55') && (clean.length === 12 || clean.length === 13)) {
    const ddd = clean.slice(2, 4);
    const local = clean.slice(4);
    const split = local.length - 4;
    return `+55 (${ddd}) ${local.slice(0, split)}-${local.slice(split)}`;
  }
  return `+${clean}`;
}

/**
 * Light client-side check; the server applies the full Brazilian rules (DDD, ninth digit) and answers
 * with a field error when this lets something through.
 */
export function phoneProblem(raw: string): string | null {
  const value = raw.trim();
  if (!value) return null;
  if (/\p{L}/u.test(value)) return 'Use apenas números, ex.: +55 11 99999-9999.';
  const digits = value.replace(/\D/g, '');
  if (digits.length < 10 || digits.length > 15) return 'Telefone inválido: use DDD e número, ex.: +55 11 99999-9999.';
  return null;
}
