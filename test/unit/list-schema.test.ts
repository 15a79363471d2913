import 'reflect-metadata';
import { execute, GraphQLObjectType, parse, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '../../server/appointments/appointment.service.js';
import { appointmentFromTuple } from '../../server/appointments/appointment.types.js';
import { createSchema } from '../../server/wiring/graphql.js';
import { JitExecutor } from '../../server/platform/jit-executor.js';

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await createSchema();
});

const LIST = `query List($first: Int) { appointments(first: $first) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id status title startAt endAt clientName clientPhone clientEmail notes meetingUrl source calBookingUid cancellationReason clientConfirmation attendance createdAt updatedAt } } } }`;

describe('the list types resolve plain fields by property reads', () => {
  it('have no resolver on plain fields (type-graphql simpleResolvers), and keep the field resolvers of totalCount and service', () => {
    // Appointment.service (issue 17) reads the company's services, once per request, only when selected;
    // reminders are computed on demand (the list preloads them only when selected).
    const resolved = new Set(['AppointmentConnection.totalCount', 'Appointment.service', 'Appointment.reminders']);
    for (const name of ['Appointment', 'AppointmentEdge', 'PageInfo', 'AppointmentConnection']) {
      const type = schema.getType(name) as GraphQLObjectType;
      for (const [field, def] of Object.entries(type.getFields())) {
        if (resolved.has(`${name}.${field}`)) expect(def.resolve, `${name}.${field}`).toBeTypeOf('function');
        else expect(def.resolve, `${name}.${field}`).toBeUndefined();
      }
    }
  });

  it('answer the same through graphql-js and compiled, with dates as ISO strings and nulls kept', async () => {
    const node = appointmentFromTuple(['a1b2', 'CONFIRMED', 'Reunião', String(Date.UTC(2031, 2, 15, 10, 0, 0, 123)), String(Date.UTC(2031, 2, 15, 10, 30)), 'Zoë', null, 'z@example.com', null, null, 'CALCOM', 'uid-1', null, '0', '1', 'CONFIRMED', 'NO_SHOW', null, null, null, 'false']);
    const page: Page = { edges: [{ cursor: 'c1', node }], pageInfo: { hasNextPage: false, endCursor: 'c1' }, count: async () => 1 };
    const tenant = { companyId: 'c', kind: 'apiKey', userId: null, canWrite: false, isAdmin: false, actor: { type: 'API_KEY', id: 'k', label: 'k' } };
    const contextValue = { em: {}, tenant, services: { appointments: { list: async () => page } } };
    const document = parse(LIST);
    const expected = await execute({ schema, document, contextValue, variableValues: { first: 1 } });
    expect(expected.errors).toBeUndefined();
    expect(expected.data).toEqual({
      appointments: {
        totalCount: 1,
        pageInfo: { hasNextPage: false, endCursor: 'c1' },
        edges: [{ cursor: 'c1', node: { id: 'a1b2', status: 'CONFIRMED', title: 'Reunião', startAt: '2031-03-15T10:00:00.123Z', endAt: '2031-03-15T10:30:00.000Z', clientName: 'Zoë', clientPhone: null, clientEmail: 'z@example.com', notes: null, meetingUrl: null, source: 'CALCOM', calBookingUid: 'uid-1', cancellationReason: null, clientConfirmation: 'CONFIRMED', attendance: 'NO_SHOW', createdAt: '1970-01-01T00:00:00.000Z', updatedAt: '1970-01-01T00:00:00.001Z' } }],
      },
    });
    const jit = new JitExecutor(schema);
    for (let i = 0; i < 3; i++) expect(JSON.parse(JSON.stringify(await jit.run(document, 'List', contextValue, { first: 1 })))).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(jit.isCompiled(document, 'List')).toBe(true);
  });
});
