/**
 * WhatsApp addresses and phone numbers. A phone is always digits only, country code first, no "+"
 * (the form Whaticket stores and expects).
 */

export type WhatsappAddressKind = 'user' | 'group' | 'broadcast' | 'lid' | 'invalid';

export interface WhatsappAddress {
  kind: WhatsappAddressKind;
  /** Only for `user`: the digits exactly as WhatsApp registered them (may be the old BR form). */
  phone?: string;
  /** The part before "@" (without device suffix) for group, broadcast and lid addresses. */
  id?: string;
}

const BRAZIL = '55';
// E.164 allows at most 15 digits; below 8 no country has a reachable subscriber number.
const MIN_DIGITS = 8;
const MAX_DIGITS = 15;

const USER_SERVERS = new Set(['s.whatsapp.net', 'c.us']);

function isPlausiblePhone(digits: string): boolean {
  return /^\d+$/.test(digits) && digits.length >= MIN_DIGITS && digits.length <= MAX_DIGITS;
}

/**
 * Classifies a Baileys / whatsapp-web.js JID or a typed phone number.
 * JIDs keep the number WhatsApp registered (no country code guessing); plain numbers go through
 * `normalizePhone`.
 */
export function parseWhatsappAddress(jidOrNumber: string): WhatsappAddress {
  const raw = jidOrNumber.trim().toLowerCase();
  const at = raw.lastIndexOf('@');
  if (at < 0) {
    const phone = normalizePhone(raw);
    return phone ? { kind: 'user', phone } : { kind: 'invalid' };
  }

  // Baileys JIDs look like "user_agent:device@server"; only "user" identifies the person.
  const user = raw.slice(0, at).split(/[:_]/)[0] ?? '';
  const server = raw.slice(at + 1);

  if (USER_SERVERS.has(server)) {
    return isPlausiblePhone(user) ? { kind: 'user', phone: user } : { kind: 'invalid' };
  }
  if (server === 'g.us') {
    // Old groups are "<creator phone>-<timestamp>", newer ones a long number.
    return /^\d+(-\d+)?$/.test(user) ? { kind: 'group', id: user } : { kind: 'invalid' };
  }
  if (server === 'broadcast') {
    return user ? { kind: 'broadcast', id: user } : { kind: 'invalid' };
  }
  if (server === 'lid') {
    // A linked identity is opaque: it is not a phone number even though it is all digits.
    return /^\d+$/.test(user) ? { kind: 'lid', id: user } : { kind: 'invalid' };
  }
  return { kind: 'invalid' };
}

/** Brazilian area codes (DDD) are two digits, neither of them zero. */
function isBrazilianAreaCode(ddd: string): boolean {
  return /^[1-9][1-9]$/.test(ddd);
}

/** A national Brazilian number: DDD + 8 digits (landline, old mobile) or DDD + 9 + 8 digits. */
function isBrazilianNational(digits: string): boolean {
  if (!isBrazilianAreaCode(digits.slice(0, 2))) return false;
  return digits.length === 10 || (digits.length === 11 && digits[2] === '9');
}

/**
 * Canonical digits with country code, or null when the input cannot be a phone number.
 * "+" or "00" marks an international number; otherwise a Brazilian national number (with or without
 * the trunk "0" and carrier code, e.g. "0 21 11 99999-9999") gets `defaultCountry` prepended.
 * Does not add the Brazilian ninth digit: see `canonicalPhone`.
 */
export function normalizePhone(raw: string, defaultCountry = BRAZIL): string | null {
  const trimmed = raw.trim();
  if (/[\p{L}]/u.test(trimmed)) return null;
  const digits = trimmed.replace(/\D/g, '');
  if (!digits) return null;

  if (trimmed.startsWith('+')) return isPlausiblePhone(digits) ? digits : null;
  if (digits.startsWith('00')) {
    const international = digits.slice(2);
    return isPlausiblePhone(international) ? international : null;
  }

  if (defaultCountry === BRAZIL) {
    const national = stripBrazilianPrefixes(digits);
    if (isBrazilianNational(national)) return BRAZIL + national;
    // Shorter than DDD + 8 digits: a local number whose area code we cannot guess.
    return digits.length >= 12 && isPlausiblePhone(digits) ? digits : null;
  }
  if (!digits.startsWith(defaultCountry) && digits.length <= 11) {
    const withCountry = defaultCountry + digits.replace(/^0/, '');
    return isPlausiblePhone(withCountry) ? withCountry : null;
  }
  return isPlausiblePhone(digits) ? digits : null;
}

/** Drops the trunk "0" and, when present, the two-digit long-distance carrier code ("0 21 11 …"). */
function stripBrazilianPrefixes(digits: string): string {
  if (!digits.startsWith('0')) return digits;
  const withoutTrunk = digits.slice(1);
  if (isBrazilianNational(withoutTrunk)) return withoutTrunk;
  const withoutCarrier = withoutTrunk.slice(2);
  return isBrazilianNational(withoutCarrier) ? withoutCarrier : digits;
}

/**
 * Both spellings of a Brazilian mobile: `[with 9, without 9]`; any other number: `[digits]`.
 * Only mobiles whose subscriber number starts with 6-9 ever existed in the 8-digit form, so only
 * those get a variant (keeps the relation symmetric and never invents a landline).
 */
export function brazilianVariants(digits: string): string[] {
  // A WhatsApp LID ("<digits>@lid") is an opaque id, not a number: it has no variants.
  if (isLidAddress(digits)) return [digits];
  const clean = digits.replace(/\D/g, '');
  if (!clean.startsWith(BRAZIL) || !isBrazilianAreaCode(clean.slice(2, 4))) return [clean];
  const subscriber = clean.slice(4);
  if (subscriber.length === 9 && /^9[6-9]/.test(subscriber)) {
    return [clean, clean.slice(0, 4) + subscriber.slice(1)];
  }
  if (subscriber.length === 8 && /^[6-9]/.test(subscriber)) {
    return [clean.slice(0, 4) + '9' + subscriber, clean];
  }
  return [clean];
}

/** One key per person: the 13-digit form (with the 9) for Brazilian mobiles, otherwise unchanged. */
export function canonicalPhone(digits: string): string {
  return brazilianVariants(digits)[0] ?? digits;
}

/** `<digits>@lid`: a contact known only by its WhatsApp LID (no phone number). */
export function isLidAddress(value: string): boolean {
  return /^\d+@lid$/.test(value);
}

export function toE164(digits: string): string {
  return '+' + digits.replace(/\D/g, '');
}
