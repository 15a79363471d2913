import { isUuid } from '../shared/ids.js';
import { isoString } from '../platform/date-time.js';
import { domainError } from '../platform/errors.js';
import { BOOKING_FIELD } from '../platform/messages.js';
import { normalizePhone } from '../shared/phone.js';
import { searchKey } from '../shared/text.js';

/** What callers send to book, checked and normalised before anything is claimed. */
export interface BookInput {
  start: Date;
  clientName: string;
  clientPhone?: string | null;
  clientEmail?: string | null;
  notes?: string | null;
  contactId?: string | null;
  /** A service of the company; absent: the default service (see service-target.ts). */
  serviceId?: string | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface ValidBooking {
  start: Date;
  clientName: string;
  clientPhone: string | null;
  clientEmail: string | null;
  notes: string | null;
  contactId?: string | null;
  serviceId: string | null;
}

export function validateBooking(input: BookInput): ValidBooking {
  const problems: Record<string, string> = {};
  if (!(input.start instanceof Date) || Number.isNaN(input.start.getTime())) problems.start = BOOKING_FIELD.startInvalid;
  else if (input.start.getTime() < Date.now() - 60_000) problems.start = BOOKING_FIELD.startPast;
  const clientName = (input.clientName ?? '').trim();
  if (!clientName) problems.clientName = BOOKING_FIELD.nameMissing;
  else if (clientName.length > 200) problems.clientName = BOOKING_FIELD.nameTooLong;
  let clientPhone: string | null = null;
  if (input.clientPhone?.trim()) {
    clientPhone = normalizePhone(input.clientPhone);
    if (!clientPhone) problems.clientPhone = BOOKING_FIELD.phoneInvalid;
  }
  const clientEmail = input.clientEmail?.trim().toLowerCase() || null;
  if (clientEmail && (!EMAIL.test(clientEmail) || clientEmail.length > 254)) problems.clientEmail = BOOKING_FIELD.emailInvalid;
  if (!clientPhone && !clientEmail && !problems.clientPhone && !problems.clientEmail) {
    problems.clientPhone = BOOKING_FIELD.contactMissing;
  }
  const notes = input.notes?.trim() || null;
  if (notes && notes.length > 2000) problems.notes = BOOKING_FIELD.notesTooLong;
  const fields = Object.keys(problems);
  if (fields.length > 0) {
    throw domainError('BOOKING_INVALID', { problems: Object.values(problems).join(' ') }, { fields: problems });
  }
  return { start: input.start, clientName, clientPhone, clientEmail, notes, contactId: input.contactId ?? null, serviceId: input.serviceId ?? null };
}

export function appointmentSearchText(name: string, phone: string | null, email: string | null): string {
  return [searchKey(name), phone ?? '', email ?? ''].filter(Boolean).join(' ');
}

export function searchTerms(search: string | null | undefined): string[] {
  if (!search?.trim()) return [];
  if (search.length > 200) throw domainError('SEARCH_TOO_LONG');
  const key = searchKey(search);
  const terms = key.split(/\s+/).filter(Boolean);
  // "(11) 99999-8888" → also match the phone's contiguous digits
  const digits = search.replace(/\D/g, '');
  if (digits.length >= 4 && terms.length > 1 && terms.every((t) => /^\d+$/.test(t))) return [digits.replace(/^0+/, '')];
  return terms;
}

export function encodeCursor(startAt: Date, id: string): string {
  return Buffer.from(`${isoString(startAt)}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { startAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const startAt = new Date(iso ?? '');
  if (!id || !isUuid(id) || Number.isNaN(startAt.getTime())) throw domainError('CURSOR_INVALID');
  return { startAt, id };
}
