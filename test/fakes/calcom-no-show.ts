import type { SandboxBooking, WebhookEnvelope } from './calcom-sandbox.js';

/**
 * Cal.com's no-show webhooks, shaped as its source sends them (packages/features/webhooks/lib/
 * sendPayload.ts `BookingNoShowUpdatedPayload`; tasker/tasks/triggerNoShow/common.ts
 * `sendWebhookPayload`), in the standard envelope.
 */

/** Marked (or unmarked) in Cal.com's booking list or by `POST /v2/bookings/:uid/mark-absent`. */
export function buildNoShowUpdated(booking: SandboxBooking, createdAt: string, attendees = booking.attendees.map((a) => ({ email: a.email, noShow: a.absent }))): WebhookEnvelope {
  const marked = attendees.filter((a) => a.noShow).length;
  return {
    triggerEvent: 'BOOKING_NO_SHOW_UPDATED',
    createdAt,
    payload: {
      message: marked > 0 ? `${attendees.map((a) => a.email).join(', ')} marked as no-show` : `${attendees.map((a) => a.email).join(', ')} unmarked as no-show`,
      bookingUid: booking.uid,
      bookingId: booking.id,
      attendees,
    },
  };
}

/** The scheduled task's event when no guest joined the Cal Video call before the configured time. */
export function buildGuestsNoShow(booking: SandboxBooking, createdAt: string, minutesAfterStart = 15): WebhookEnvelope {
  const max = new Date(new Date(booking.start).getTime() + minutesAfterStart * 60_000).toISOString().replace('T', ' ').slice(0, 19);
  return {
    triggerEvent: 'AFTER_GUESTS_CAL_VIDEO_NO_SHOW',
    createdAt,
    payload: {
      title: booking.title,
      bookingId: booking.id,
      bookingUid: booking.uid,
      startTime: booking.start,
      endTime: booking.end,
      attendees: booking.attendees.map((a, i) => ({ id: 900 + i, email: a.email, name: a.name, timeZone: a.timeZone, locale: a.language, bookingId: booking.id, noShow: a.absent })),
      participants: [],
      eventType: { id: booking.eventTypeId, slug: booking.eventType.slug },
      webhook: { id: 'wh-sandbox', subscriberUrl: 'sandbox', time: minutesAfterStart, timeUnit: 'MINUTE' },
      message: `Guest didn't join the call or didn't join before ${max} +00:00`,
    },
  };
}
