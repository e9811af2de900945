import type { NeutralColumn, NeutralType, NeutralValue } from '@dbferry/dialects-core';
import { emptyTextIsNull } from '@dbferry/dialects';
import { columnComparator, differingColumns, keyText } from './row-compare';

const col = (name: string, type: NeutralType): NeutralColumn => ({ name, nativeType: '', nullable: true, type });
const equal = (a: NeutralType, b: NeutralType, x: NeutralValue, y: NeutralValue, traits = {}) => {
  const c = columnComparator(col('c', a), col('c', b), traits);
  return c.ref(x) === c.other(y);
};

describe('row-compare: the exact cross-dialect value comparison', () => {
  it('compares decimals and integers by value, and sees the last digit', () => {
    const dec = { kind: 'decimal', precision: 12, scale: 2 } as const;
    expect(equal(dec, { kind: 'decimal', precision: 20, scale: 6 }, '0.50', '0.500000')).toBe(true);
    expect(equal(dec, dec, '0.5', '0.50')).toBe(true);
    expect(equal(dec, dec, '-0.00', '0')).toBe(true);
    expect(equal(dec, dec, '1234.56', '1234.57')).toBe(false);
    expect(equal({ kind: 'int64' }, dec, 7n, '7.00')).toBe(true);
    expect(equal({ kind: 'int64' }, { kind: 'int32' }, 9007199254740993n, 9007199254740992)).toBe(false);
    expect(columnComparator(col('c', dec), col('c', { kind: 'int64' })).note).toBeUndefined();
  });

  it('compares timestamps at the common precision and notes it', () => {
    const ts6 = { kind: 'timestamp', precision: 6 } as const;
    expect(equal(ts6, ts6, '2024-01-02 03:04:05.120000', '2024-01-02 03:04:05.12')).toBe(true);
    expect(equal(ts6, ts6, '2024-01-02 03:04:05.000001', '2024-01-02 03:04:05.000002')).toBe(false);
    expect(equal(ts6, { kind: 'timestamptz', precision: 6 }, '2024-01-02 03:04:05', '2024-01-02 03:04:05.000000+00:00')).toBe(true);
    const ts3 = { kind: 'timestamp', precision: 3 } as const;
    expect(equal(ts6, ts3, '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.123')).toBe(true);
    expect(equal(ts6, ts3, '2024-01-02 03:04:05.124456', '2024-01-02 03:04:05.123')).toBe(false);
    expect(columnComparator(col('c', ts6), col('c', ts3)).note).toMatch(/common precision of 3/);
  });

  it('compares JSON canonically, binary by bytes, uuid without case, text by code points', () => {
    expect(equal({ kind: 'json' }, { kind: 'json' }, '{"b":1, "a":[1,2]}', '{"a": [1, 2], "b": 1}')).toBe(true);
    expect(equal({ kind: 'json' }, { kind: 'json' }, '{"a":[1,2]}', '{"a":[2,1]}')).toBe(false);
    expect(equal({ kind: 'json' }, { kind: 'text' }, '{"a":1}', '{ "a" : 1 }')).toBe(true);
    expect(equal({ kind: 'blob' }, { kind: 'binary' }, Buffer.from([0, 255]), Buffer.from([0, 255]))).toBe(true);
    expect(equal({ kind: 'blob' }, { kind: 'blob' }, Buffer.from([0, 255]), Buffer.from([0, 254]))).toBe(false);
    expect(equal({ kind: 'uuid' }, { kind: 'string', length: 36 }, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe(true);
    expect(equal({ kind: 'uuid' }, { kind: 'binary', length: 16 }, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', Buffer.from('a0eebc999c0b4ef8bb6d6bb9bd380a11', 'hex'))).toBe(true);
    expect(equal({ kind: 'text' }, { kind: 'text' }, 'Zoë', 'Zoe\u0308')).toBe(false);
    expect(equal({ kind: 'text' }, { kind: 'text' }, 'abc', 'ABC')).toBe(false);
    expect(equal({ kind: 'char', length: 5 }, { kind: 'string' }, 'ab   ', 'ab')).toBe(true);
    expect(equal({ kind: 'text' }, { kind: 'text' }, 'ab ', 'ab')).toBe(false);
  });

  it('keeps NULL apart from empty text, except against a side that stores empty text as NULL (noted)', () => {
    expect(equal({ kind: 'text' }, { kind: 'text' }, '', null)).toBe(false);
    expect(equal({ kind: 'text' }, { kind: 'text' }, null, null)).toBe(true);
    expect(equal({ kind: 'text' }, { kind: 'text' }, '', null, { otherEmptyTextIsNull: true })).toBe(true);
    expect(columnComparator(col('c', { kind: 'text' }), col('c', { kind: 'text' }), { otherEmptyTextIsNull: true }).note).toMatch(/'' and NULL compare equal/);
    expect(columnComparator(col('c', { kind: 'int32' }), col('c', { kind: 'int32' }), { otherEmptyTextIsNull: true }).note).toBeUndefined();
    // The trait comes from the registry: Oracle only.
    expect((['postgres', 'mysql', 'sqlite', 'mssql', 'oracle'] as const).filter(emptyTextIsNull)).toEqual(['oracle']);
  });

  it('compares floats at the float precision and notes float against decimal', () => {
    expect(equal({ kind: 'float64' }, { kind: 'float64' }, 0.1 + 0.2, 0.3)).toBe(true);
    expect(equal({ kind: 'float64' }, { kind: 'float64' }, 1.5, 1.5000001)).toBe(false);
    expect(equal({ kind: 'float32' }, { kind: 'float64' }, Math.fround(0.1), 0.1)).toBe(true);
    const c = columnComparator(col('c', { kind: 'float64' }), col('c', { kind: 'decimal', precision: 10, scale: 4 }));
    expect(c.note).toMatch(/float64 against decimal/);
    expect(c.ref(2.5) === c.other('2.5000')).toBe(true);
    expect(c.ref(2.5) === c.other('2.5001')).toBe(false);
  });

  it('compares booleans with integers holding them', () => {
    expect(equal({ kind: 'bool' }, { kind: 'int8' }, true, 1)).toBe(true);
    expect(equal({ kind: 'bool' }, { kind: 'int64' }, false, 0n)).toBe(true);
    expect(equal({ kind: 'bool' }, { kind: 'int64' }, false, 1n)).toBe(false);
  });

  it('names the differing columns of a row and keys rows by comparison text', () => {
    const ref = [col('id', { kind: 'int64' }), col('amount', { kind: 'decimal', scale: 2 }), col('doc', { kind: 'json' }), col('note', { kind: 'text' })];
    const other = [col('id', { kind: 'int32' }), col('amount', { kind: 'decimal', scale: 4 }), col('doc', { kind: 'json' }), col('note', { kind: 'text' })];
    const comparators = ref.map((c, i) => columnComparator(c, other[i]));
    expect(differingColumns(comparators, [1n, '0.50', '{"a":1,"b":2}', ''], [1, '0.5000', '{"b":2,"a":1}', ''])).toEqual([]);
    expect(differingColumns(comparators, [1n, '0.50', '{"a":1}', ''], [1, '0.5001', '{"a":1}', null])).toEqual(['amount', 'note']);
    expect(keyText(comparators.slice(0, 1), [1n], 'ref')).toBe(keyText(comparators.slice(0, 1), [1], 'other'));
  });
});
