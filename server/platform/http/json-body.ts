import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { parseJsonBody } from '../../shared/json-body.js';
import { sendError } from './send-error.js';

/** Largest accepted request body (JSON API, webhooks, WhatsApp inbound). */
export const BODY_LIMIT = 1024 * 1024;
/** Oversized bodies up to this size are read before the 413 (see the hook); larger ones are not. */
const DRAIN_LIMIT = 16 * 1024 * 1024;
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Strict JSON bodies and the 413 for oversized ones. Registered after the security headers: its
 * `onRequest` hook answers early, and hooks run in registration order.
 */
export function registerJsonBody(app: FastifyInstance): void {
  // Strict JSON: invalid UTF-8 is refused (400) instead of being decoded into replacement characters.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });

  // A body announced over the limit is read (and discarded, up to DRAIN_LIMIT) before the 413: an
  // answer sent while the client is still uploading races with its writes, and some clients then
  // report a reset connection instead of the 413 and its reason.
  app.addHook('onRequest', async (req, reply) => {
    const length = Number(req.headers['content-length']);
    if (!(length > BODY_LIMIT)) return;
    if (length <= DRAIN_LIMIT) await drain(req.raw, DRAIN_TIMEOUT_MS);
    reply.header('connection', 'close');
    return sendError(reply, 413, `Corpo maior que o limite de ${BODY_LIMIT} bytes.`, 'FST_ERR_CTP_BODY_TOO_LARGE');
  });
}

/** Reads and discards a request body; resolves at its end, on error, or after `timeoutMs`. */
function drain(stream: IncomingMessage, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stream.off('end', done);
      stream.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    stream.on('end', done);
    stream.on('error', done);
    stream.resume();
  });
}
