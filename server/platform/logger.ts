import type { FastifyBaseLogger } from 'fastify';
import { pino, type DestinationStream } from 'pino';

export type Logger = FastifyBaseLogger;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Stdout, written in chunks: at least LOG_CHUNK bytes per write, and whatever is buffered every
 * LOG_FLUSH_MS. One write per line (pino's default) was a write handed to libuv's thread pool per
 * request, 6% of the WhatsApp inbound route's thread time; the process's normal exit (and
 * SIGTERM's graceful stop) writes the rest synchronously (pino's exit hook), a SIGKILL loses at
 * most the last LOG_FLUSH_MS of lines.
 */
const LOG_CHUNK = 4096;
const LOG_FLUSH_MS = 200;

/** One pino logger for the process (stdout unless told); Fastify uses it too, adding `reqId` to request logs. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  destination ??= pino.destination({ dest: 1, sync: false, minLength: LOG_CHUNK, periodicFlush: LOG_FLUSH_MS });
  return pino({
    level,
    base: { service: 'secretaria-virtual' },
    serializers: {
      // The Whaticket inbound token may come as ?token=…; never write it to the logs.
      req: (req: { method?: string; url?: string; host?: string; hostname?: string; ip?: string; socket?: { remoteAddress?: string; remotePort?: number } }) => ({
        method: req.method,
        url: redactQuery(req.url ?? ''),
        host: req.host ?? req.hostname,
        remoteAddress: req.ip ?? req.socket?.remoteAddress,
        remotePort: req.socket?.remotePort,
      }),
    },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-cal-signature"]', 'req.headers["x-cal-signature-256"]', '*.password', '*.apiKey', '*.token'],
      censor: '[redacted]',
    },
  }, destination as DestinationStream) as unknown as Logger;
}

const SECRET_PARAMS = /([?&](?:token|apiKey|api_key|key|secret)=)[^&#]*/gi;

export function redactQuery(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}
