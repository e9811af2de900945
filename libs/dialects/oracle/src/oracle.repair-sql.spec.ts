import { join } from 'node:path';
import { goldenSql, type NeutralColumn, type NeutralValue, type TableRef } from '@dbferry/dialects-core';
import { oracleSqlStyle } from './oracle.sql-style';

const GOLDEN = join(__dirname, '..', 'golden');
const col = (name: string, type: NeutralColumn['type'], nativeType: string, nullable = true): NeutralColumn => ({ name, type, nativeType, nullable });

/** One column of most kinds, names that need quoting, a composite key. */
const COLUMNS: NeutralColumn[] = [
  col('order', { kind: 'int64' }, 'NUMBER(19)', false),
  col('MixedCase', { kind: 'string', length: 40 }, 'NVARCHAR2(40)', false),
  col('a b', { kind: 'decimal', precision: 38, scale: 10 }, 'NUMBER(38,10)'),
  col('flag', { kind: 'bool' }, 'NUMBER(1)'),
  col('ratio', { kind: 'float64' }, 'BINARY_DOUBLE'),
  col('uid', { kind: 'uuid' }, 'RAW(16)'),
  col('payload', { kind: 'blob' }, 'BLOB'),
  col('born', { kind: 'date' }, 'DATE'),
  col('at', { kind: 'timestamp', precision: 6 }, 'TIMESTAMP(6)'),
  col('at_utc', { kind: 'timestamptz', precision: 6 }, 'TIMESTAMP(6) WITH TIME ZONE'),
  col('doc', { kind: 'json' }, 'CLOB'),
];
const TABLE: TableRef = { schema: 'with space', name: 'order' };
const ROWS: NeutralValue[][] = [
  [9007199254740993n, "it's ünïcode", '-12345678901234567890.0000000001', true, 0.1, '0f8fad5b-d9cb-469f-a165-70867728950e', Buffer.from([0, 1, 254, 255]), '2024-02-29', '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.123456+00:00', '{"b":1,"a":[true,null]}'],
  [1n, 'a]b', null, false, -1.5e-7, null, null, null, null, null, null],
];

const expectGolden = (name: string, sql: string) => {
  const { actual, expected } = goldenSql(GOLDEN, name, sql);
  expect(actual).toBe(expected);
};

describe('Oracle repair SQL (golden)', () => {
  it('upserts rows of many kinds by a composite key', () => {
    expectGolden('repair-upsert', oracleSqlStyle.repair.upsert(TABLE, COLUMNS, ['order', 'MixedCase'], ROWS));
  });

  it('upserts a table of key columns only (no update)', () => {
    expectGolden('repair-upsert-key-only', oracleSqlStyle.repair.upsert(TABLE, COLUMNS.slice(0, 2), ['order', 'MixedCase'], ROWS.map((r) => r.slice(0, 2))));
  });

  it('spells NULL, and refuses a value the column cannot hold', () => {
    expect(oracleSqlStyle.repair.valueLiteral(COLUMNS[0], null)).toBe('NULL');
    expect(() => oracleSqlStyle.repair.valueLiteral(COLUMNS[0], '1; DROP TABLE x')).toThrow(/not a number/);
    expect(oracleSqlStyle.repair.valueLiteral(COLUMNS[1], "x'); DROP TABLE t; --")).toContain("x''); DROP TABLE t; --'");
  });
});
