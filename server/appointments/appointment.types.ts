import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Appointment, type AppointmentSource, type AppointmentStatus } from './appointment.entity.js';

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
registerEnumType(AppointmentStatusEnum, { name: 'AppointmentStatus' });
registerEnumType(AppointmentSourceEnum, { name: 'AppointmentSource' });
registerEnumType(AppointmentChangeKind, { name: 'AppointmentChangeKind' });

@ObjectType('Appointment')
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
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;
}

/** Entity → API shape. Also the JSON sent through NOTIFY (dates as ISO strings, see fromWire). */
export function mapAppointment(a: Appointment): AppointmentView {
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
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(value as string));

/** A raw `appointments` row (snake_case columns) → API shape, without hydrating an entity. */
export function appointmentFromRow(row: Record<string, unknown>): AppointmentView {
  // MikroORM's driver hands timestamptz back as strings.
  return {
    id: row.id as string,
    status: row.status as AppointmentStatus,
    title: row.title as string,
    startAt: toDate(row.start_at),
    endAt: toDate(row.end_at),
    clientName: row.client_name as string,
    clientPhone: row.client_phone as string | null,
    clientEmail: row.client_email as string | null,
    notes: row.notes as string | null,
    meetingUrl: row.meeting_url as string | null,
    source: row.source as AppointmentSource,
    calBookingUid: row.cal_booking_uid as string | null,
    cancellationReason: row.cancellation_reason as string | null,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
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

@ObjectType('AppointmentEdge')
export class AppointmentEdge {
  @Field(() => String) cursor!: string;
  @Field(() => AppointmentView) node!: AppointmentView;
}

@ObjectType('PageInfo')
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType('AppointmentConnection')
export class AppointmentConnection {
  @Field(() => [AppointmentEdge]) edges!: AppointmentEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
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
}

@InputType('BookAppointmentInput')
export class BookAppointmentInput {
  @Field(() => Date, { description: 'Start of a free slot (see `availability`).' }) start!: Date;
  @Field(() => String) clientName!: string;
  @Field(() => String, { nullable: true, description: 'With country code, e.g. +55 11 99999-9999.' })
  clientPhone?: string | null;
  @Field(() => String, { nullable: true }) clientEmail?: string | null;
  @Field(() => String, { nullable: true }) notes?: string | null;
}

@ObjectType('Slot')
export class SlotView {
  @Field(() => Date) start!: Date;
  @Field(() => Date) end!: Date;
}
