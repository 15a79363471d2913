import { describe, expect, it } from 'vitest';
import { InvalidEvent, parseWebhook } from '../../server/calcom/calcom-event.js';
import { readStoredDelivery } from '../../server/calcom/webhook-policy.js';

/** Shapes from Cal.com's source (sendPayload.ts BookingNoShowUpdatedPayload; triggerNoShow/common.ts). */
const noShowUpdated = (attendees: unknown, extra: Record<string, unknown> = {}) => ({
  triggerEvent: 'BOOKING_NO_SHOW_UPDATED',
  createdAt: '2031-04-01T12:00:00.000Z',
  payload: { message: 'ana@x.com marked as no-show', bookingUid: 'uid-9', bookingId: 77, attendees, ...extra },
});

describe('Cal.com no-show events', () => {
  it('reads BOOKING_NO_SHOW_UPDATED per attendee, e-mails lower-cased', () => {
    const parsed = parseWebhook(noShowUpdated([{ email: 'ANA@x.com', noShow: true }, { email: 'b@x.com', noShow: false }]));
    expect(parsed.event).toBeNull();
    expect(parsed.attendance).toEqual({
      trigger: 'BOOKING_NO_SHOW_UPDATED',
      at: new Date('2031-04-01T12:00:00.000Z'),
      uid: 'uid-9',
      bookingId: 77,
      attendees: [{ email: 'ana@x.com', noShow: true }, { email: 'b@x.com', noShow: false }],
    });
  });

  it('reads AFTER_GUESTS_CAL_VIDEO_NO_SHOW as every attendee absent', () => {
    const parsed = parseWebhook({
      triggerEvent: 'AFTER_GUESTS_CAL_VIDEO_NO_SHOW',
      createdAt: '2031-04-01T12:20:00.000Z',
      payload: { title: 'Reunião', bookingId: 78, bookingUid: 'uid-10', startTime: '2031-04-01T12:00:00.000Z', endTime: '2031-04-01T12:30:00.000Z', attendees: [{ email: 'c@x.com', name: 'C' }], participants: [], message: "Guest didn't join the call" },
    });
    expect(parsed.attendance).toMatchObject({ trigger: 'AFTER_GUESTS_CAL_VIDEO_NO_SHOW', uid: 'uid-10', bookingId: 78, attendees: [{ email: 'c@x.com', noShow: true }] });
  });

  it('keeps only attendees with a boolean noShow, and refuses a payload without a booking uid', () => {
    expect(parseWebhook(noShowUpdated([{ email: 'a@x.com' }, 'x', { email: 'b@x.com', noShow: 'yes' }])).attendance!.attendees).toEqual([]);
    expect(() => parseWebhook(noShowUpdated([], { bookingUid: undefined }))).toThrow(InvalidEvent);
    expect(() => parseWebhook({ triggerEvent: 'BOOKING_NO_SHOW_UPDATED', payload: 'x' })).toThrow(/payload/);
    expect(() => parseWebhook(noShowUpdated([], { bookingUid: 'u'.repeat(201) }))).toThrow(/bookingUid/);
  });

  it('a stored no-show delivery is read as an attendance event dated by its reception when it has no createdAt', () => {
    const received = new Date('2031-04-01T13:00:00Z');
    const { createdAt: _, ...body } = noShowUpdated([{ email: 'a@x.com', noShow: true }]);
    const reading = readStoredDelivery({ trigger: 'BOOKING_NO_SHOW_UPDATED', event_created_at: received, body: JSON.stringify(body) });
    expect(reading.kind).toBe('attendance');
    expect(reading.kind === 'attendance' && reading.event.at.toISOString()).toBe(received.toISOString());
  });

  it('still ignores the host no-show trigger', () => {
    expect(parseWebhook({ triggerEvent: 'AFTER_HOSTS_CAL_VIDEO_NO_SHOW', payload: {} })).toEqual({ trigger: 'AFTER_HOSTS_CAL_VIDEO_NO_SHOW', event: null });
  });
});
