import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from '../auth/tokens.js';
import { sendError } from '../platform/http/send-error.js';
import { rateLimitHook } from '../platform/rate-limit.js';
import type { Services } from '../wiring/services.js';

interface InboundRequest {
  Params: { companyId: string };
  Querystring: { token?: unknown };
}

/**
 * The `onRequest` hooks of a token-authenticated inbound route (Whaticket, Evolution API): the public
 * rate limit, then the company's inbound token from `Authorization: Bearer` or `?token=`. They run
 * before the body is read, so a caller without the token learns nothing, not even "bad JSON".
 * `refused`: the 401's text, the same for a bad token and an unknown company (ids cannot be probed).
 */
export function inboundTokenHooks({ orm, services }: { orm: MikroORM; services: Services }, refused: string) {
  const companyOf = (req: FastifyRequest) => (req as FastifyRequest<InboundRequest>).params.companyId;
  const knownCompany = async (req: FastifyRequest) => ((await services.companies.exists(orm.em, companyOf(req))) ? companyOf(req) : undefined);
  const checkToken = async (req: FastifyRequest, reply: FastifyReply) => {
    const query = (req as FastifyRequest<InboundRequest>).query;
    const token = bearerToken(req.headers.authorization) ?? (typeof query.token === 'string' ? query.token.trim() : '');
    const valid = token ? await services.companies.inboundTokenMatches(orm.em, companyOf(req), token) : false;
    if (!valid) return sendError(reply, 401, refused, 'UNAUTHENTICATED');
  };
  return [rateLimitHook(services.config.publicRateLimit, Date.now, knownCompany), checkToken];
}
