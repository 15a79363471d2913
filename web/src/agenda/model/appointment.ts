export type AppointmentStatus = 'PENDING' | 'CONFIRMED' | 'RESCHEDULED' | 'CANCELLED';
export type AppointmentSource = 'WHATSAPP' | 'ADMIN' | 'API' | 'CALCOM';
export type ClientConfirmation = 'NONE' | 'CONFIRMED' | 'DECLINED';
export type Attendance = 'UNKNOWN' | 'ATTENDED' | 'NO_SHOW';
export type ReminderStatus = 'SCHEDULED' | 'SENT' | 'FAILED' | 'SKIPPED';

export interface Reminder {
  __typename?: 'Reminder';
  offsetMinutes: number;
  dueAt: string;
  status: ReminderStatus;
  sentAt: string | null;
}

export type AppointmentChangeKind = 'CREATED' | 'UPDATED' | 'RESCHEDULED' | 'CANCELLED';

export const APPOINTMENT_STATUSES: readonly AppointmentStatus[] = ['CONFIRMED', 'PENDING', 'RESCHEDULED', 'CANCELLED'];

export interface Appointment {
  __typename?: 'Appointment';
  id: string;
  status: AppointmentStatus;
  title: string;
  startAt: string;
  endAt: string;
  clientName: string;
  clientPhone: string | null;
  clientEmail: string | null;
  notes: string | null;
  meetingUrl: string | null;
  source: AppointmentSource;
  calBookingUid: string | null;
  cancellationReason: string | null;
  clientConfirmation: ClientConfirmation;
  attendance: Attendance;
  reminders: Reminder[];
  createdAt: string;
  updatedAt: string;
  /** Cal.com's organizer, when known. */
  hostName: string | null;
  /** Who hosts it as a stable key (`user:<id>`, `event-type:<id>`); what the host filter compares. */
  hostKey: string | null;
  /** Another live appointment of the same host overlaps this one. */
  overlaps: boolean;
  /** The service booked (see Company.services); null before services existed. */
  serviceId: string | null;
}

export interface AppointmentEdge {
  __typename?: 'AppointmentEdge';
  cursor: string;
  node: Appointment;
}

export interface AppointmentConnection {
  __typename?: 'AppointmentConnection';
  edges: AppointmentEdge[];
  pageInfo: { __typename?: 'PageInfo'; hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export interface AppointmentChange {
  kind: AppointmentChangeKind;
  appointment: Appointment;
}

/** What the list shows: the `AppointmentFilter` sent to the server, with ISO instants. */
export interface ListFilter {
  from: string;
  to: string;
  search: string | null;
  status: AppointmentStatus[] | null;
  /** Only these services; null: all. */
  serviceIds: string[] | null;
  /** Only these hosts (`Appointment.hostKey`); null: all. */
  hostKeys: string[] | null;
}
