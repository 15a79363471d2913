import { buildSchema, execute, parse, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectsField, selectsPath } from '../../server/platform/selection.js';

/** Runs `query` and returns what selectsPath says for `path` at the root field `list`. */
async function seen(query: string, path: string[], variables: Record<string, unknown> = {}): Promise<boolean> {
  const schema = buildSchema(`type Node { id: ID reminders: [Int] } type Edge { node: Node } type Page { edges: [Edge] totalCount: Int } type Query { list: Page }`);
  let answer: boolean | undefined;
  await execute({
    schema,
    document: parse(query),
    variableValues: variables,
    rootValue: {
      list: (_: unknown, __: unknown, info: GraphQLResolveInfo) => {
        answer = selectsPath(info, path);
        return { edges: [], totalCount: 0 };
      },
    },
  });
  return answer!;
}

describe('selectsPath', () => {
  const path = ['edges', 'node', 'reminders'];

  it('finds a nested field directly, through fragments and inline fragments, under aliases', async () => {
    expect(await seen('{ list { edges { node { reminders } } } }', path)).toBe(true);
    expect(await seen('{ list { e: edges { n: node { r: reminders } } } }', path)).toBe(true);
    expect(await seen('{ list { ...P } } fragment P on Page { edges { node { ...N } } } fragment N on Node { reminders }', path)).toBe(true);
    expect(await seen('{ list { edges { ... on Edge { node { ... { reminders } } } } } }', path)).toBe(true);
  });

  it('says no when the path is absent, partial, elsewhere or skipped', async () => {
    expect(await seen('{ list { edges { node { id } } } }', path)).toBe(false);
    expect(await seen('{ list { totalCount } }', path)).toBe(false);
    expect(await seen('{ list { edges { node { reminders @skip(if: true) } } } }', path)).toBe(false);
    expect(await seen('query($r: Boolean!) { list { edges { node { reminders @include(if: $r) } } } }', path, { r: false })).toBe(false);
    expect(await seen('query($r: Boolean!) { list { edges { node { reminders @include(if: $r) } } } }', path, { r: true })).toBe(true);
    expect(await seen('{ list { edges @skip(if: true) { node { reminders } } } }', path)).toBe(false);
  });

  it('keeps selectsField one level deep', async () => {
    const schema = buildSchema(`type Page { totalCount: Int edges: [Int] } type Query { list: Page }`);
    let answer: boolean | undefined;
    await execute({ schema, document: parse('{ list { ... on Page { totalCount } } }'), rootValue: { list: (_: unknown, __: unknown, info: GraphQLResolveInfo) => ((answer = selectsField(info, 'totalCount')), {}) } });
    expect(answer).toBe(true);
  });
});
