import fc from 'fast-check';
import { parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { databaseTrouble, sqlState } from '../../server/platform/database-errors.js';
import { parseJsonBody } from '../../server/shared/json-body.js';
import { cleanDocument, cleanJson, cleanText } from '../../server/shared/input-text.js';

/** What PostgreSQL `text` can hold, and what UTF-8 encodes without loss. */
const storable = (text: string) => !text.includes('\u0000') && Buffer.from(text, 'utf8').toString('utf8') === text;

describe('the input-text rule', () => {
  it('drops NUL, turns lone surrogates into U+FFFD, keeps everything else', () => {
    expect(cleanText('a\u0000b')).toBe('ab');
    expect(cleanText('\ud800x\udfff')).toBe('\ufffdx\ufffd');
    expect(cleanText('emoji 😀 e RTL \u200f\u202e ok')).toBe('emoji 😀 e RTL \u200f\u202e ok');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const cleaned = cleanText(text);
        expect(storable(cleaned)).toBe(true);
        expect(cleanText(cleaned)).toBe(cleaned);
        if (storable(text)) expect(cleaned).toBe(text);
      }),
    );
  });

  it('cleans every string and key of a JSON body, and drops __proto__', () => {
    const body = parseJsonBody(Buffer.from('{"t\\u0000":"x\\u0000y","a":["\\ud800",{"__proto__":{"p":1},"k":"v\\u0000"}]}'));
    expect(body).toEqual({ t: 'xy', a: ['\ufffd', { k: 'v' }] });
    expect(cleanJson({ n: 1, s: 'a\u0000', deep: [[{ 'k\u0000': 'b\u0000' }]] })).toEqual({ n: 1, s: 'a', deep: [[{ k: 'b' }]] });
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        const parsed = parseJsonBody(Buffer.from(JSON.stringify(value)));
        expect(JSON.stringify(parsed).includes('\\u0000')).toBe(false);
      }),
    );
  });

  it('cleans the string literals of a GraphQL document in place', () => {
    const document = parse('mutation { login(email: "x\\u0000@y.z", password: "\\u0000abc") { token } }');
    expect(cleanDocument(document)).toBe(document);
    expect(print(document)).toContain('email: "x@y.z"');
    expect(print(document)).toContain('password: "abc"');
  });

  it('walks a document once: the cached document Apollo hands to every request is not walked again', () => {
    const document = parse('query { appointments(filter: { search: "a\\u0000b" }) { totalCount } }');
    cleanDocument(document);
    expect(print(document)).toContain('search: "ab"');
    // Marked as clean: a second call returns at once (a literal changed behind its back stays as it is).
    const literal = ((document.definitions[0] as any).selectionSet.selections[0].arguments[0].value.fields[0].value) as { value: string };
    literal.value = 'c\u0000d';
    expect(cleanDocument(document)).toBe(document);
    expect(literal.value).toBe('c\u0000d');
    // Another document with the same text is a different object, and is cleaned.
    const again = parse('query { appointments(filter: { search: "a\\u0000b" }) { totalCount } }');
    expect(print(cleanDocument(again))).toContain('search: "ab"');
  });
});

describe(databaseTrouble.name, () => {
  const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  it('says unavailable for a database that is away, bad_data for a value it refuses, nothing otherwise', () => {
    expect(databaseTrouble(pgError('ECONNREFUSED'))).toBe('unavailable');
    expect(databaseTrouble(pgError('57P01'))).toBe('unavailable');
    expect(databaseTrouble(pgError('57P03'))).toBe('unavailable');
    expect(databaseTrouble(pgError('08006'))).toBe('unavailable');
    expect(databaseTrouble(pgError('53300'))).toBe('unavailable');
    expect(databaseTrouble(new Error('Connection terminated unexpectedly'))).toBe('unavailable');
    expect(databaseTrouble(Object.assign(new Error('wrapped'), { previous: pgError('ECONNRESET') }))).toBe('unavailable');
    expect(databaseTrouble(new AggregateError([pgError('ECONNREFUSED')]))).toBe('unavailable');
    expect(databaseTrouble(pgError('22P02'))).toBe('bad_data');
    // A protocol violation (08P01, what a NUL caused) is not an outage; neither is a unique violation.
    expect(databaseTrouble(pgError('08P01'))).toBeUndefined();
    expect(databaseTrouble(pgError('23505'))).toBeUndefined();
    expect(databaseTrouble(new Error('boom'))).toBeUndefined();
    expect(sqlState(pgError('EPIPE'))).toBeUndefined();
    expect(sqlState(pgError('P0001'))).toBe('P0001');
  });
});
