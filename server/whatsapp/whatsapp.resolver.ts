import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { tenantOf } from '../platform/context.js';
import type { RequestContext } from '../wiring/context.js';
import { ChatMessageView, WhatsappConnectionTestView, WhatsappDeliveryErrorView } from './whatsapp.types.js';

/** The admin "WhatsApp simulator" (talk to the bot as a contact; replies are captured, not sent) and the provider checks. */
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

  @Mutation(() => WhatsappConnectionTestView, {
    description: 'Admins only. "Testar conexão": asks the company\'s WhatsApp provider whether the connection works (Evolution API: instance state; Cloud API: phone number lookup).',
  })
  async testWhatsappConnection(@Ctx() ctx: RequestContext): Promise<WhatsappConnectionTestView> {
    return ctx.services.whatsapp.admin.testConnection(ctx.em, tenantOf(ctx));
  }

  @Query(() => [WhatsappDeliveryErrorView], { description: 'Admins only. The latest replies that failed to send or to be delivered, newest first (at most 50).' })
  async whatsappDeliveryErrors(
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { defaultValue: 10 }) first: number,
  ): Promise<WhatsappDeliveryErrorView[]> {
    return ctx.services.whatsapp.admin.deliveryErrors(ctx.em, tenantOf(ctx), first);
  }
}
