import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { tenantOf } from '../platform/context.js';
import type { RequestContext } from '../wiring/context.js';
import { CompanySettingsInput, CompanyView } from './company.types.js';

@Resolver()
export class CompanyResolver {
  @Query(() => CompanyView)
  async company(@Ctx() ctx: RequestContext): Promise<CompanyView> {
    const { companies } = ctx.services;
    return companies.view(await companies.get(ctx.em, tenantOf(ctx)));
  }

  @Mutation(() => CompanyView, { description: 'Admins only. Changes apply immediately, no restart needed.' })
  async updateCompanySettings(@Arg('input', () => CompanySettingsInput) input: CompanySettingsInput, @Ctx() ctx: RequestContext): Promise<CompanyView> {
    const { companies } = ctx.services;
    return companies.view(await companies.updateSettings(ctx.em, tenantOf(ctx), input));
  }

  @Mutation(() => String, { description: 'Admins only. Returns a new Whaticket inbound token (shown once); the old one stops working.' })
  async rotateWhaticketInboundToken(@Ctx() ctx: RequestContext): Promise<string> {
    return ctx.services.companies.rotateInboundToken(ctx.em, tenantOf(ctx));
  }
}
