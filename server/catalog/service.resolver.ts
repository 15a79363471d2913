import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { AppointmentView } from '../appointments/appointment.types.js';
import { CompanyView } from '../companies/company.types.js';
import { tenantOf } from '../platform/context.js';
import type { RequestContext } from '../wiring/context.js';
import { mapService, ServiceView, UpdateServiceInput } from './service.types.js';

/** A request (or a subscription event) reads the company's few services once, not once per appointment. */
const CACHE_MS = 2_000;
const perContext = new WeakMap<object, { at: number; byId: Promise<Map<string, ServiceView>> }>();

function servicesById(ctx: RequestContext): Promise<Map<string, ServiceView>> {
  const cached = perContext.get(ctx);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.byId;
  const byId = ctx.services.catalog
    .list(ctx.em.fork(), tenantOf(ctx))
    .then(({ services, defaultEventTypeId }) => new Map(services.map((s) => [s.id, mapService(s, defaultEventTypeId)])));
  perContext.set(ctx, { at: Date.now(), byId });
  return byId;
}

@Resolver(() => CompanyView)
export class CompanyServicesResolver {
  @FieldResolver(() => [ServiceView], { description: 'Services (Cal.com event types), by name; import them with `syncServices`.' })
  async services(@Root() company: CompanyView, @Ctx() ctx: RequestContext): Promise<ServiceView[]> {
    const tenant = tenantOf(ctx);
    if (company.id !== tenant.companyId) return [];
    const { services, defaultEventTypeId } = await ctx.services.catalog.list(ctx.em, tenant);
    return services.map((s) => mapService(s, defaultEventTypeId));
  }
}

@Resolver(() => AppointmentView)
export class AppointmentServiceResolver {
  @FieldResolver(() => ServiceView, { nullable: true, description: 'The service booked; null for appointments made before services existed.' })
  async service(@Root() appointment: AppointmentView, @Ctx() ctx: RequestContext): Promise<ServiceView | null> {
    if (!appointment.serviceId) return null;
    return (await servicesById(ctx)).get(appointment.serviceId) ?? null;
  }
}

@Resolver()
export class ServiceResolver {
  @Mutation(() => [ServiceView], { description: "Admins only. Imports the Cal.com account's event types (own and team ones), keeping local names, keywords and active flags." })
  async syncServices(@Ctx() ctx: RequestContext): Promise<ServiceView[]> {
    const { services, defaultEventTypeId } = await ctx.services.catalog.sync(ctx.em, tenantOf(ctx));
    return services.map((s) => mapService(s, defaultEventTypeId));
  }

  @Mutation(() => ServiceView, { description: 'Admins only. Local name, keywords and active flag of a service.' })
  async updateService(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateServiceInput) input: UpdateServiceInput, @Ctx() ctx: RequestContext): Promise<ServiceView> {
    const { service, defaultEventTypeId } = await ctx.services.catalog.update(ctx.em, tenantOf(ctx), id, input);
    return mapService(service, defaultEventTypeId);
  }
}
