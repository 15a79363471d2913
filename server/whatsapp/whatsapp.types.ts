import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('ChatMessage', { description: 'One WhatsApp message of a contact, as the admin simulator shows it.' })
export class ChatMessageView {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'IN (from the contact) or OUT (from the bot).' }) direction!: string;
  @Field(() => String) body!: string;
  @Field(() => Date) at!: Date;
  @Field(() => String, { description: 'IN: RECEIVED, PROCESSED, IGNORED, FAILED. OUT: PENDING, SENT, FAILED, CAPTURED.' })
  status!: string;
}
