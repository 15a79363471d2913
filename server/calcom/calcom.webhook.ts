import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../platform/services.js';

/** `POST /api/agenda/webhook/cal` (ARCHITECTURE §4). */
export async function registerCalcomWebhook(_app: FastifyInstance, _orm: MikroORM, _services: Services): Promise<void> {}
