import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

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

export enum ApiKeyScopeEnum {
  READ = 'read',
  WRITE = 'write',
}
registerEnumType(ApiKeyScopeEnum, { name: 'ApiKeyScope', description: 'READ: queries only. WRITE: queries and mutations.' });

@ObjectType('ApiKey', { description: 'An API key of the company; the key itself is shown only once, by `createApiKey`.' })
export class ApiKeyView {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => ApiKeyScopeEnum) scope!: ApiKeyScopeEnum;
  @Field(() => String, { description: 'First characters of the key, to recognise it.' }) prefix!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
}

@ObjectType('CreatedApiKey')
export class CreatedApiKeyView {
  @Field(() => String, { description: 'Send as "Authorization: Bearer <key>". Shown only now.' }) key!: string;
  @Field(() => ApiKeyView) apiKey!: ApiKeyView;
}
