import { buildWebhook, signBody, type SandboxBooking, type WebhookEnvelope } from '../../fakes/calcom-sandbox.js';

export const WEBHOOK_PATH = '/api/agenda/webhook/cal';

/** A Cal.com booking as API v2 returns it, with one attendee and a Cal Video link. */
export function bookingFixture(uid: string, start: Date, overrides: Partial<SandboxBooking> = {}): SandboxBooking {
  const end = new Date(start.getTime() + 30 * 60_000);
  return {
    id: 1000 + (hash(uid) % 1_000_000),
    uid,
    title: 'Reunião entre Ana e Cliente',
    description: '',
    status: 'accepted',
    hosts: [{ id: 7, name: 'Ana', email: 'ana@clinica.com', displayEmail: 'ana@clinica.com', username: 'ana', timeZone: 'America/Sao_Paulo' }],
    start: start.toISOString(),
    end: end.toISOString(),
    duration: 30,
    eventTypeId: 1001,
    eventType: { id: 1001, slug: 'reuniao' },
    meetingUrl: `https://app.cal.com/video/${uid}`,
    location: `https://app.cal.com/video/${uid}`,
    absentHost: false,
    createdAt: start.toISOString(),
    updatedAt: null,
    metadata: { videoCallUrl: `https://app.cal.com/video/${uid}` },
    icsUid: `${uid}@Cal.com`,
    attendees: [{ name: 'Carlos Sá', email: 'carlos@example.com', displayEmail: 'carlos@example.com', timeZone: 'America/Sao_Paulo', language: 'pt-BR', absent: false, phoneNumber: '+5511987654321' }],
    guests: [],
    bookingFieldsResponses: {},
    ...overrides,
  };
}

export type Trigger = 'BOOKING_CREATED' | 'BOOKING_RESCHEDULED' | 'BOOKING_CANCELLED';

/** One Cal.com event: `at` is the envelope's createdAt (the order Cal.com produced them in). */
export interface BookingEventSpec {
  trigger: Trigger;
  uid: string;
  start: Date;
  at: Date;
  /** BOOKING_RESCHEDULED: the uid it replaces. */
  rescheduleUid?: string;
}

export function envelopeOf(event: BookingEventSpec): WebhookEnvelope {
  const base = bookingFixture(event.uid, event.start);
  const createdAt = event.at.toISOString();
  if (event.trigger === 'BOOKING_CANCELLED') return buildWebhook(event.trigger, { ...base, status: 'cancelled' }, { createdAt, cancellationReason: 'Imprevisto' });
  if (event.trigger === 'BOOKING_RESCHEDULED') return buildWebhook(event.trigger, { ...base, rescheduledFromUid: event.rescheduleUid }, { createdAt, rescheduleUid: event.rescheduleUid });
  return buildWebhook(event.trigger, base, { createdAt });
}

/** The exact bytes and headers Cal.com would send for `body` to company `companyId`. */
export function signedHeaders(companyId: string, secret: string, body: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-cal-company': companyId, 'x-cal-signature-256': signBody(secret, body) };
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return Math.abs(h);
}
