import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The company a request names, only once it is known to exist (else undefined): a bucket per
 * made-up id would let a sender dodge the limit by varying the path.
 */
export type KnownCompany = (req: FastifyRequest) => Promise<string | undefined>;

/**
 * Per-IP fixed-window limit for the public endpoints (webhooks, WhatsApp inbound), in memory per
 * instance. It stops a runaway or abusive sender from starving everyone else; 0 disables it. The IP
 * is the socket's unless TRUST_PROXY names the proxies in front (see http.ts).
 */
export function rateLimitHook(limitPerMinute: number, now: () => number = Date.now, knownCompany?: KnownCompany) {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (limitPerMinute <= 0) return;
    // Per sender and tenant: one Whaticket server posts every company's messages from one IP.
    const companyId = (await knownCompany?.(req)) ?? '';
    const t = now();
    const key = `${req.ip}|${companyId}`;
    let entry = windows.get(key);
    if (!entry || entry.resetAt <= t) {
      if (windows.size > 100_000) windows.clear();
      entry = { count: 0, resetAt: t + 60_000 };
      windows.set(key, entry);
    }
    entry.count += 1;
    if (entry.count > limitPerMinute) {
      const wait = Math.ceil((entry.resetAt - t) / 1000);
      return reply.code(429).header('retry-after', String(wait)).send({ error: `Muitas requisições deste endereço; tente novamente em ${wait} s.`, code: 'RATE_LIMITED' });
    }
  };
}
