import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Tenant } from '../auth/tenant.js';
import { resolveCaller, tenantOf } from '../platform/context.js';
import { domainError } from '../platform/errors.js';
import type { Services } from '../wiring/services.js';
import { APPOINTMENT_STATUSES, type AppointmentStatus } from './appointment.entity.js';

/** `/api/agenda/*`: the REST shims of the release notes, same auth and services as GraphQL. */
export async function registerAgendaRoutes(app: FastifyInstance, orm: MikroORM, services: Services): Promise<void> {
  const authenticate = async (req: FastifyRequest) => {
    const em = orm.em.fork();
    return { em, tenant: tenantOf(await resolveCaller(services.auth, em, req.headers.authorization)) };
  };
  const via = (tenant: Tenant) => (tenant.kind === 'user' ? 'admin' : 'api') as 'admin' | 'api';

  app.post<{ Body: { start: string; clientName: string; clientPhone?: string; clientEmail?: string; notes?: string; serviceId?: string } }>(
    '/api/agenda/book',
    {
      schema: {
        body: {
          type: 'object',
          required: ['start', 'clientName'],
          additionalProperties: false,
          properties: {
            start: { type: 'string', format: 'date-time' },
            clientName: { type: 'string', maxLength: 200 },
            clientPhone: { type: 'string', maxLength: 40 },
            clientEmail: { type: 'string', maxLength: 254 },
            notes: { type: 'string', maxLength: 2000 },
            serviceId: { type: 'string', maxLength: 64 },
          },
        },
      },
    },
    async (req, reply) => {
      const { em, tenant } = await authenticate(req);
      const row = await services.appointments.book(em, tenant, { ...req.body, start: new Date(req.body.start) }, tenant.kind === 'user' ? 'ADMIN' : 'API');
      return reply.code(201).send(await services.appointments.view(em, tenant, row));
    },
  );

  app.get<{ Querystring: { from?: string; to?: string; search?: string; status?: string; first?: number; after?: string } }>(
    '/api/agenda/appointments',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            search: { type: 'string', maxLength: 200 },
            status: { type: 'string', maxLength: 100 },
            first: { type: 'integer', minimum: 0, maximum: 200 },
            after: { type: 'string', maxLength: 200 },
          },
        },
      },
    },
    async (req) => {
      const { em, tenant } = await authenticate(req);
      const q = req.query;
      const status = q.status?.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
      if (status?.some((s) => !APPOINTMENT_STATUSES.includes(s as AppointmentStatus))) {
        throw domainError('STATUS_LIST_INVALID', { statuses: APPOINTMENT_STATUSES.join(', ') });
      }
      const { count, ...page } = await services.appointments.list(
        em,
        tenant,
        { from: q.from ? new Date(q.from) : null, to: q.to ? new Date(q.to) : null, search: q.search, status: status as AppointmentStatus[] | undefined },
        q.first ?? 50,
        q.after,
      );
      return { ...page, totalCount: await count() };
    },
  );

  app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(
    '/api/agenda/appointments/:id/cancel',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
        body: { type: ['object', 'null'], additionalProperties: false, properties: { reason: { type: 'string', maxLength: 500 } } },
      },
    },
    async (req) => {
      const { em, tenant } = await authenticate(req);
      const row = await services.appointments.cancel(em, tenant, req.params.id, req.body?.reason ?? null, via(tenant));
      return services.appointments.view(em, tenant, row);
    },
  );
}
