import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../appointments/appointment.types.js';

@ObjectType('AuditEntry', { description: 'Who did what, when, from which channel.' })
export class AuditEntryView {
  @Field(() => ID) id!: string;
  @Field(() => Date) at!: Date;
  @Field(() => String, { description: 'ADMIN, API_KEY, WHATSAPP, CALCOM or SYSTEM.' }) actorType!: string;
  @Field(() => String) actorLabel!: string;
  @Field(() => String, { description: 'e.g. appointment.booked, appointment.cancelled, bot.intent.' }) action!: string;
  @Field(() => String, { description: 'e.g. appointment:<id>.' }) subject!: string;
  @Field(() => String, { description: 'Details as JSON text.' }) data!: string;
}

@ObjectType('AuditLogEdge')
export class AuditLogEdge {
  @Field(() => String) cursor!: string;
  @Field(() => AuditEntryView) node!: AuditEntryView;
}

@ObjectType('AuditLogConnection')
export class AuditLogConnection {
  @Field(() => [AuditLogEdge]) edges!: AuditLogEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@InputType('AuditLogFilter')
export class AuditLogFilter {
  @Field(() => String, { nullable: true, description: 'Exact subject, e.g. appointment:<id>.' }) subject?: string | null;
  @Field(() => Date, { nullable: true }) from?: Date | null;
  @Field(() => Date, { nullable: true }) to?: Date | null;
}
