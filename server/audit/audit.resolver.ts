import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { tenantOf } from '../platform/context.js';
import type { RequestContext } from '../wiring/context.js';
import { AuditLogConnection, AuditLogFilter } from './audit.types.js';

@Resolver()
export class AuditResolver {
  @Query(() => AuditLogConnection, { description: 'Admins only. Oldest first.' })
  async auditLog(
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => AuditLogFilter, { nullable: true }) filter?: AuditLogFilter,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<AuditLogConnection> {
    return ctx.services.auditQuery.list(ctx.em, tenantOf(ctx), filter ?? {}, first, after);
  }
}
