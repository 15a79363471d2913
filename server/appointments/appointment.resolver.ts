import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { tenantOf } from '../platform/context.js';
import type { RequestContext } from '../wiring/context.js';
import { selectsField, selectsPath } from '../platform/selection.js';
import { APPOINTMENT_TOPIC, DEFAULT_OVERLAP_RANGE_DAYS, MAX_OVERLAP_RANGE_DAYS, MAX_PAGE, type Page } from './appointment.service.js';
import {
  AppointmentChange,
  AppointmentConnection,
  AppointmentFilter,
  AppointmentOverlaps,
  AppointmentView,
  BookAppointmentInput,
  SlotView,
  appointmentFromWire,
} from './appointment.types.js';

/**
 * `totalCount` only when selected: counting a long range costs more than the page itself. The list
 * query fetches it with the page when the selection asks for it; otherwise (or if that check ever
 * misses a selection) `count()` runs it here on demand.
 */
@Resolver(() => AppointmentConnection)
export class AppointmentConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() page: Page): Promise<number> {
    return page.count();
  }
}

@Resolver()
export class AppointmentResolver {
  @Query(() => AppointmentConnection, {
    description: `Ordered by start time, then id. \`first\` is capped at ${MAX_PAGE}.`,
    complexity: ({ args, childComplexity }) => 1 + childComplexity * Math.min(Number(args.first ?? 50), MAX_PAGE),
  })
  async appointments(
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => AppointmentFilter, { nullable: true }) filter?: AppointmentFilter,
    // Nullable with a default (the contract's `first: Int = 50`): an explicit null means the default.
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null = 50,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<Page> {
    const count = info ? selectsField(info, 'totalCount') : true;
    const overlaps = info ? selectsPath(info, ['edges', 'node', 'overlaps']) : true;
    const page = await ctx.services.appointments.list(ctx.em, tenantOf(ctx), filter ?? {}, first ?? 50, after, { count, overlaps });
    // The page's reminders in one statement, only when asked for (else the field loads per node).
    if (info && page.edges.length > 0 && selectsPath(info, ['edges', 'node', 'reminders'])) {
      const reminders = await ctx.services.appointments.reminders(ctx.em, tenantOf(ctx), page.edges.map((e) => e.node.id));
      for (const { node } of page.edges) node.reminders = reminders.get(node.id) ?? [];
    }
    return page;
  }

  @Query(() => AppointmentView, { nullable: true })
  async appointment(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<AppointmentView | null> {
    const tenant = tenantOf(ctx);
    const row = await ctx.services.appointments.get(ctx.em, tenant, id);
    return row ? ctx.services.appointments.view(ctx.em, tenant, row) : null;
  }

  @Query(() => AppointmentOverlaps, {
    description: `Live appointments in [from, to) that overlap another of the same host (Cal.com bookings recorded on top of each other). Default: from now, ${DEFAULT_OVERLAP_RANGE_DAYS} days; at most ${MAX_OVERLAP_RANGE_DAYS} days.`,
  })
  async appointmentOverlaps(
    @Ctx() ctx: RequestContext,
    @Arg('from', () => Date, { nullable: true }) from?: Date | null,
    @Arg('to', () => Date, { nullable: true }) to?: Date | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null = 20,
  ): Promise<AppointmentOverlaps> {
    const start = from ?? new Date();
    const end = to ?? new Date(start.getTime() + DEFAULT_OVERLAP_RANGE_DAYS * 86_400_000);
    return ctx.services.appointments.overlapReport(ctx.em, tenantOf(ctx), start, end, first ?? 20);
  }

  @Query(() => [SlotView], { description: "Free slots from Cal.com, in the future, within at most 62 days, of a service's event type (absent: the default service)." })
  async availability(
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Ctx() ctx: RequestContext,
    @Arg('serviceId', () => ID, { nullable: true }) serviceId?: string | null,
  ): Promise<SlotView[]> {
    return ctx.services.appointments.availability(ctx.em, tenantOf(ctx), from, to, serviceId ?? null);
  }

  @Mutation(() => AppointmentView)
  async bookAppointment(@Arg('input', () => BookAppointmentInput) input: BookAppointmentInput, @Ctx() ctx: RequestContext): Promise<AppointmentView> {
    const tenant = tenantOf(ctx);
    const row = await ctx.services.appointments.book(ctx.em, tenant, input, tenant.kind === 'user' ? 'ADMIN' : 'API');
    return ctx.services.appointments.view(ctx.em, tenant, row);
  }

  @Mutation(() => AppointmentView)
  async cancelAppointment(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: RequestContext,
    @Arg('reason', () => String, { nullable: true }) reason?: string,
  ): Promise<AppointmentView> {
    const tenant = tenantOf(ctx);
    const row = await ctx.services.appointments.cancel(ctx.em, tenant, id, reason ?? null, tenant.kind === 'user' ? 'admin' : 'api');
    return ctx.services.appointments.view(ctx.em, tenant, row);
  }

  @Subscription(() => AppointmentChange, {
    description: "Every create, update, reschedule and cancellation of the caller's company, from any source.",
    subscribe: ({ context }) => {
      const ctx = context as RequestContext;
      return ctx.services.events.subscribe(APPOINTMENT_TOPIC, tenantOf(ctx).companyId);
    },
  })
  appointmentChanged(@Root() change: { kind: AppointmentChange['kind']; appointment: Record<string, unknown> }): AppointmentChange {
    return { kind: change.kind, appointment: appointmentFromWire(change.appointment) };
  }
}
