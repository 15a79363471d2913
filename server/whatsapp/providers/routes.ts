import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../wiring/services.js';

/** Every provider's inbound route(s), from the registry (the composition root calls this once). */
export async function registerProviderRoutes(app: FastifyInstance, orm: MikroORM, services: Services): Promise<void> {
  for (const adapter of services.whatsapp.providers.all()) await adapter.registerRoutes(app, { orm, services });
}
