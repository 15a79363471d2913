import { describe, expect, it } from 'vitest';
import { defaultTarget, hostKeyOf, reportedHostKey } from '../../server/appointments/host-key.js';

describe('hostKeyOf', () => {
  it('names the host user when known, else the event type, else nothing', () => {
    expect(hostKeyOf({ eventTypeId: 1001, hostUserId: 7 })).toBe('user:7');
    expect(hostKeyOf({ eventTypeId: 1001, hostUserId: ' 7 ' })).toBe('user:7');
    expect(hostKeyOf({ eventTypeId: 1001, hostUserId: '' })).toBe('event-type:1001');
    expect(hostKeyOf({ eventTypeId: 1001 })).toBe('event-type:1001');
    expect(hostKeyOf({ eventTypeId: null, hostUserId: null })).toBeNull();
  });

  it('the default target is the company event type and user', () => {
    expect(defaultTarget({ eventTypeId: 1001, defaultUserId: '7' })).toEqual({ eventTypeId: 1001, hostUserId: '7' });
    expect(defaultTarget({ eventTypeId: null, defaultUserId: '7' })).toBeNull();
  });
});

describe('reportedHostKey', () => {
  const organizer = (userId: number | null) => ({ host: userId === null ? null : { userId } });

  it('gives a booking of the default event type the key our own attempts use, even without a default user', () => {
    const cal = { eventTypeId: 1001, defaultUserId: null };
    expect(reportedHostKey(cal, { eventTypeId: 1001, ...organizer(7) })).toBe(hostKeyOf(defaultTarget(cal)!));
    expect(reportedHostKey(cal, { eventTypeId: null, ...organizer(7) })).toBe('event-type:1001');
  });

  it('uses the organizer when the default user is configured, so it compares with own attempts', () => {
    const cal = { eventTypeId: 1001, defaultUserId: '7' };
    expect(reportedHostKey(cal, { eventTypeId: 1001, ...organizer(7) })).toBe(hostKeyOf(defaultTarget(cal)!));
    expect(reportedHostKey(cal, { eventTypeId: 1001, ...organizer(null) })).toBe('user:7');
  });

  it('keys another event type by its organizer, else by the event type', () => {
    const cal = { eventTypeId: 1001, defaultUserId: null };
    expect(reportedHostKey(cal, { eventTypeId: 2002, ...organizer(8) })).toBe('user:8');
    expect(reportedHostKey(cal, { eventTypeId: 2002, ...organizer(null) })).toBe('event-type:2002');
  });
});
