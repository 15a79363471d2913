import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { tenantOf } from '../platform/context.js';
import type { RequestContext } from '../wiring/context.js';
import type { Attendance } from './appointment.entity.js';
import { AppointmentView, AttendanceEnum, AttendanceWeekView, ReminderView } from './appointment.types.js';

/** `Appointment.reminders`: preloaded for a list page (one statement), else read for this appointment. */
@Resolver(() => AppointmentView)
export class AppointmentRemindersResolver {
  @FieldResolver(() => [ReminderView], { description: 'WhatsApp reminders of this appointment, earliest due first.' })
  async reminders(@Root() appointment: AppointmentView, @Ctx() ctx: RequestContext): Promise<ReminderView[]> {
    if (appointment.reminders) return appointment.reminders;
    const loaded = await ctx.services.appointments.reminders(ctx.em, tenantOf(ctx), [appointment.id]);
    return loaded.get(appointment.id) ?? [];
  }
}

@Resolver()
export class AttendanceResolver {
  @Mutation(() => AppointmentView, { description: 'Whether the client came; only after the start. UNKNOWN clears a mark.' })
  async markAttendance(
    @Arg('id', () => ID) id: string,
    @Arg('attendance', () => AttendanceEnum) attendance: Attendance,
    @Ctx() ctx: RequestContext,
  ): Promise<AppointmentView> {
    const scope = tenantOf(ctx);
    const row = await ctx.services.appointments.markAttendance(ctx.em, scope, id, attendance);
    return ctx.services.appointments.view(ctx.em, scope, row);
  }

  @Query(() => [AttendanceWeekView], {
    description: 'Appointments, client confirmations and no-shows per week (Monday to Sunday in the company time zone), oldest first, the current week last.',
  })
  async attendanceSummary(@Ctx() ctx: RequestContext, @Arg('weeks', () => Int, { defaultValue: 8 }) weeks = 8): Promise<AttendanceWeekView[]> {
    return ctx.services.appointments.attendanceSummary(ctx.em, tenantOf(ctx), weeks);
  }
}
