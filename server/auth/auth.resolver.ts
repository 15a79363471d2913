import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { tenantOf, type RequestContext } from '../platform/context.js';
import { DomainError } from '../platform/errors.js';
import { CallerView, SessionView, UserView } from './auth.types.js';
import type { User } from './user.entity.js';

const mapUser = (u: User): UserView => ({ id: u.id, email: u.email, name: u.name, role: u.role, companyId: u.companyId });

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

  @Query(() => UserView, { description: 'The signed-in admin. API keys have no user: use `caller`.' })
  async me(@Ctx() ctx: RequestContext): Promise<UserView> {
    const tenant = tenantOf(ctx);
    const user = await ctx.services.auth.me(ctx.em, tenant);
    if (!user) throw new DomainError('FORBIDDEN', 'Chaves de API não têm usuário; use a consulta `caller`.');
    return mapUser(user);
  }

  @Query(() => CallerView)
  async caller(@Ctx() ctx: RequestContext): Promise<CallerView> {
    const tenant = tenantOf(ctx);
    const user = await ctx.services.auth.me(ctx.em, tenant);
    return { kind: tenant.kind === 'user' ? 'ADMIN' : 'API_KEY', companyId: tenant.companyId, canWrite: tenant.canWrite, user: user ? mapUser(user) : null };
  }
}
