import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

@ObjectType('Company', { description: 'Tenant settings. Secrets are masked; they can be replaced, never read back.' })
export class CompanyView {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'IANA time zone, e.g. America/Sao_Paulo.' }) timezone!: string;
  @Field(() => String) calApiUrl!: string;
  @Field(() => String, { nullable: true, description: 'Masked: only the last 4 characters, e.g. ****abcd.' }) calApiKey!: string | null;
  @Field(() => String, { nullable: true }) calDefaultUserId!: string | null;
  @Field(() => Int, { nullable: true }) calEventTypeId!: number | null;
  @Field(() => String, { nullable: true, description: 'Masked.' }) calWebhookSecret!: string | null;
  @Field(() => String, { nullable: true }) whaticketUrl!: string | null;
  @Field(() => String, { nullable: true, description: 'Masked.' }) whaticketToken!: string | null;
  @Field(() => Boolean) whaticketInboundTokenSet!: boolean;
  @Field(() => Boolean, { description: 'Cal.com API key and event type are set.' }) calendarConfigured!: boolean;
  @Field(() => String, { description: 'Path of the Cal.com webhook endpoint (prefix with the public URL).' }) webhookPath!: string;
  @Field(() => String, { description: 'Path of the Whaticket inbound endpoint for this company.' }) whaticketInboundPath!: string;
  @Field(() => [Int], { description: 'Minutes before the start at which WhatsApp reminders are sent (largest first); empty = no reminders.' })
  reminderOffsetsMinutes!: number[];
  @Field(() => String, { nullable: true, description: 'Start of the quiet hours ("HH:MM", company zone); null = no quiet hours.' })
  quietHoursStart!: string | null;
  @Field(() => String, { nullable: true, description: 'End of the quiet hours ("HH:MM", company zone); null = no quiet hours.' })
  quietHoursEnd!: string | null;
}

@InputType('CompanySettingsInput', {
  description: 'Omitted fields stay as they are. For secrets, an empty string clears the value.',
})
export class CompanySettingsInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) timezone?: string | null;
  @Field(() => String, { nullable: true }) calApiUrl?: string | null;
  @Field(() => String, { nullable: true }) calApiKey?: string | null;
  @Field(() => String, { nullable: true }) calDefaultUserId?: string | null;
  @Field(() => Int, { nullable: true }) calEventTypeId?: number | null;
  @Field(() => String, { nullable: true }) calWebhookSecret?: string | null;
  @Field(() => String, { nullable: true }) whaticketUrl?: string | null;
  @Field(() => String, { nullable: true }) whaticketToken?: string | null;
  @Field(() => [Int], { nullable: true, description: 'Each between 5 and 10080 minutes; an empty list turns reminders off.' })
  reminderOffsetsMinutes?: number[] | null;
  @Field(() => String, { nullable: true, description: '"HH:MM"; empty (with quietHoursEnd empty) turns quiet hours off.' })
  quietHoursStart?: string | null;
  @Field(() => String, { nullable: true, description: '"HH:MM"; empty (with quietHoursStart empty) turns quiet hours off.' })
  quietHoursEnd?: string | null;
}
