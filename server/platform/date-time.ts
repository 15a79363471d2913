import { GraphQLScalarType } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';

/** Character code of the digit `n` (0–9). */
const ZERO = 48;

/**
 * `date.toISOString()`, exactly, 3.5× faster: a page of 50 appointments has 200 timestamps, and V8
 * formats each in ~1.2 µs (more when `JSON.stringify` reaches it through `toJSON`), which was 15%
 * of the CPU of a list request. The 24 characters are made in one `String.fromCharCode`: one flat
 * string, where a template literal left ~14 pieces per date for the young generation (90 KB per
 * page, 16% of a list request's allocation; bench/results.md, seventh pass). Years outside
 * 0–9999 (an extended format) and invalid dates go to `toISOString` itself.
 */
export function isoString(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return date.toISOString();
  const month = date.getUTCMonth() + 1;
  const day = date.getUTCDate();
  const hours = date.getUTCHours();
  const minutes = date.getUTCMinutes();
  const seconds = date.getUTCSeconds();
  const ms = date.getUTCMilliseconds();
  return String.fromCharCode(
    ZERO + Math.floor(year / 1000), ZERO + (Math.floor(year / 100) % 10), ZERO + (Math.floor(year / 10) % 10), ZERO + (year % 10), 0x2d, // -
    ZERO + Math.floor(month / 10), ZERO + (month % 10), 0x2d,
    ZERO + Math.floor(day / 10), ZERO + (day % 10), 0x54, // T
    ZERO + Math.floor(hours / 10), ZERO + (hours % 10), 0x3a, // :
    ZERO + Math.floor(minutes / 10), ZERO + (minutes % 10), 0x3a,
    ZERO + Math.floor(seconds / 10), ZERO + (seconds % 10), 0x2e, // .
    ZERO + Math.floor(ms / 100), ZERO + (Math.floor(ms / 10) % 10), ZERO + (ms % 10), 0x5a, // Z
  );
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
