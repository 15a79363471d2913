import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { tenantOf } from '../platform/context.js';
import type { RequestContext } from '../wiring/context.js';
import { domainError } from '../platform/errors.js';
import type { ApiKey } from './api-key.entity.js';
import { ApiKeyScopeEnum, ApiKeyView, CallerView, CreatedApiKeyView, SessionView, UserView } from './auth.types.js';
import { requireAdmin } from './tenant.js';
import type { User } from './user.entity.js';

const mapUser = (u: User): UserView => ({ id: u.id, email: u.email, name: u.name, role: u.role, companyId: u.companyId });
const mapApiKey = (k: ApiKey): ApiKeyView => ({
  id: k.id,
  name: k.name,
  scope: k.scope === 'write' ? ApiKeyScopeEnum.WRITE : ApiKeyScopeEnum.READ,
  prefix: k.prefix,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
});

@Resolver()
export class AuthResolver {
  @Mutation(() => SessionView, { description: 'Exchanges an admin e-mail and password for a session token.' })
  async login(@Arg('email', () => String) email: string, @Arg('password', () => String) password: string, @Ctx() ctx: RequestContext): Promise<SessionView> {
    const { session, token, user } = await ctx.services.auth.login(ctx.em, email, password, ctx.ip);
    return { token, expiresAt: session.expiresAt, user: mapUser(user) };
  }

  @Mutation(() => Boolean, { description: 'Ends the current session.' })
  async logout(@Ctx() ctx: RequestContext, @Arg('token', () => String) token: string): Promise<boolean> {
    tenantOf(ctx);
    await ctx.services.auth.logout(ctx.em, token);
    return true;
  }

  @Mutation(() => Boolean, { description: 'Admins only. Ends every session of the signed-in admin, this one included; open WebSockets close within seconds.' })
  async logoutEverywhere(@Ctx() ctx: RequestContext): Promise<boolean> {
    await ctx.services.auth.logoutEverywhere(ctx.em, tenantOf(ctx));
    return true;
  }

  @Mutation(() => Boolean, { description: "Admins only. Changes the signed-in admin's password and ends their other sessions." })
  async changePassword(
    @Arg('currentPassword', () => String) currentPassword: string,
    @Arg('newPassword', () => String) newPassword: string,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    await ctx.services.auth.changePassword(ctx.em, tenantOf(ctx), currentPassword, newPassword);
    return true;
  }

  @Query(() => [ApiKeyView], { description: "Admins only (not API keys). The company's active API keys, newest first." })
  async apiKeys(@Ctx() ctx: RequestContext): Promise<ApiKeyView[]> {
    const tenant = tenantOf(ctx);
    requireAdmin(tenant);
    return (await ctx.services.auth.listApiKeys(ctx.em, tenant.companyId)).map(mapApiKey);
  }

  @Mutation(() => CreatedApiKeyView, { description: 'Admins only (not API keys). The key is returned only here.' })
  async createApiKey(
    @Arg('name', () => String) name: string,
    @Arg('scope', () => ApiKeyScopeEnum) scope: ApiKeyScopeEnum,
    @Ctx() ctx: RequestContext,
  ): Promise<CreatedApiKeyView> {
    const tenant = tenantOf(ctx);
    requireAdmin(tenant);
    const { key, token } = await ctx.services.auth.createApiKey(ctx.em, { companyId: tenant.companyId, scope, name }, tenant.actor);
    return { key: token, apiKey: mapApiKey(key) };
  }

  @Mutation(() => Boolean, { description: 'Admins only (not API keys). Every instance refuses the key within seconds and closes its WebSockets.' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    const tenant = tenantOf(ctx);
    requireAdmin(tenant);
    if (!(await ctx.services.auth.revokeApiKey(ctx.em, tenant.companyId, id, tenant.actor))) throw domainError('API_KEY_NOT_FOUND', {});
    return true;
  }

  @Query(() => UserView, { description: 'The signed-in admin. API keys have no user: use `caller`.' })
  async me(@Ctx() ctx: RequestContext): Promise<UserView> {
    const tenant = tenantOf(ctx);
    const user = await ctx.services.auth.me(ctx.em, tenant);
    if (!user) throw domainError('API_KEY_HAS_NO_USER');
    return mapUser(user);
  }

  @Query(() => CallerView)
  async caller(@Ctx() ctx: RequestContext): Promise<CallerView> {
    const tenant = tenantOf(ctx);
    const user = await ctx.services.auth.me(ctx.em, tenant);
    return { kind: tenant.kind === 'user' ? 'ADMIN' : 'API_KEY', companyId: tenant.companyId, canWrite: tenant.canWrite, user: user ? mapUser(user) : null };
  }
}
