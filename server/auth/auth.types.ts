import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('User')
export class UserView {
  @Field(() => ID) id!: string;
  @Field(() => String) email!: string;
  @Field(() => String) name!: string;
  @Field(() => String) role!: string;
  @Field(() => ID) companyId!: string;
}

@ObjectType('Session')
export class SessionView {
  @Field(() => String, { description: 'Send as "Authorization: Bearer <token>".' }) token!: string;
  @Field(() => Date) expiresAt!: Date;
  @Field(() => UserView) user!: UserView;
}

@ObjectType('Caller', { description: 'Who the current credentials belong to.' })
export class CallerView {
  @Field(() => String, { description: 'ADMIN or API_KEY.' }) kind!: string;
  @Field(() => ID) companyId!: string;
  @Field(() => Boolean) canWrite!: boolean;
  @Field(() => UserView, { nullable: true }) user!: UserView | null;
}
