import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType('WebhookDiagnostic')
export class WebhookDiagnosticView {
  @Field(() => ID, { nullable: true, description: 'The stored delivery (null for a rejected one, never stored).' }) id!: string | null;
  @Field(() => Date) at!: Date;
  @Field(() => String, { nullable: true }) trigger!: string | null;
  @Field(() => String, { description: 'pending (received, being applied), applied, duplicate, stale, ignored, failed, discarded or rejected.' }) outcome!: string;
  @Field(() => Int, { description: 'Failed attempts to apply it so far.' }) attempts!: number;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => String, { nullable: true }) bookingUid!: string | null;
}

@ObjectType('CalcomConnectionTest')
export class CalcomConnectionTest {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => String) message!: string;
  @Field(() => Int) slotCount!: number;
}
