import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { tenantOf } from '../platform/context.js';
import type { RequestContext } from '../wiring/context.js';
import { ChatMessageView } from './whatsapp.types.js';

/** The admin "WhatsApp simulator": talk to the bot as a contact; replies are captured, not sent. */
@Resolver()
export class WhatsappResolver {
  @Query(() => [ChatMessageView], { description: "Admins only. The contact's last 100 messages both ways, oldest first." })
  async simulatorTranscript(@Arg('phone', () => String) phone: string, @Ctx() ctx: RequestContext): Promise<ChatMessageView[]> {
    return ctx.services.whatsapp.transcript(ctx.em, tenantOf(ctx), phone);
  }

  @Mutation(() => ChatMessageView, {
    description: 'Admins only. Processed like a real WhatsApp message (bookings are real); the replies are stored as CAPTURED.',
  })
  async simulateWhatsappMessage(
    @Arg('phone', () => String) phone: string,
    @Arg('body', () => String) body: string,
    @Ctx() ctx: RequestContext,
    @Arg('name', () => String, { nullable: true }) name?: string,
  ): Promise<ChatMessageView> {
    return ctx.services.whatsapp.simulate(ctx.em, tenantOf(ctx), { phone, body, name: name ?? null });
  }
}
