import { GraphQLScalarType } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `date.toISOString()`, exactly, about 3× faster: a page of 50 appointments has 200 timestamps,
 * and V8 formats each in ~1.2 µs (more when `JSON.stringify` reaches it through `toJSON`), which
 * was 15% of the CPU of a list request. Years outside 0–9999 (an extended format) and invalid
 * dates go to `toISOString` itself.
 */
export function isoString(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return date.toISOString();
  const y = year < 1000 ? `${year}`.padStart(4, '0') : `${year}`;
  return `${y}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}T${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}.${pad3(date.getUTCMilliseconds())}Z`;
}

/**
 * graphql-scalars' `DateTime` (same name, parsing and validation), serialised to the ISO string
 * here instead of as a `Date` left for `JSON.stringify` to format: the same text on the wire.
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...GraphQLDateTime.toConfig(),
  serialize(value: unknown): string {
    return isoString(GraphQLDateTime.serialize(value) as Date);
  },
});
