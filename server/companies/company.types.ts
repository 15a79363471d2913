import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { WhatsappProviderId } from './whatsapp-provider.js';

/** GraphQL enum of the WhatsApp gateways (values = `WhatsappProviderId`). */
export const WhatsappProviderEnum = { WHATICKET: 'WHATICKET', EVOLUTION: 'EVOLUTION', CLOUD_API: 'CLOUD_API' } as const satisfies Record<WhatsappProviderId, WhatsappProviderId>;
registerEnumType(WhatsappProviderEnum, {
  name: 'WhatsappProvider',
  description: 'Which gateway carries the company\'s WhatsApp: Whaticket, Evolution API or the WhatsApp Cloud API (Meta).',
});

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
  @Field(() => WhatsappProviderEnum) whatsappProvider!: WhatsappProviderId;
  @Field(() => String, { nullable: true }) evolutionUrl!: string | null;
  @Field(() => String, { nullable: true, description: 'Masked.' }) evolutionApiKey!: string | null;
  @Field(() => String, { nullable: true }) evolutionInstance!: string | null;
  @Field(() => Int, { description: '2 (flat `{number, text}` bodies) or 1 (Evolution 1.x).' }) evolutionApiVersion!: number;
  @Field(() => String, { description: 'Graph API base, default https://graph.facebook.com.' }) cloudApiUrl!: string;
  @Field(() => String, { description: 'As in Meta\'s URLs, e.g. v23.0.' }) cloudApiVersion!: string;
  @Field(() => String, { nullable: true }) cloudPhoneNumberId!: string | null;
  @Field(() => String, { nullable: true, description: 'Masked.' }) cloudAccessToken!: string | null;
  @Field(() => String, { nullable: true, description: 'Masked.' }) cloudAppSecret!: string | null;
  @Field(() => String, { nullable: true, description: 'Masked.' }) cloudVerifyToken!: string | null;
  @Field(() => String, { nullable: true, description: 'Name of the approved template for messages outside the 24-hour window (reminders).' })
  cloudReminderTemplate!: string | null;
  @Field(() => String, { description: 'Language of that template, default pt_BR.' }) cloudTemplateLanguage!: string;
  @Field(() => String, { description: 'Path of the Evolution API inbound endpoint for this company.' }) evolutionInboundPath!: string;
  @Field(() => String, { description: 'Path of the WhatsApp Cloud API webhook (GET verify, POST deliveries) for this company.' }) cloudInboundPath!: string;
  @Field(() => String, { nullable: true, description: 'Set when the provider refused the credentials for good (e.g. an expired token); cleared by a settings change or a successful send.' })
  whatsappConnectionError!: string | null;
  @Field(() => Date, { nullable: true }) whatsappConnectionErrorAt!: Date | null;
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
  @Field(() => WhatsappProviderEnum, { nullable: true }) whatsappProvider?: WhatsappProviderId | null;
  @Field(() => String, { nullable: true }) evolutionUrl?: string | null;
  @Field(() => String, { nullable: true }) evolutionApiKey?: string | null;
  @Field(() => String, { nullable: true }) evolutionInstance?: string | null;
  @Field(() => Int, { nullable: true }) evolutionApiVersion?: number | null;
  @Field(() => String, { nullable: true }) cloudApiUrl?: string | null;
  @Field(() => String, { nullable: true }) cloudApiVersion?: string | null;
  @Field(() => String, { nullable: true }) cloudPhoneNumberId?: string | null;
  @Field(() => String, { nullable: true }) cloudAccessToken?: string | null;
  @Field(() => String, { nullable: true }) cloudAppSecret?: string | null;
  @Field(() => String, { nullable: true }) cloudVerifyToken?: string | null;
  @Field(() => String, { nullable: true }) cloudReminderTemplate?: string | null;
  @Field(() => String, { nullable: true }) cloudTemplateLanguage?: string | null;
}
