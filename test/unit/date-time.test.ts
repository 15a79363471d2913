import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DateTimeScalar, isoString } from '../../server/platform/date-time.js';

describe('isoString', () => {
  it('is exactly toISOString, across years, months, leap days and milliseconds', () => {
    const samples = [
      0, 951_782_400_000 /* 2000-02-29 */, 1_709_164_799_999, Date.UTC(2030, 11, 31, 23, 59, 59, 999), Date.UTC(1969, 11, 31, 23, 59, 59, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), Date.UTC(-1, 0, 1), Date.UTC(5, 0, 1), Date.UTC(999, 6, 4, 1, 2, 3, 45),
    ];
    // And a spread of pseudo-random instants between 1900 and 2100.
    let seed = 42;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      samples.push(Date.UTC(1900, 0, 1) + Math.floor((seed / 2 ** 31) * 200 * 365.25 * 86_400_000));
    }
    for (const ms of samples) {
      const date = new Date(ms);
      expect(isoString(date), String(ms)).toBe(date.toISOString());
    }
  });

  it('is exactly toISOString for any instant of years 0 to 9999 and just outside them', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(-2, 0, 1), max: Date.UTC(10001, 11, 31, 23, 59, 59, 999) }), (ms) => {
        const date = new Date(ms);
        expect(isoString(date)).toBe(date.toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('throws on an invalid date like toISOString does', () => {
    expect(() => isoString(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('DateTime scalar', () => {
  it('serialises dates, date-time strings and timestamps to the UTC ISO string', () => {
    expect(DateTimeScalar.name).toBe('DateTime');
    expect(DateTimeScalar.serialize(new Date('2030-06-17T10:00:00Z'))).toBe('2030-06-17T10:00:00.000Z');
    expect(DateTimeScalar.serialize('2030-06-17T07:00:00-03:00')).toBe('2030-06-17T10:00:00.000Z');
    expect(DateTimeScalar.serialize(0)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('refuses what is not a date, as graphql-scalars does', () => {
    expect(() => DateTimeScalar.serialize('amanhã')).toThrow(/DateTime/);
    expect(() => DateTimeScalar.serialize(new Date(Number.NaN))).toThrow(/DateTime/);
    expect(DateTimeScalar.parseValue('2030-06-17T10:00:00Z')).toEqual(new Date('2030-06-17T10:00:00Z'));
  });
});
