import { ArrayType, Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const APPOINTMENT_STATUSES = ['PENDING', 'CONFIRMED', 'RESCHEDULED', 'CANCELLED'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** The client's answer to a reminder (issue 18): none yet, "1" (confirm), or cancelled by the client. */
export const CLIENT_CONFIRMATIONS = ['NONE', 'CONFIRMED', 'DECLINED'] as const;
export type ClientConfirmation = (typeof CLIENT_CONFIRMATIONS)[number];

/** Whether the client came, marked in the Agenda after the start or by Cal.com's no-show events. */
export const ATTENDANCES = ['UNKNOWN', 'ATTENDED', 'NO_SHOW'] as const;
export type Attendance = (typeof ATTENDANCES)[number];

export const APPOINTMENT_SOURCES = ['WHATSAPP', 'ADMIN', 'API', 'CALCOM'] as const;
export type AppointmentSource = (typeof APPOINTMENT_SOURCES)[number];

/**
 * A meeting. `id` is ours and stays stable when Cal.com reschedules (which creates a new booking uid).
 * Every booking Cal.com reports is recorded, overlaps included; a partial unique index on
 * (company_id, host_key, start_at) over live rows with `hostClaim` keeps two of our own booking
 * attempts from reaching Cal.com for the same host and start (see host-key.ts).
 */
@Entity({ tableName: 'appointments' })
export class Appointment {
  [OptionalProps]?: 'calPreviousUids' | 'clientConfirmation' | 'attendance' | 'attendanceMarkedAt' | 'searchText' | 'createdAt' | 'updatedAt' | 'status' | 'title' | 'clientName' | 'hostKey' | 'hostName' | 'hostClaim';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  companyId!: string;

  @Property({ type: 'text' })
  status: AppointmentStatus = 'PENDING';

  @Property({ type: 'text' })
  title: string = '';

  @Property({ type: 'timestamptz' })
  startAt!: Date;

  @Property({ type: 'timestamptz' })
  endAt!: Date;

  @Property({ type: 'text' })
  clientName: string = '';

  /** Digits only, country code first (WhatsApp form). */
  @Property({ type: 'text', nullable: true })
  clientPhone: string | null = null;

  @Property({ type: 'text', nullable: true })
  clientEmail: string | null = null;

  @Property({ type: 'text', nullable: true })
  notes: string | null = null;

  @Property({ type: 'text', nullable: true })
  meetingUrl: string | null = null;

  @Property({ type: 'text' })
  source!: AppointmentSource;

  @Property({ type: 'text', nullable: true })
  calBookingUid: string | null = null;

  @Property({ type: 'integer', nullable: true })
  calBookingId: number | null = null;

  /** Uids this appointment had before Cal.com reschedules gave it new ones. */
  @Property({ type: ArrayType, columnType: 'text[]' })
  calPreviousUids: string[] = [];

  @Property({ type: 'text', nullable: true })
  cancellationReason: string | null = null;

  /** `createdAt` of the last Cal.com webhook applied; older events must not overwrite newer state. */
  @Property({ type: 'timestamptz', nullable: true })
  calLastEventAt: Date | null = null;

  /** Who hosts it: `user:<Cal.com user id>` or `event-type:<id>` (host-key.ts); null when unknown. */
  @Property({ type: 'text', nullable: true })
  hostKey: string | null = null;

  /** The Cal.com organizer's name, as Cal.com reported it. */
  @Property({ type: 'text', nullable: true })
  hostName: string | null = null;

  /** Holds its host's slot against our other own attempts (our claims; never a Cal.com-made booking). */
  @Property({ type: 'boolean' })
  hostClaim: boolean = false;

  /** The client's answer to a reminder (1 confirm → CONFIRMED, 3 cancel → DECLINED). */
  @Property({ type: 'text' })
  clientConfirmation: ClientConfirmation = 'NONE';

  @Property({ type: 'text' })
  attendance: Attendance = 'UNKNOWN';

  /** When `attendance` was last set (a mark, or the Cal.com event's own time): older events lose. */
  @Property({ type: 'timestamptz', nullable: true })
  attendanceMarkedAt: Date | null = null;

  @Property({ type: 'uuid', nullable: true })
  contactId: string | null = null;

  /** The service (Cal.com event type) booked; null for rows made before services existed. */
  @Property({ type: 'uuid', nullable: true })
  serviceId: string | null = null;

  /** Lower-case, accent-free client name + phone, for search (see text.ts). */
  @Property({ type: 'text' })
  searchText: string = '';

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
