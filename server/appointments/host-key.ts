/**
 * Who hosts an appointment, as one comparable key: `user:<Cal.com user id>` when the host user is
 * known (two event types of one professional share it), else `event-type:<id>` (the event type
 * stands for its host). Our own per-host guarantee (`appointments_host_claim_uniq`) and
 * `Appointment.overlaps` compare these keys.
 */

export interface HostRef {
  eventTypeId: number | null | undefined;
  /** The Cal.com user who hosts: a service's host, or the company's `calDefaultUserId`. */
  hostUserId?: number | string | null;
}

/** The host key of a booking target; null when neither the user nor the event type is known. */
export function hostKeyOf({ eventTypeId, hostUserId }: HostRef): string | null {
  const user = typeof hostUserId === 'number' ? String(hostUserId) : hostUserId?.trim();
  if (user) return `user:${user}`;
  return eventTypeId != null ? `event-type:${eventTypeId}` : null;
}

/** What a booking of ours is for: the event type Cal.com books and who hosts it. */
export interface BookingTarget {
  eventTypeId: number;
  hostUserId?: number | string | null;
  hostName?: string | null;
}

/** The company's default event type and user (`calEventTypeId`, `calDefaultUserId`). */
export function defaultTarget(cal: { eventTypeId: number | null; defaultUserId: string | null }): BookingTarget | null {
  return cal.eventTypeId ? { eventTypeId: cal.eventTypeId, hostUserId: cal.defaultUserId } : null;
}

/**
 * The host key of a booking Cal.com reported, from its organizer (`user:<id>`). A booking of the
 * company's default event type without a known organizer, or while `calDefaultUserId` is not
 * configured, gets the key our own attempts use for that event type, so the two always compare
 * (without the user id, the default event type's bookings count as one host's).
 */
export function reportedHostKey(
  cal: { eventTypeId: number | null; defaultUserId: string | null },
  event: { eventTypeId: number | null; host: { userId: number | null } | null },
): string | null {
  const isDefault = cal.eventTypeId != null && (event.eventTypeId == null || event.eventTypeId === cal.eventTypeId);
  const organizerId = event.host?.userId ?? null;
  if (isDefault && (organizerId === null || !cal.defaultUserId?.trim())) return hostKeyOf({ eventTypeId: cal.eventTypeId, hostUserId: cal.defaultUserId });
  return hostKeyOf({ eventTypeId: event.eventTypeId, hostUserId: organizerId });
}
