import { lexicographicSortSchema, printSchema } from 'graphql';
import { createSchema } from './graphql.js';

const HEADER = '# Generated from the resolvers by `npm run schema`. Do not edit by hand; a test fails on drift.\n\n';

export async function printCommittedSchema(): Promise<string> {
  return HEADER + printSchema(lexicographicSortSchema(await createSchema())) + '\n';
}
