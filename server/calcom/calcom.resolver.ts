import { Ctx, ID, Int, Arg, Mutation, Query, Resolver } from 'type-graphql';
import { tenantOf } from '../platform/context.js';
import type { RequestContext } from '../wiring/context.js';
import { CalcomConnectionTest, WebhookDiagnosticView } from './calcom.types.js';

@Resolver()
export class CalcomResolver {
  @Query(() => [WebhookDiagnosticView], { description: 'Admins only. Last Cal.com webhooks received (pending, applied, duplicate, stale, ignored, failed) and rejected, newest first.' })
  async webhookDiagnostics(@Ctx() ctx: RequestContext, @Arg('first', () => Int, { defaultValue: 20 }) first = 20): Promise<WebhookDiagnosticView[]> {
    return ctx.services.calcomAdmin.diagnostics(ctx.em, tenantOf(ctx), first);
  }

  @Mutation(() => WebhookDiagnosticView, { description: 'Admins only. Puts a failed Cal.com delivery back in the queue (attempts reset); it is applied within seconds.' })
  async retryWebhookDelivery(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string): Promise<WebhookDiagnosticView> {
    return ctx.services.calcomAdmin.retryDelivery(ctx.em, tenantOf(ctx), id);
  }

  @Mutation(() => WebhookDiagnosticView, { description: 'Admins only. Gives up on a failed Cal.com delivery: listed as discarded, its body dropped.' })
  async discardWebhookDelivery(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string): Promise<WebhookDiagnosticView> {
    return ctx.services.calcomAdmin.discardDelivery(ctx.em, tenantOf(ctx), id);
  }

  @Mutation(() => CalcomConnectionTest, { description: 'Admins only. Fetches the next 7 days of slots with the saved settings.' })
  async testCalcomConnection(@Ctx() ctx: RequestContext): Promise<CalcomConnectionTest> {
    return ctx.services.calcomAdmin.testConnection(ctx.em, tenantOf(ctx));
  }
}
