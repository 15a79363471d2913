import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Appointment, type AppointmentSource, type AppointmentStatus, type Attendance, type ClientConfirmation } from './appointment.entity.js';

export enum AppointmentStatusEnum {
  PENDING = 'PENDING',
  CONFIRMED = 'CONFIRMED',
  RESCHEDULED = 'RESCHEDULED',
  CANCELLED = 'CANCELLED',
}
export enum AppointmentSourceEnum {
  WHATSAPP = 'WHATSAPP',
  ADMIN = 'ADMIN',
  API = 'API',
  CALCOM = 'CALCOM',
}
export enum AppointmentChangeKind {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  RESCHEDULED = 'RESCHEDULED',
  CANCELLED = 'CANCELLED',
}
export enum ClientConfirmationEnum {
  NONE = 'NONE',
  CONFIRMED = 'CONFIRMED',
  DECLINED = 'DECLINED',
}
export enum AttendanceEnum {
  UNKNOWN = 'UNKNOWN',
  ATTENDED = 'ATTENDED',
  NO_SHOW = 'NO_SHOW',
}
export enum ReminderStatusEnum {
  SCHEDULED = 'SCHEDULED',
  SENT = 'SENT',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}
export type ReminderStatus = `${ReminderStatusEnum}`;
registerEnumType(ClientConfirmationEnum, { name: 'ClientConfirmation', description: "The client's answer to a reminder." });
registerEnumType(AttendanceEnum, { name: 'Attendance', description: 'Whether the client came (set after the start).' });
registerEnumType(ReminderStatusEnum, { name: 'ReminderStatus' });
registerEnumType(AppointmentStatusEnum, { name: 'AppointmentStatus' });
registerEnumType(AppointmentSourceEnum, { name: 'AppointmentSource' });
registerEnumType(AppointmentChangeKind, { name: 'AppointmentChangeKind' });

// simpleResolvers: graphql's own property read for every plain field, instead of type-graphql's
// wrapper (an object and a middleware walk per field: 750 calls for a page of 50, ~12% of a list
// request's CPU). Safe while these types have no middlewares, no @Authorized and no renamed fields.
@ObjectType('Appointment', { simpleResolvers: true })
export class AppointmentView {
  @Field(() => ID) id!: string;
  @Field(() => AppointmentStatusEnum) status!: AppointmentStatus;
  @Field(() => String) title!: string;
  @Field(() => Date) startAt!: Date;
  @Field(() => Date) endAt!: Date;
  @Field(() => String) clientName!: string;
  @Field(() => String, { nullable: true }) clientPhone!: string | null;
  @Field(() => String, { nullable: true }) clientEmail!: string | null;
  @Field(() => String, { nullable: true }) notes!: string | null;
  @Field(() => String, { nullable: true }) meetingUrl!: string | null;
  @Field(() => AppointmentSourceEnum) source!: AppointmentSource;
  @Field(() => String, { nullable: true }) calBookingUid!: string | null;
  @Field(() => String, { nullable: true }) cancellationReason!: string | null;
  @Field(() => ClientConfirmationEnum) clientConfirmation!: ClientConfirmation;
  @Field(() => AttendanceEnum) attendance!: Attendance;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
  @Field(() => String, { nullable: true, description: 'Who hosts it in Cal.com (the booking\'s organizer), when known.' })
  hostName!: string | null;
  @Field(() => String, { nullable: true, description: 'Who hosts it, as a stable key (`user:<Cal.com user id>` or `event-type:<id>` for a team event type booked by us); what `AppointmentFilter.hostKeys` takes (see `Service.hostKey`, `ServiceHost.hostKey`).' })
  hostKey!: string | null;
  @Field(() => Boolean, { description: 'Another live appointment of the same host overlaps this one (both were booked in Cal.com).' })
  overlaps!: boolean;
  @Field(() => ID, { nullable: true, description: 'See `service`.' }) serviceId!: string | null;
  /** Preloaded for a page when its selection asks for them (see AppointmentFieldsResolver.reminders). */
  reminders?: ReminderView[];
}

/** One WhatsApp reminder of an appointment (rows written by the reminder engine). */
@ObjectType('Reminder', { simpleResolvers: true })
export class ReminderView {
  @Field(() => Int, { description: 'Minutes before the start.' }) offsetMinutes!: number;
  @Field(() => Date, { description: 'When it goes (quiet hours already applied).' }) dueAt!: Date;
  @Field(() => ReminderStatusEnum) status!: ReminderStatus;
  @Field(() => Date, { nullable: true }) sentAt!: Date | null;
}

/** One week (Monday to Sunday in the company's time zone) of the attendance summary. */
@ObjectType('AttendanceWeek', { simpleResolvers: true })
export class AttendanceWeekView {
  @Field(() => String, { description: 'Monday of the week in the company time zone (YYYY-MM-DD).' }) weekStart!: string;
  @Field(() => Date, { description: "Start of the week's Monday in the company time zone." }) from!: Date;
  @Field(() => Date, { description: 'Start of the next week (exclusive bound).' }) to!: Date;
  @Field(() => Int, { description: 'Appointments starting this week, cancelled ones excluded.' }) appointments!: number;
  @Field(() => Int, { description: 'Of those, confirmed by the client (answer to a reminder).' }) confirmations!: number;
  @Field(() => Int, { description: 'Of those, declined by the client.' }) declines!: number;
  @Field(() => Int, { description: 'Of those, already started (the no-show rate counts only these).' }) started!: number;
  @Field(() => Int) attended!: number;
  @Field(() => Int) noShows!: number;
  @Field(() => Float, { description: 'noShows / appointments that already started (0 when none did).' }) noShowRate!: number;
}

/**
 * Entity → API shape. Also the JSON sent through NOTIFY (dates as ISO strings, see fromWire).
 * `overlaps` comes from the database (see overlapsSql); a cancelled appointment never overlaps.
 */
export function mapAppointment(a: Appointment, overlaps: boolean): AppointmentView {
  return {
    id: a.id,
    status: a.status,
    title: a.title,
    startAt: a.startAt,
    endAt: a.endAt,
    clientName: a.clientName,
    clientPhone: a.clientPhone,
    clientEmail: a.clientEmail,
    notes: a.notes,
    meetingUrl: a.meetingUrl,
    source: a.source,
    calBookingUid: a.calBookingUid,
    cancellationReason: a.cancellationReason,
    clientConfirmation: a.clientConfirmation,
    attendance: a.attendance,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    hostName: a.hostName,
    hostKey: a.hostKey,
    overlaps: overlaps && a.status !== 'CANCELLED',
    serviceId: a.serviceId,
  };
}

/**
 * The columns of an `appointments` row that make up an `AppointmentView`, in the order of the tuples
 * read by `appointmentFromTuple`. A tuple is a text array (`appointmentTupleSql`), its timestamps whole
 * epoch milliseconds (`epochMsSql`): PostgreSQL builds a page of them for 60% of what the former
 * `json_build_array` with `extract` cost (0.20 against 0.33 ms per statement, bench/page-statement.ts),
 * and a number is cheaper for us to read than a date string to parse.
 */
export const APPOINTMENT_VIEW_COLUMNS = [
  'id', 'status', 'title', 'start_at', 'end_at', 'client_name', 'client_phone', 'client_email', 'notes',
  'meeting_url', 'source', 'cal_booking_uid', 'cancellation_reason', 'created_at', 'updated_at',
  'client_confirmation', 'attendance', 'host_name', 'service_id', 'host_key',
] as const;

/**
 * How far back an overlapping appointment's start is looked for: bounds the index range each row's
 * check reads (`appointments_host_start_idx`). A meeting longer than this that started earlier is not
 * seen as overlapping; no event type here lasts a day.
 */
export const OVERLAP_LOOKBACK_HOURS = 24;

/**
 * SQL: whether another live appointment of the same host overlaps row `alias` ([start, end) against
 * [start, end)); false for a cancelled row or one without a known host. Needs `company_id`,
 * `host_key`, `status`, `id`, `start_at`, `end_at` of `alias`.
 */
export function overlapsSql(alias: string): string {
  const a = alias;
  return `case when ${a}.status = 'CANCELLED' or ${a}.host_key is null then false else exists (
      select 1 from appointments o
       where o.company_id = ${a}.company_id and o.host_key = ${a}.host_key and o.status <> 'CANCELLED'
         and o.start_at > ${a}.start_at - interval '${OVERLAP_LOOKBACK_HOURS} hours' and o.start_at < ${a}.end_at
         and o.end_at > ${a}.start_at and o.id <> ${a}.id) end`;
}
const TIMESTAMP_COLUMNS: ReadonlySet<string> = new Set(['start_at', 'end_at', 'created_at', 'updated_at']);

/**
 * SQL: a timestamptz as whole epoch milliseconds (int8), rounded down like a `Date` made from it.
 * `date_part` works in float8, cheaper than `extract`'s numeric (the page statement costs a quarter
 * less with it). The float result is within 0.0005 ms of the exact value for any whole-microsecond
 * timestamp before 2100 (its two roundings stay under half a float8 step at 2^42 ms), so adding
 * 0.0005 before `floor` gives the exact millisecond (checked in test/integration/list-tuple.test.ts).
 */
export function epochMsSql(expr: string): string {
  return `floor(date_part('epoch', ${expr}) * 1000 + 0.0005)::int8`;
}

/** The tuple's elements over the columns of `alias`, each as text (timestamps as `epochMsSql`). */
export function appointmentTupleSql(alias: string): string {
  return APPOINTMENT_VIEW_COLUMNS.map((c) => `${TIMESTAMP_COLUMNS.has(c) ? epochMsSql(`${alias}.${c}`) : `${alias}.${c}`}::text`).join(', ');
}

/** One tuple of `APPOINTMENT_VIEW_COLUMNS` (text, then `overlaps` as 'true'/'false') → API shape, without hydrating an entity. */
export function appointmentFromTuple(t: readonly (string | null)[]): AppointmentView {
  return {
    id: t[0]!,
    status: t[1] as AppointmentStatus,
    title: t[2]!,
    startAt: new Date(Number(t[3])),
    endAt: new Date(Number(t[4])),
    clientName: t[5]!,
    clientPhone: t[6] ?? null,
    clientEmail: t[7] ?? null,
    notes: t[8] ?? null,
    meetingUrl: t[9] ?? null,
    source: t[10] as AppointmentSource,
    calBookingUid: t[11] ?? null,
    cancellationReason: t[12] ?? null,
    createdAt: new Date(Number(t[13])),
    updatedAt: new Date(Number(t[14])),
    clientConfirmation: t[15] as ClientConfirmation,
    attendance: t[16] as Attendance,
    hostName: t[17] ?? null,
    serviceId: t[18] ?? null,
    hostKey: t[19] ?? null,
    overlaps: t[20] === 'true',
  };
}

export function appointmentFromWire(raw: Record<string, unknown>): AppointmentView {
  const view = raw as unknown as AppointmentView;
  return {
    ...view,
    startAt: new Date(raw.startAt as string),
    endAt: new Date(raw.endAt as string),
    createdAt: new Date(raw.createdAt as string),
    updatedAt: new Date(raw.updatedAt as string),
  };
}

@ObjectType('AppointmentEdge', { simpleResolvers: true })
export class AppointmentEdge {
  @Field(() => String) cursor!: string;
  @Field(() => AppointmentView) node!: AppointmentView;
}

@ObjectType('PageInfo', { simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType('AppointmentConnection', { simpleResolvers: true })
export class AppointmentConnection {
  @Field(() => [AppointmentEdge]) edges!: AppointmentEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType('AppointmentOverlaps', { description: 'Diagnóstico: appointments of one host that overlap (see Appointment.overlaps).' })
export class AppointmentOverlaps {
  @Field(() => Int, { description: 'How many live appointments overlap another of their host.' }) total!: number;
  @Field(() => [AppointmentView], { description: 'The first ones, in start order.' }) appointments!: AppointmentView[];
}

@ObjectType('AppointmentChange')
export class AppointmentChange {
  @Field(() => AppointmentChangeKind) kind!: AppointmentChangeKind;
  @Field(() => AppointmentView) appointment!: AppointmentView;
}

@InputType('AppointmentFilter')
export class AppointmentFilter {
  @Field(() => Date, { nullable: true }) from?: Date | null;
  @Field(() => Date, { nullable: true }) to?: Date | null;
  @Field(() => String, { nullable: true, description: 'Client name or phone; accent- and case-insensitive.' })
  search?: string | null;
  @Field(() => [AppointmentStatusEnum], { nullable: true }) status?: AppointmentStatus[] | null;
  @Field(() => [ID], { nullable: true, description: 'Only appointments of these services.' }) serviceIds?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Only appointments of these hosts (`Appointment.hostKey`; at most 50).' }) hostKeys?: string[] | null;
}

@InputType('BookAppointmentInput')
export class BookAppointmentInput {
  @Field(() => Date, { description: 'Start of a free slot (see `availability`).' }) start!: Date;
  @Field(() => String) clientName!: string;
  @Field(() => String, { nullable: true, description: 'With country code, e.g. +55 11 99999-9999.' })
  clientPhone?: string | null;
  @Field(() => String, { nullable: true }) clientEmail?: string | null;
  @Field(() => String, { nullable: true }) notes?: string | null;
  @Field(() => ID, { nullable: true, description: 'A service of `Company.services`; absent: the default service.' }) serviceId?: string | null;
}

@ObjectType('Slot')
export class SlotView {
  @Field(() => Date) start!: Date;
  @Field(() => Date) end!: Date;
}
