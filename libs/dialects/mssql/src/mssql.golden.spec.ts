import { join } from 'node:path';
import { goldenSql } from '@dbferry/dialects-core';
import type { NeutralColumn, TableRef, TableSchema } from '@dbferry/dialects-core';
import { MssqlDdlBuilder } from './mssql.ddl';
import {
  mssqlChecksumSql,
  mssqlCreateStageSql,
  mssqlCountRangeSql,
  mssqlDeleteRangeSql,
  mssqlInsertSelectSql,
  mssqlKeyBoundSql,
  mssqlMergeSql,
  mssqlRangePredicate,
  mssqlReadSql,
  mssqlSplitSql,
  mssqlStagePlan,
  mssqlSmallWriteRows,
  mssqlValuesSource,
} from './mssql.sql';

const expectGoldenSql = (dir: string, name: string, sql: string) => {
  const { actual, expected } = goldenSql(dir, name, sql);
  expect(actual).toBe(expected);
};

const GOLDEN = join(__dirname, '..', 'golden');

const col = (name: string, type: NeutralColumn['type'], nativeType: string, nullable = true): NeutralColumn => ({ name, type, nativeType, nullable });

/** Identifiers that need quoting, and one column of most kinds. */
const COLUMNS: NeutralColumn[] = [
  col('order', { kind: 'int64' }, 'bigint', false),
  col('MixedCase', { kind: 'string', length: 40 }, 'nvarchar(40)', false),
  col('with space', { kind: 'text' }, 'nvarchar(max)'),
  col('a"b', { kind: 'decimal', precision: 38, scale: 10 }, 'decimal(38,10)'),
  col('a]b', { kind: 'timestamp', precision: 7 }, 'datetime2(7)'),
  col('таблица', { kind: 'timestamptz', precision: 6 }, 'datetimeoffset(6)'),
  col('flag', { kind: 'bool' }, 'bit'),
  col('small', { kind: 'int16' }, 'smallint'),
  col('tiny', { kind: 'uint8' }, 'tinyint'),
  col('code', { kind: 'char', length: 3 }, 'nchar(3)'),
  col('uid', { kind: 'uuid' }, 'uniqueidentifier'),
  col('payload', { kind: 'blob' }, 'varbinary(max)'),
  col('born', { kind: 'date' }, 'date'),
  col('at', { kind: 'time', precision: 3 }, 'time(3)'),
  col('price', { kind: 'decimal', precision: 19, scale: 4 }, 'money'),
  col('legacy', { kind: 'timestamp', precision: 3 }, 'datetime'),
  col('status', { kind: 'enum', values: ['small', "it's", 'a,b'] }, 'nvarchar(5)'),
];
const EXTRA: NeutralColumn[] = [
  col('ratio', { kind: 'float64' }, 'float'),
  col('doc', { kind: 'json' }, 'nvarchar(max)'),
  col('big', { kind: 'decimal' }, 'numeric'),
];
const TABLE: TableRef = { schema: 'with space', name: 'order' };
const KEY = ['order', 'MixedCase'];
const keyCols = COLUMNS.slice(0, 2);
const RANGE = { lower: [10n, 'a]b'], upper: [20n, 'таблица'] };

describe('SQL Server golden SQL', () => {
  it('creates a table of many kinds with awkward names, its key and indexes', () => {
    const schema: Pick<TableSchema, 'columns' | 'primaryKey' | 'indexes'> = {
      columns: [...COLUMNS, ...EXTRA, { ...col('id', { kind: 'int32' }, 'int', false), identity: true }],
      primaryKey: KEY,
      indexes: [
        { name: 'ix MixedCase', columns: ['MixedCase', 'a"b'], unique: false },
        { name: 'ux_таблица', columns: ['таблица'], unique: true },
      ],
    };
    const plan = new MssqlDdlBuilder().createTable(TABLE, schema, { typeOverrides: { legacy: 'datetime' } });
    expectGoldenSql(GOLDEN, 'create-table', plan.statements.join(';\n\n'));
    expect(plan.losses.map((l) => [l.column, l.note.kind])).toEqual([['big', 'unbounded-decimal-bounded']]);
  });

  it('adds columns', () => {
    const plan = new MssqlDdlBuilder().addColumns(TABLE, EXTRA);
    expectGoldenSql(GOLDEN, 'add-columns', plan.statements.join(';\n'));
  });

  it('stages into a temp table and merges by key', () => {
    const plan = mssqlStagePlan(COLUMNS);
    expectGoldenSql(GOLDEN, 'stage-table', mssqlCreateStageSql(plan));
    expectGoldenSql(GOLDEN, 'merge', mssqlMergeSql(TABLE, plan, KEY));
    expectGoldenSql(GOLDEN, 'insert-select', mssqlInsertSelectSql(TABLE, plan));
  });

  it('merges a small write from a VALUES list of bound parameters with the staged path\'s casts (issue 13, H4)', () => {
    const plan = mssqlStagePlan(COLUMNS);
    const small = mssqlMergeSql(TABLE, plan, KEY, mssqlValuesSource(plan, 2));
    expectGoldenSql(GOLDEN, 'merge-small', small);
    // The same MERGE as the staged one but for its source: the same ON, UPDATE and INSERT, casts included.
    const staged = mssqlMergeSql(TABLE, plan, KEY);
    expect(small.replace(/USING [^\n]*(\n {2}[^\n]*)*\n/, 'USING …\n')).toBe(staged.replace(/USING [^\n]*\n/, 'USING …\n'));
    expectGoldenSql(GOLDEN, 'merge-small-identity-key-only', mssqlMergeSql(TABLE, mssqlStagePlan([{ ...col('id', { kind: 'int32' }, 'int', false), identity: true }]), ['id'], mssqlValuesSource(mssqlStagePlan([col('id', { kind: 'int32' }, 'int', false)]), 1)));
    // 50 rows at most, fewer for wide rows: SQL Server binds 2,100 parameters a request.
    expect([mssqlSmallWriteRows(4), mssqlSmallWriteRows(17), mssqlSmallWriteRows(100), mssqlSmallWriteRows(2100)]).toEqual([50, 50, 20, 0]);
    expect(() => mssqlValuesSource(plan, 200)).toThrow(/2099 parameters/);
  });

  it('turns IDENTITY_INSERT on around a merge into an identity column, and merges a key-only table without UPDATE', () => {
    const plan = mssqlStagePlan([{ ...col('id', { kind: 'int32' }, 'int', false), identity: true }]);
    expectGoldenSql(GOLDEN, 'merge-identity-key-only', mssqlMergeSql(TABLE, plan, ['id']));
  });

  it('counts a range in the write\'s transaction with the same predicate as its delete (WriteRequest.verify)', () => {
    const count = mssqlCountRangeSql(TABLE, keyCols, RANGE);
    expectGoldenSql(GOLDEN, 'count-range', count.sql);
    expect(count.sql.slice(count.sql.indexOf(' WHERE '))).toBe(mssqlDeleteRangeSql(TABLE, keyCols, RANGE).sql.slice(mssqlDeleteRangeSql(TABLE, keyCols, RANGE).sql.indexOf(' WHERE ')));
  });

  it('deletes a range for replace-range', () => {
    expectGoldenSql(GOLDEN, 'delete-range', mssqlDeleteRangeSql(TABLE, keyCols, RANGE).sql);
  });

  it('expands a two-column range into nested comparisons', () => {
    const bound = mssqlRangePredicate(keyCols, RANGE);
    expectGoldenSql(GOLDEN, 'range-2-key', bound.sql);
    expect(bound.params.map((p) => [p.name, p.param.value])).toEqual([
      ['l0', 10n],
      ['l1', 'a]b'],
      ['u0', 20n],
      ['u1', 'таблица'],
    ]);
  });

  it('reads in key order with lossless select expressions', () => {
    expectGoldenSql(GOLDEN, 'read', mssqlReadSql(TABLE, COLUMNS, KEY, RANGE, '[small] > 0').sql);
    expectGoldenSql(GOLDEN, 'key-bounds', mssqlKeyBoundSql(TABLE, keyCols, 'DESC'));
    expectGoldenSql(GOLDEN, 'split', mssqlSplitSql(TABLE, keyCols, '[small] > 0'));
  });

  it('checksums in SQL over the kinds it can render exactly', () => {
    const bound = mssqlChecksumSql(TABLE, COLUMNS, KEY, RANGE);
    expect(bound).not.toBeNull();
    expectGoldenSql(GOLDEN, 'checksum', bound?.sql ?? '');
  });

  it.each(EXTRA.slice(0, 2))('leaves the checksum to the worker when a column is $type.kind', (extra) => {
    expect(mssqlChecksumSql(TABLE, [...COLUMNS, extra], KEY)).toBeNull();
  });
});
