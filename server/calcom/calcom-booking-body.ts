/** The POST /v2/bookings body and the checks around booking writes, kept apart from the HTTP transport. */

import { CalcomError, type CreateBookingInput } from './calcom-client.types.js';

export type BookingBody = ReturnType<typeof buildBookingBody>;

export function buildBookingBody(input: CreateBookingInput, eventTypeId: number) {
  const email = input.attendee.email?.trim() || undefined;
  const phoneNumber = toE164(input.attendee.phoneNumber);
  if (!email && !phoneNumber) {
    throw new CalcomError({ kind: 'client', code: 'InvalidInput', message: 'attendee needs an email or a phone number' });
  }
  if (!input.attendee.name.trim()) throw new CalcomError({ kind: 'client', code: 'InvalidInput', message: 'attendee name is empty' });
  if (Number.isNaN(input.start.getTime())) throw new CalcomError({ kind: 'client', code: 'InvalidInput', message: 'start is not a valid date' });
  checkMetadata(input.metadata);
  return {
    start: toUtcIso(input.start),
    eventTypeId,
    attendee: {
      name: input.attendee.name.trim(),
      ...(email ? { email } : {}),
      ...(phoneNumber ? { phoneNumber } : {}),
      timeZone: input.attendee.timeZone,
      language: input.attendee.language ?? 'pt-BR',
    },
    metadata: { ...input.metadata },
    ...(input.notes?.trim() ? { bookingFieldsResponses: { notes: input.notes.trim() } } : {}),
  };
}

/** Cal.com rejects metadata beyond 50 keys, 40-char keys or 500-char string values. */
function checkMetadata(metadata: Record<string, string>): void {
  const entries = Object.entries(metadata);
  const bad = entries.length > 50 || entries.some(([k, v]) => k.length > 40 || typeof v !== 'string' || v.length > 500);
  if (bad || !metadata.appointmentId) {
    throw new CalcomError({ kind: 'client', code: 'InvalidInput', message: 'metadata must hold appointmentId and fit Cal.com limits' });
  }
}

function toE164(phone: string | null | undefined): string | undefined {
  const digits = phone?.replace(/\D/g, '') ?? '';
  return digits ? `+${digits}` : undefined;
}

/** Cal.com wants `start` in UTC (`Z`); milliseconds are dropped as slots never carry them. */
export function toUtcIso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isPhoneRejection(error: CalcomError): boolean {
  return error.status === 400 && /phone/i.test(error.message);
}

export function withoutPhone(body: BookingBody): BookingBody {
  const { phoneNumber: _dropped, ...attendee } = body.attendee;
  return { ...body, attendee };
}

/** Failures after which the request may have been applied by Cal.com. */
export function isAmbiguous(error: CalcomError): boolean {
  return error.kind === 'network' || error.kind === 'timeout' || error.kind === 'server';
}
