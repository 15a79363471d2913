import { GraphQLBoolean, GraphQLError, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DateTimeScalar } from '../../server/platform/date-time.js';
import { DomainError } from '../../server/platform/errors.js';
import { COMPILE_AFTER, JitExecutor, MAX_OPERATIONS_PER_DOCUMENT } from '../../server/platform/jit-executor.js';

const Item = new GraphQLObjectType({
  name: 'Item',
  fields: {
    id: { type: new GraphQLNonNull(GraphQLString) },
    at: { type: DateTimeScalar },
    secret: {
      type: GraphQLString,
      resolve: () => {
        throw new DomainError('FORBIDDEN', 'Apenas administradores podem fazer isso.');
      },
    },
  },
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      items: {
        type: new GraphQLList(Item),
        args: { first: { type: GraphQLInt }, slow: { type: GraphQLBoolean } },
        resolve: async (_root, args: { first?: number; slow?: boolean }, context: { companyId: string }) => {
          if (args.slow) await new Promise((resolve) => setTimeout(resolve, 1));
          return Array.from({ length: args.first ?? 3 }, (_, i) => ({ id: `${context.companyId}-${i}`, at: new Date(Date.UTC(2031, 0, 1 + i, 12)) }));
        },
      },
      boom: { type: new GraphQLNonNull(GraphQLString), resolve: () => Promise.reject(new DomainError('NOT_FOUND', 'Agendamento não encontrado.')) },
    },
  }),
  mutation: new GraphQLObjectType({ name: 'Mutation', fields: { touch: { type: GraphQLString, resolve: () => 'ok' } } }),
});

/** What goes on the wire, with each error's cause: results must match field for field. */
const wire = async (result: unknown) => {
  const settled = (await result) as { data?: unknown; errors?: readonly GraphQLError[] };
  return {
    json: JSON.parse(JSON.stringify({ data: settled.data, errors: settled.errors?.map((e) => e.toJSON()) })),
    causes: settled.errors?.map((e) => [e instanceof GraphQLError, e.originalError?.constructor.name, (e.originalError as DomainError | undefined)?.code]),
  };
};

describe('JitExecutor', () => {
  const queries: Array<[string, string, Record<string, unknown>]> = [
    ['a page with aliases, fragments and @skip', 'query Page($n: Int, $hide: Boolean!) { items(first: $n) { ...F when: at } other: items(first: 1, slow: true) { id } } fragment F on Item { id at @skip(if: $hide) }', { n: 2, hide: false }],
    ['the same page with the directive flipped', 'query Page($n: Int, $hide: Boolean!) { items(first: $n) { ...F when: at } other: items(first: 1, slow: true) { id } } fragment F on Item { id at @skip(if: $hide) }', { n: 1, hide: true }],
    ['a resolver error in a nullable field', '{ items(first: 1) { id secret } }', {}],
    ['a rejected non-null root field', '{ boom }', {}],
  ];

  for (const [name, query, variables] of queries) {
    it(`answers ${name} exactly as graphql-js, before and after compiling`, async () => {
      const executor = new JitExecutor(schema);
      const document = parse(query);
      const context = { companyId: 'alfa' };
      const runs = [];
      for (let i = 0; i < COMPILE_AFTER + 2; i++) runs.push(await wire(executor.run(document, undefined, context, variables)));
      expect(executor.isCompiled(document)).toBe(true);
      for (const run of runs.slice(1)) expect(run).toEqual(runs[0]);
      expect(runs[0]!.json.data ?? runs[0]!.json.errors).toBeTruthy();
    });
  }

  it('keeps the error cause, code and location that formatError maps', async () => {
    const executor = new JitExecutor(schema);
    const document = parse('{ items(first: 1) { id secret } }');
    for (let i = 0; i < COMPILE_AFTER; i++) await executor.run(document, undefined, { companyId: 'alfa' }, {});
    expect(executor.isCompiled(document)).toBe(true);
    const result = await executor.run(document, undefined, { companyId: 'alfa' }, {});
    const [error] = result.errors!;
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error!.originalError).toBeInstanceOf(DomainError);
    expect(error!.toJSON()).toMatchObject({ message: 'Apenas administradores podem fazer isso.', path: ['items', 0, 'secret'], locations: [{ line: 1, column: 24 }] });
    expect(result.data).toEqual({ items: [{ id: 'alfa-0', secret: null }] });
  });

  it('leaves mutations, introspection and unknown operations to graphql-js', async () => {
    const executor = new JitExecutor(schema);
    const mutation = parse('mutation { touch }');
    const introspection = parse('{ __schema { queryType { name } } items { id } }');
    const twoOperations = parse('query A { items { id } } query B { boom }');
    for (let i = 0; i < COMPILE_AFTER + 1; i++) {
      expect((await executor.run(mutation, undefined, {}, {})).data).toEqual({ touch: 'ok' });
      expect((await executor.run(introspection, undefined, { companyId: 'x' }, {})).data).toMatchObject({ __schema: { queryType: { name: 'Query' } } });
      expect((await executor.run(twoOperations, undefined, {}, {})).errors?.[0]?.message).toMatch(/operation name/);
    }
    expect([executor.isCompiled(mutation), executor.isCompiled(introspection), executor.isCompiled(twoOperations)]).toEqual([false, false, false]);
  });

  it('compiles each operation of a document on its own', async () => {
    const executor = new JitExecutor(schema);
    const document = parse('query A { items(first: 1) { id } } query B { items(first: 2) { id } }');
    for (let i = 0; i < COMPILE_AFTER; i++) await executor.run(document, 'A', { companyId: 'c' }, {});
    expect([executor.isCompiled(document, 'A'), executor.isCompiled(document, 'B')]).toEqual([true, false]);
    expect((await executor.run(document, 'B', { companyId: 'c' }, {})).data).toEqual({ items: [{ id: 'c-0' }, { id: 'c-1' }] });
    expect((await executor.run(document, 'A', { companyId: 'c' }, {})).data).toEqual({ items: [{ id: 'c-0' }] });
  });

  it('treats an empty operation name as a name (graphql-js refuses it), not as none', async () => {
    const executor = new JitExecutor(schema);
    const document = parse('query List { items(first: 1) { id } }');
    for (let i = 0; i < COMPILE_AFTER + 1; i++) expect((await executor.run(document, undefined, { companyId: 'c' }, {})).data).toEqual({ items: [{ id: 'c-0' }] });
    expect(executor.isCompiled(document)).toBe(true);
    for (let i = 0; i < COMPILE_AFTER + 1; i++) {
      const named = await executor.run(document, '', { companyId: 'c' }, {});
      expect(named.data).toBeUndefined();
      expect(named.errors?.[0]?.message).toBe('Unknown operation named "".');
    }
  });

  it(`tracks at most ${MAX_OPERATIONS_PER_DOCUMENT} operation names per document`, async () => {
    const executor = new JitExecutor(schema);
    const document = parse('query List { items(first: 1) { id } }');
    for (let i = 0; i < MAX_OPERATIONS_PER_DOCUMENT * 4; i++) await executor.run(document, `Nome${i}`, { companyId: 'c' }, {});
    for (let i = 0; i < COMPILE_AFTER; i++) await executor.run(document, 'List', { companyId: 'c' }, {});
    expect(executor.isCompiled(document, 'List')).toBe(false);
    expect((await executor.run(document, 'List', { companyId: 'c' }, {})).data).toEqual({ items: [{ id: 'c-0' }] });
  });
});
