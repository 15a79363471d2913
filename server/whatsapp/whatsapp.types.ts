import { Field, ID, ObjectType } from 'type-graphql';
import { WhatsappProviderEnum } from '../companies/company.types.js';
import type { WhatsappProviderId } from '../companies/whatsapp-provider.js';

@ObjectType('ChatMessage', { description: 'One WhatsApp message of a contact, as the admin simulator shows it.' })
export class ChatMessageView {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'IN (from the contact) or OUT (from the bot).' }) direction!: string;
  @Field(() => String) body!: string;
  @Field(() => Date) at!: Date;
  @Field(() => String, { description: 'IN: RECEIVED, PROCESSED, IGNORED, FAILED. OUT: PENDING, SENT, FAILED, CAPTURED.' })
  status!: string;
}

@ObjectType('WhatsappConnectionTest', { description: '"Testar conexão": what the company\'s WhatsApp provider answered.' })
export class WhatsappConnectionTestView {
  @Field(() => WhatsappProviderEnum) provider!: WhatsappProviderId;
  @Field(() => Boolean) ok!: boolean;
  @Field(() => String, { description: "The provider's word for the state (open, close, HTTP 401, not_configured…)." }) state!: string;
  @Field(() => String, { description: 'pt-BR sentence for the admin.' }) message!: string;
}

@ObjectType('WhatsappDeliveryError', { description: 'A reply that could not be sent or whose delivery the provider reported as failed.' })
export class WhatsappDeliveryErrorView {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'Phone digits, or a WhatsApp LID (`<digits>@lid`).' }) phone!: string;
  @Field(() => String, { description: 'The first 200 characters of the reply.' }) body!: string;
  @Field(() => WhatsappProviderEnum, { nullable: true }) provider!: WhatsappProviderId | null;
  @Field(() => String, { description: 'Our state: FAILED, or SENT when the provider reported the failure later.' }) status!: string;
  @Field(() => String, { nullable: true, description: 'What the provider reported: SENT, DELIVERED, READ, FAILED.' }) deliveryStatus!: string | null;
  @Field(() => String, { description: 'Our pt-BR summary (the provider\'s own text is never shown).' }) error!: string;
  @Field(() => Date) at!: Date;
}
