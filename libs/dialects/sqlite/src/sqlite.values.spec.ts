import type { NeutralType } from '@dbferry/dialects-core';
import {
  canonicalDecimal,
  decodeValue,
  encodeValue,
  expandExponent,
  placeholder,
  selectExpression,
  SqliteValueError,
  timestamptzToUtc,
  withScale,
} from './sqlite.values';

const t = <T extends NeutralType>(type: T): T => type;

describe('SQLite value conversion', () => {
  describe('64-bit integers never pass through a JS number', () => {
    it.each([
      [t({ kind: 'int64' }), 9223372036854775807n, '9223372036854775807'],
      [t({ kind: 'int64' }), -9223372036854775808n, '-9223372036854775808'],
      [t({ kind: 'uint64' }), 18446744073709551615n, '18446744073709551615'],
      [t({ kind: 'int32' }), -2147483648, '-2147483648'],
      [t({ kind: 'uint32' }), 4294967295, '4294967295'],
    ])('%j %s is bound as the text %s', (type, value, text) => {
      expect(encodeValue(type, value)).toBe(text);
    });

    it('binds signed integers through CAST(? AS INTEGER) and uint64 as plain text', () => {
      expect(placeholder({ kind: 'int64' })).toBe('CAST(? AS INTEGER)');
      expect(placeholder({ kind: 'int16' })).toBe('CAST(? AS INTEGER)');
      expect(placeholder({ kind: 'uint64' })).toBe('?');
      expect(placeholder({ kind: 'text' })).toBe('?');
    });

    it('reads 64-bit columns as text and decodes them to bigint', () => {
      expect(selectExpression('"n"', { kind: 'int64' })).toBe('CAST("n" AS TEXT)');
      expect(decodeValue({ kind: 'int64' }, '-9223372036854775808')).toBe(-9223372036854775808n);
      expect(decodeValue({ kind: 'uint64' }, '18446744073709551615')).toBe(18446744073709551615n);
    });

    it('refuses values that are not exact integers instead of truncating them', () => {
      expect(() => encodeValue({ kind: 'int64' }, '1.5')).toThrow(SqliteValueError);
      expect(() => encodeValue({ kind: 'int32' }, 2 ** 53 + 2)).toThrow(SqliteValueError);
      expect(() => decodeValue({ kind: 'int64' }, '1.5')).toThrow(SqliteValueError);
      expect(() => decodeValue({ kind: 'int16' }, 'abc')).toThrow(SqliteValueError);
    });
  });

  describe('decimals stay text in plain notation', () => {
    const d38: NeutralType = { kind: 'decimal', precision: 38, scale: 10 };
    it('keeps 38 digits both ways', () => {
      const v = '-1234567890123456789012345678.0123456789';
      expect(encodeValue(d38, v)).toBe(v);
      expect(decodeValue(d38, v)).toBe(v);
    });

    it('stores the canonical text at the declared scale, so equal decimals are equal texts', () => {
      const d12: NeutralType = { kind: 'decimal', precision: 12, scale: 2 };
      expect(encodeValue(d12, '77.7')).toBe('77.70');
      expect(encodeValue(d12, '77.70')).toBe('77.70');
      expect(encodeValue(d12, 77.7)).toBe('77.70');
      expect(encodeValue(d12, '+007.5')).toBe('7.50');
      expect(encodeValue(d12, '.5')).toBe('0.50');
      expect(encodeValue(d12, '-0.00')).toBe('0.00');
      expect(encodeValue(d12, '5')).toBe('5.00');
      expect(encodeValue({ kind: 'decimal', precision: 5, scale: 0 }, '12.000')).toBe('12');
      // More digits than the scale are kept, never rounded away.
      expect(encodeValue(d12, '1.005')).toBe('1.005');
      expect(encodeValue({ kind: 'decimal' }, '1.50')).toBe('1.50');
      expect(decodeValue(d12, '77.70')).toBe('77.70');
      expect(canonicalDecimal('-000', 0)).toBe('0');
    });

    it('formats REAL and INTEGER storage of a NUMERIC-affinity decimal with its scale', () => {
      const d12: NeutralType = { kind: 'decimal', precision: 12, scale: 2 };
      expect(decodeValue(d12, 12.5)).toBe('12.50');
      expect(decodeValue(d12, '12')).toBe('12.00');
      expect(decodeValue(d12, 0.1)).toBe('0.10');
      expect(decodeValue({ kind: 'decimal' }, 1e-7)).toBe('0.0000001');
      expect(decodeValue({ kind: 'decimal' }, '1.5e+22')).toBe('15000000000000000000000');
    });

    it('expands exponents and pads or trims zero digits only', () => {
      expect(expandExponent('-1.25e-3')).toBe('-0.00125');
      expect(expandExponent('1e21')).toBe('1000000000000000000000');
      expect(expandExponent('12.5')).toBe('12.5');
      expect(withScale('1.5', 3)).toBe('1.500');
      expect(withScale('1.500', 1)).toBe('1.5');
      expect(withScale('1.25', 1)).toBe('1.25');
      expect(withScale('7.000', 0)).toBe('7');
    });

    it('refuses text that is not a number', () => {
      expect(() => encodeValue(d38, 'twelve')).toThrow(SqliteValueError);
    });
  });

  it('stores booleans as 0/1 and reads any truthy storage back as a boolean', () => {
    expect(encodeValue({ kind: 'bool' }, true)).toBe(1);
    expect(encodeValue({ kind: 'bool' }, false)).toBe(0);
    expect(decodeValue({ kind: 'bool' }, 1)).toBe(true);
    expect(decodeValue({ kind: 'bool' }, 0)).toBe(false);
    expect(decodeValue({ kind: 'bool' }, 'true')).toBe(true);
  });

  it("keeps '' apart from NULL, and 4-byte UTF-8", () => {
    expect(encodeValue({ kind: 'text' }, '')).toBe('');
    expect(encodeValue({ kind: 'text' }, null)).toBeNull();
    expect(decodeValue({ kind: 'text' }, '')).toBe('');
    expect(decodeValue({ kind: 'text' }, null)).toBeNull();
    expect(decodeValue({ kind: 'string' }, '🦀 x')).toBe('🦀 x');
  });

  it('passes binary with zero bytes through as a Buffer', () => {
    const bytes = Buffer.from([0, 1, 0, 255, 0]);
    expect(encodeValue({ kind: 'blob' }, bytes)).toBe(bytes);
    expect(decodeValue({ kind: 'binary', length: 5 }, bytes)).toEqual(bytes);
  });

  it('lower-cases uuids', () => {
    expect(encodeValue({ kind: 'uuid' }, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(decodeValue({ kind: 'uuid' }, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  });

  describe('temporal values are text no process TZ can shift', () => {
    it('keeps timestamps with microseconds and reads ISO T as a space', () => {
      expect(decodeValue({ kind: 'timestamp', precision: 6 }, '9999-12-31 23:59:59.999999')).toBe('9999-12-31 23:59:59.999999');
      expect(decodeValue({ kind: 'timestamp' }, '0001-01-01T00:00:00')).toBe('0001-01-01 00:00:00');
      expect(decodeValue({ kind: 'date' }, '0001-01-01')).toBe('0001-01-01');
    });

    it('reads timestamptz as the instant in UTC, keeping the fraction as text', () => {
      expect(timestamptzToUtc('2024-03-01 01:30:00.123456+02:00')).toBe('2024-02-29 23:30:00.123456+00:00');
      expect(timestamptzToUtc('0001-01-01T00:00:00Z')).toBe('0001-01-01 00:00:00+00:00');
      expect(timestamptzToUtc('9999-12-31 23:59:59.999999+00:00')).toBe('9999-12-31 23:59:59.999999+00:00');
      expect(timestamptzToUtc('1969-12-31 20:00:00-05:30')).toBe('1970-01-01 01:30:00+00:00');
      expect(timestamptzToUtc('not a time')).toBe('not a time');
    });
  });

  it('stores NaN as NULL and says so', () => {
    const warnings: string[] = [];
    expect(encodeValue({ kind: 'float64' }, Number.NaN, (w) => warnings.push(w))).toBeNull();
    expect(warnings).toEqual(['nan-as-null']);
    expect(encodeValue({ kind: 'float64' }, Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });

  it('stores arrays as JSON with 64-bit integers, decimals and binary kept exact', () => {
    const ints: NeutralType = { kind: 'array', of: { kind: 'int64' } };
    const text = encodeValue(ints, [9223372036854775807n, null, -1n]);
    expect(text).toBe('["9223372036854775807",null,"-1"]');
    expect(decodeValue(ints, text)).toEqual([9223372036854775807n, null, -1n]);
    const blobs: NeutralType = { kind: 'array', of: { kind: 'blob' } };
    expect(decodeValue(blobs, encodeValue(blobs, [Buffer.from([0, 9])]))).toEqual([Buffer.from([0, 9])]);
    const nested: NeutralType = { kind: 'array', of: { kind: 'array', of: { kind: 'decimal', precision: 10, scale: 2 } } };
    expect(decodeValue(nested, encodeValue(nested, [['1.50', '2.00']]))).toEqual([['1.50', '2.00']]);
  });

  it('stores sets as their comma-separated text', () => {
    const set: NeutralType = { kind: 'set', values: ['read', 'write'] };
    expect(encodeValue(set, ['read', 'write'])).toBe('read,write');
    expect(decodeValue(set, 'read,write')).toEqual(['read', 'write']);
    expect(decodeValue(set, '')).toEqual([]);
  });
});
