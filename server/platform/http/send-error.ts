import type { FastifyReply } from 'fastify';

/** The REST error shape: `{ error, code }` with a pt-BR reason. */
export function sendError(reply: FastifyReply, status: number, message: string, code: string) {
  return reply.code(status).send({ error: message, code });
}
