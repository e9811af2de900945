import { join } from 'node:path';
import { goldenSql, type DialectName, type NeutralColumn, type NeutralValue, type TableRef } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';

const col = (name: string, type: NeutralColumn['type'], nativeType: string, nullable = true): NeutralColumn => ({ name, type, nativeType, nullable });

/**
 * The dialects whose repair SQL cannot run here (no server on this machine), so it is checked
 * as text against their golden/repair-*.sql; the others' repairs run live (repairs e2e). One
 * column of most kinds as each database types it, names that need quoting (the third one with
 * a character each dialect must handle in a quoted name), a composite key.
 */
const CASES: { dialect: DialectName; decimalName: string; native: string[] }[] = [
  {
    dialect: 'mssql',
    decimalName: 'a"b',
    native: ['bigint', 'nvarchar(40)', 'decimal(38,10)', 'bit', 'float', 'uniqueidentifier', 'varbinary(max)', 'date', 'datetime2(6)', 'datetimeoffset(6)', 'nvarchar(max)'],
  },
  {
    dialect: 'oracle',
    decimalName: 'a b',
    native: ['NUMBER(19)', 'NVARCHAR2(40)', 'NUMBER(38,10)', 'NUMBER(1)', 'BINARY_DOUBLE', 'RAW(16)', 'BLOB', 'DATE', 'TIMESTAMP(6)', 'TIMESTAMP(6) WITH TIME ZONE', 'CLOB'],
  },
];

const TABLE: TableRef = { schema: 'with space', name: 'order' };
const ROWS: NeutralValue[][] = [
  [9007199254740993n, "it's ünïcode", '-12345678901234567890.0000000001', true, 0.1, '0f8fad5b-d9cb-469f-a165-70867728950e', Buffer.from([0, 1, 254, 255]), '2024-02-29', '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.123456+00:00', '{"b":1,"a":[true,null]}'],
  [1n, 'a]b', null, false, -1.5e-7, null, null, null, null, null, null],
];

describe.each(CASES)('$dialect repair SQL (golden)', ({ dialect, decimalName, native }) => {
  const repair = dialectFor(dialect).sql.repair;
  const n = (i: number) => native[i] as string;
  const columns: NeutralColumn[] = [
    col('order', { kind: 'int64' }, n(0), false),
    col('MixedCase', { kind: 'string', length: 40 }, n(1), false),
    col(decimalName, { kind: 'decimal', precision: 38, scale: 10 }, n(2)),
    col('flag', { kind: 'bool' }, n(3)),
    col('ratio', { kind: 'float64' }, n(4)),
    col('uid', { kind: 'uuid' }, n(5)),
    col('payload', { kind: 'blob' }, n(6)),
    col('born', { kind: 'date' }, n(7)),
    col('at', { kind: 'timestamp', precision: 6 }, n(8)),
    col('at_utc', { kind: 'timestamptz', precision: 6 }, n(9)),
    col('doc', { kind: 'json' }, n(10)),
  ];
  const expectGolden = (name: string, sql: string) => {
    const { actual, expected } = goldenSql(join(__dirname, '..', '..', dialect, 'golden'), name, sql);
    expect(actual).toBe(expected);
  };

  it('upserts rows of many kinds by a composite key', () => {
    expectGolden('repair-upsert', repair.upsert(TABLE, columns, ['order', 'MixedCase'], ROWS));
  });

  it('upserts a table of key columns only (no update)', () => {
    expectGolden('repair-upsert-key-only', repair.upsert(TABLE, columns.slice(0, 2), ['order', 'MixedCase'], ROWS.map((r) => r.slice(0, 2))));
  });

  it('spells NULL, and refuses a value the column cannot hold', () => {
    expect(repair.valueLiteral(columns[0] as NeutralColumn, null)).toBe('NULL');
    expect(() => repair.valueLiteral(columns[0] as NeutralColumn, '1; DROP TABLE x')).toThrow(/not a number/);
    expect(repair.valueLiteral(columns[1] as NeutralColumn, "x'); DROP TABLE t; --")).toContain("x''); DROP TABLE t; --'");
  });
});
