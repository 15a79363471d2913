import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { hostKeyOf } from '../appointments/host-key.js';
import { serviceHostKey } from './service-catalog.service.js';
import type { Service } from './service.entity.js';

@ObjectType('ServiceHost', { description: 'A Cal.com user who runs the service.' })
export class ServiceHostView {
  @Field(() => Int) calUserId!: number;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'This host\'s key (`user:<calUserId>`), for `AppointmentFilter.hostKeys`.' }) hostKey!: string;
}

@ObjectType('Service', { description: 'A Cal.com event type the company offers; `name` and `keywords` are local.' })
export class ServiceView {
  @Field(() => ID) id!: string;
  @Field(() => Int) calEventTypeId!: number;
  @Field(() => String, { description: 'Display name (local; clients may type it on WhatsApp).' }) name!: string;
  @Field(() => String, { description: "The event type's title in Cal.com." }) calTitle!: string;
  @Field(() => Int) durationMinutes!: number;
  @Field(() => Boolean) active!: boolean;
  @Field(() => [String], { description: 'Other words that name it on WhatsApp (accent- and case-insensitive).' }) keywords!: string[];
  @Field(() => [ServiceHostView]) hosts!: ServiceHostView[];
  @Field(() => Boolean, { description: "The company's default event type (`calEventTypeId`)." }) isDefault!: boolean;
  @Field(() => Int, { nullable: true, description: 'Set for a Cal.com team event type.' }) teamId!: number | null;
  @Field(() => String, { description: 'The host key our own bookings of this service get: its one host\'s, or `event-type:<id>` for a team event type with several hosts (see `Appointment.hostKey`).' }) hostKey!: string;
  @Field(() => Boolean, { description: 'False once the event type no longer exists in Cal.com (then it stays inactive).' }) inCalcom!: boolean;
}

export function mapService(s: Service, defaultEventTypeId: number | null): ServiceView {
  return {
    id: s.id,
    calEventTypeId: s.calEventTypeId,
    name: s.name,
    calTitle: s.calTitle,
    durationMinutes: s.durationMinutes,
    active: s.active,
    keywords: [...s.keywords],
    hosts: s.hosts.map((h) => ({ calUserId: h.calUserId, name: h.name, hostKey: hostKeyOf({ eventTypeId: s.calEventTypeId, hostUserId: h.calUserId })! })),
    hostKey: serviceHostKey(s),
    isDefault: defaultEventTypeId !== null && s.calEventTypeId === defaultEventTypeId,
    teamId: s.teamId,
    inCalcom: s.inCalcom,
  };
}

@InputType('UpdateServiceInput', { description: 'Omitted fields stay as they are.' })
export class UpdateServiceInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => [String], { nullable: true, description: 'Replaces the whole list.' }) keywords?: string[] | null;
  @Field(() => Boolean, { nullable: true }) active?: boolean | null;
}
