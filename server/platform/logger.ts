import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import type { LogLevel } from '../config.js';

export type Logger = FastifyBaseLogger;

/** One pino logger for the process; Fastify uses it too, adding `reqId` to request logs. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'secretaria-virtual' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-cal-signature"]', 'req.headers["x-cal-signature-256"]', '*.password', '*.apiKey', '*.token'],
      censor: '[redacted]',
    },
  }) as unknown as Logger;
}
