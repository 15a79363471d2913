import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('WebhookDiagnostic')
export class WebhookDiagnosticView {
  @Field(() => Date) at!: Date;
  @Field(() => String, { nullable: true }) trigger!: string | null;
  @Field(() => String, { description: 'pending (received, being applied), applied, duplicate, stale, ignored, failed or rejected.' }) outcome!: string;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => String, { nullable: true }) bookingUid!: string | null;
}

@ObjectType('CalcomConnectionTest')
export class CalcomConnectionTest {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => String) message!: string;
  @Field(() => Int) slotCount!: number;
}
