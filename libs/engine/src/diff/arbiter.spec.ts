import type { NeutralColumn, NeutralType } from '@dbferry/dialects-core';
import { ArbiterError, groupByEquality, jsonSafeRow, jsonSafeValue, keyValueFor, majorityOf } from './arbiter';

const col = (name: string, type: NeutralType): NeutralColumn => ({ name, nativeType: '', nullable: false, type });

/** Groups of connection names from a table of "rows" compared by plain equality (null is a value). */
const grouped = (rows: (string | null)[]) => {
  const names = rows.map((_, i) => String.fromCharCode(97 + i));
  return groupByEquality(rows.length, (a, b) => rows[a] === rows[b]).map((g) => g.map((i) => names[i]));
};

describe('arbiter: grouping connections by equal rows and the majority', () => {
  it('groups equal rows in the order of their first members', () => {
    expect(grouped(['x', 'y', 'x', 'z', 'y'])).toEqual([['a', 'c'], ['b', 'e'], ['d']]);
    expect(grouped(['x', 'x', 'x'])).toEqual([['a', 'b', 'c']]);
  });

  it('counts an absent row as a value: absent on 2 of 3 is a majority of absent', () => {
    const groups = grouped(['x', null, null]);
    expect(groups).toEqual([['a'], ['b', 'c']]);
    expect(majorityOf(groups)).toEqual(['b', 'c']);
    expect(majorityOf(grouped([null, null, null]))).toEqual(['a', 'b', 'c']);
  });

  it('takes the largest group, and on a tie the group whose first member comes first', () => {
    expect(majorityOf(grouped(['x', 'y', 'y']))).toEqual(['b', 'c']);
    // Two connections that disagree: the first connection's row.
    expect(majorityOf(grouped(['x', 'y']))).toEqual(['a']);
    expect(majorityOf(grouped(['y', 'x']))).toEqual(['a']);
    // 2 against 2: the group holding the first connection, whichever order the rest come in.
    expect(majorityOf(grouped(['x', 'y', 'y', 'x']))).toEqual(['a', 'd']);
    // Tied groups that do not hold the first connection: the one whose first member comes earlier.
    expect(majorityOf(grouped(['w', 'x', 'y', 'y', 'x']))).toEqual(['b', 'e']);
    // Every row different: the first connection alone.
    expect(majorityOf(grouped(['x', 'y', 'z']))).toEqual(['a']);
  });

  it('joins a connection to the first group whose first member it equals, even if a later group would take it too', () => {
    // An equality that is not transitive (two floats near a rounding edge): each compares with the group's first member.
    const near = (a: number, b: number) => Math.abs(a - b) <= 1;
    const values = [0, 2, 1];
    expect(groupByEquality(3, (a, b) => near(values[a], values[b]))).toEqual([[0, 2], [1]]);
  });
});

describe('arbiter: a caller key value typed by a key column', () => {
  const value = (type: NeutralType, raw: unknown) => keyValueFor(col('k', type), raw);
  const problem = (type: NeutralType, raw: unknown) => {
    try {
      value(type, raw);
    } catch (error) {
      expect(error).toBeInstanceOf(ArbiterError);
      return `${(error as ArbiterError).field}: ${(error as Error).message}`;
    }
    throw new Error('no error');
  };

  it('reads integers and decimals as exact text, by value', () => {
    expect(value({ kind: 'int64' }, '9007199254740993')).toBe(9007199254740993n);
    expect(value({ kind: 'int64' }, ' 0042 ')).toBe(42n);
    expect(value({ kind: 'int32' }, 7)).toBe(7);
    expect(value({ kind: 'int32' }, '7.000')).toBe(7);
    expect(value({ kind: 'int16' }, '-0')).toBe(0);
    expect(value({ kind: 'decimal', precision: 12, scale: 2 }, '0.50')).toBe('0.5');
    expect(value({ kind: 'decimal' }, 0.1)).toBe('0.1');
    expect(problem({ kind: 'int32' }, '7.5')).toMatch(/^key: key\.k: "7\.5" is not a whole number/);
    expect(problem({ kind: 'int64' }, '1e3')).toMatch(/not a whole number/);
    expect(problem({ kind: 'decimal' }, 'abc')).toMatch(/not a decimal/);
    expect(problem({ kind: 'int32' }, true)).toMatch(/not a whole number/);
  });

  it('reads timestamps as UTC, applying an offset, and refuses impossible dates', () => {
    expect(value({ kind: 'timestamptz', precision: 6 }, '2025-03-01 02:30:00.000007+02:00')).toBe('2025-03-01 00:30:00.000007+00:00');
    expect(value({ kind: 'timestamptz', precision: 6 }, '2025-03-01T00:30:00Z')).toBe('2025-03-01 00:30:00+00:00');
    expect(value({ kind: 'timestamptz' }, '2025-01-01 00:15:00-0130')).toBe('2025-01-01 01:45:00+00:00');
    expect(value({ kind: 'timestamp', precision: 6 }, '2024-12-31 23:59:59.5')).toBe('2024-12-31 23:59:59.5');
    expect(value({ kind: 'timestamp' }, '2025-01-01 00:30:00+01:00')).toBe('2024-12-31 23:30:00');
    expect(value({ kind: 'date' }, '2024-02-29')).toBe('2024-02-29');
    expect(problem({ kind: 'date' }, '2023-02-29')).toMatch(/not a date/);
    expect(problem({ kind: 'timestamp' }, '2024-01-01 24:00:00')).toMatch(/not a timestamp/);
    expect(problem({ kind: 'timestamptz' }, '2024-01-01 10:00:00+25:00')).toMatch(/not a timestamp/);
  });

  it('keeps text exactly (case, accents, spaces), lower-cases uuids, reads booleans', () => {
    expect(value({ kind: 'string', length: 40 }, ' Zoë ')).toBe(' Zoë ');
    expect(value({ kind: 'text' }, 12)).toBe('12');
    expect(value({ kind: 'uuid' }, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(value({ kind: 'bool' }, 'TRUE')).toBe(true);
    expect(value({ kind: 'bool' }, 0)).toBe(false);
    expect(problem({ kind: 'uuid' }, 'not-a-uuid')).toMatch(/not a uuid/);
    expect(problem({ kind: 'bool' }, 'maybe')).toMatch(/not a boolean/);
  });

  it('refuses NUL, null, objects and key kinds without an exact literal, naming the field', () => {
    expect(problem({ kind: 'text' }, 'a\u0000b')).toMatch(/^key: .*NUL/);
    expect(problem({ kind: 'text' }, null)).toMatch(/^key: .*cannot be null/);
    expect(problem({ kind: 'text' }, { a: 1 })).toMatch(/^key: .*not an object/);
    expect(problem({ kind: 'float64' }, '1.5')).toMatch(/^keyColumns: key column k is of type float64/);
    expect(problem({ kind: 'blob' }, 'AA==')).toMatch(/^keyColumns: /);
  });
});

describe('arbiter: row values as JSON', () => {
  it('keeps every value lossless in the key codec form, floats that JSON cannot hold as text', () => {
    expect(jsonSafeValue(9007199254740993n)).toEqual({ $int: '9007199254740993' });
    expect(jsonSafeValue(Buffer.from([0, 255]))).toEqual({ $bytes: 'AP8=' });
    expect(jsonSafeValue('12.50')).toBe('12.50');
    expect(jsonSafeValue(Number.NaN)).toBe('NaN');
    expect(jsonSafeValue(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
    expect(jsonSafeValue([1n, null, 2.5])).toEqual([{ $int: '1' }, null, 2.5]);
    const row = jsonSafeRow(['id', 'raw', 'ok'], [1n, Buffer.from('hi'), true]);
    expect(JSON.parse(JSON.stringify(row))).toEqual({ id: { $int: '1' }, raw: { $bytes: 'aGk=' }, ok: true });
  });
});
