import { join } from 'node:path';
import { IdentifierError, type NeutralColumn, type TableRef, type TableSchema, goldenSql } from '@dbferry/dialects-core';
import { OracleDdlBuilder } from './oracle.ddl';
import {
  oracleBindPlan,
  oracleChecksumSql,
  oracleCountRangeSql,
  oracleDeleteRangeSql,
  oracleInsertSql,
  oracleKeyBoundSql,
  oracleMergeSql,
  oracleRangePredicate,
  oracleReadSql,
  oracleSplitSql,
} from './oracle.sql';

const expectGoldenSql = (dir: string, name: string, sql: string) => {
  const { actual, expected } = goldenSql(dir, name, sql);
  expect(actual).toBe(expected);
};

const GOLDEN = join(__dirname, '..', 'golden');

const col = (name: string, type: NeutralColumn['type'], nativeType: string, nullable = true): NeutralColumn => ({ name, type, nativeType, nullable });

/** Identifiers that need quoting (a"b cannot exist in Oracle: see the refusal test), and most kinds. */
const COLUMNS: NeutralColumn[] = [
  col('order', { kind: 'int64' }, 'NUMBER(19)', false),
  col('MixedCase', { kind: 'string', length: 40 }, 'VARCHAR2(40 CHAR)', false),
  col('with space', { kind: 'string', length: 100 }, 'NVARCHAR2(100)'),
  col('a]b', { kind: 'decimal', precision: 38, scale: 10 }, 'NUMBER(38,10)'),
  col('таблица', { kind: 'timestamptz', precision: 6 }, 'TIMESTAMP(6) WITH TIME ZONE'),
  col('stamp', { kind: 'timestamp', precision: 9 }, 'TIMESTAMP(9)'),
  col('day', { kind: 'timestamp', precision: 0 }, 'DATE'),
  col('flag', { kind: 'bool' }, 'NUMBER(1)'),
  col('code', { kind: 'char', length: 3 }, 'CHAR(3 CHAR)'),
  col('uid', { kind: 'uuid' }, 'RAW(16)'),
  col('bytes', { kind: 'binary', length: 200 }, 'RAW(200)'),
  col('status', { kind: 'enum', values: ['small', "it's", 'a,b'] }, 'VARCHAR2(5 CHAR)'),
];
const LOBS: NeutralColumn[] = [
  col('notes', { kind: 'text' }, 'CLOB'),
  col('payload', { kind: 'blob' }, 'BLOB'),
  col('doc', { kind: 'json' }, 'CLOB'),
  col('ratio', { kind: 'float64' }, 'BINARY_DOUBLE'),
  col('span', { kind: 'interval', fields: 'day-second' }, 'INTERVAL DAY(9) TO SECOND(6)'),
];
const TABLE: TableRef = { schema: 'app', name: 'order' };
const KEY = ['order', 'MixedCase'];
const keyCols = COLUMNS.slice(0, 2);
const RANGE = { lower: [10n, 'a]b'], upper: [20n, 'таблица'] };

describe('Oracle golden SQL', () => {
  it('creates a table of many kinds with awkward names, its key and indexes', () => {
    const schema: Pick<TableSchema, 'columns' | 'primaryKey' | 'indexes'> = {
      columns: [...COLUMNS, ...LOBS, { ...col('id', { kind: 'int32' }, 'NUMBER(10)', false), identity: true }],
      primaryKey: KEY,
      indexes: [
        { name: 'ix MixedCase', columns: ['MixedCase', 'a]b'], unique: false },
        { name: 'ux_таблица', columns: ['таблица'], unique: true },
      ],
    };
    const plan = new OracleDdlBuilder().createTable(TABLE, schema, { typeOverrides: { day: 'DATE' } });
    expectGoldenSql(GOLDEN, 'create-table', plan.statements.join(';\n\n'));
    expect(plan.losses.map((l) => [l.column, l.note.kind])).toEqual([
      ['MixedCase', 'oracle-empty-is-null'],
      ['with space', 'oracle-empty-is-null'],
      ['code', 'oracle-empty-is-null'],
      ['bytes', 'oracle-empty-is-null'],
      ['notes', 'oracle-empty-is-null'],
      ['payload', 'oracle-empty-is-null'],
    ]);
  });

  it('adds columns', () => {
    expectGoldenSql(GOLDEN, 'add-columns', new OracleDdlBuilder().addColumns(TABLE, LOBS).statements.join(';\n'));
  });

  it('merges from dual with positional binds, and inserts', () => {
    const plan = oracleBindPlan([...COLUMNS, ...LOBS]);
    expectGoldenSql(GOLDEN, 'merge', oracleMergeSql(TABLE, plan, KEY));
    expectGoldenSql(GOLDEN, 'insert', oracleInsertSql(TABLE, plan));
    expectGoldenSql(GOLDEN, 'merge-key-only', oracleMergeSql(TABLE, oracleBindPlan(keyCols), KEY));
  });

  it('counts a range in the write\'s transaction with the same predicate as its delete (WriteRequest.verify)', () => {
    const count = oracleCountRangeSql(TABLE, keyCols, RANGE);
    expectGoldenSql(GOLDEN, 'count-range', count.sql);
    expect(count.sql.slice(count.sql.indexOf(' WHERE '))).toBe(oracleDeleteRangeSql(TABLE, keyCols, RANGE).sql.slice(oracleDeleteRangeSql(TABLE, keyCols, RANGE).sql.indexOf(' WHERE ')));
  });

  it('deletes a range for replace-range', () => {
    expectGoldenSql(GOLDEN, 'delete-range', oracleDeleteRangeSql(TABLE, keyCols, RANGE).sql);
  });

  it('expands a two-column range into nested comparisons with named binds', () => {
    const bound = oracleRangePredicate(keyCols, RANGE);
    expectGoldenSql(GOLDEN, 'range-2-key', bound.sql);
    expect(bound.binds).toEqual({ l0: '10', l1: 'a]b', u0: '20', u1: 'таблица' });
  });

  it('reads in key order with TO_CHAR for temporals', () => {
    expectGoldenSql(GOLDEN, 'read', oracleReadSql(TABLE, [...COLUMNS, ...LOBS], KEY, RANGE, '"flag" = 1').sql);
    expectGoldenSql(GOLDEN, 'key-bounds', oracleKeyBoundSql(TABLE, keyCols, 'DESC'));
    expectGoldenSql(GOLDEN, 'split', oracleSplitSql(TABLE, keyCols, '"flag" = 1'));
  });

  it('checksums in SQL over the kinds it can render exactly', () => {
    const bound = oracleChecksumSql(TABLE, COLUMNS, KEY, RANGE);
    expect(bound).not.toBeNull();
    expectGoldenSql(GOLDEN, 'checksum', bound?.sql ?? '');
  });

  it.each(LOBS)('leaves the checksum to the worker when a column is $nativeType', (lob) => {
    expect(oracleChecksumSql(TABLE, [...COLUMNS, lob], KEY)).toBeNull();
  });

  it('leaves the checksum to the worker when the row text could pass 4000 bytes', () => {
    expect(oracleChecksumSql(TABLE, [...COLUMNS, col('wide', { kind: 'string', length: 1000 }, 'VARCHAR2(1000 CHAR)')], KEY)).toBeNull();
  });

  it('refuses a name with a double quote, which Oracle cannot hold, before any SQL', () => {
    expect(() => new OracleDdlBuilder().createTable(TABLE, { columns: [col('a"b', { kind: 'int32' }, 'NUMBER(10)')], primaryKey: [], indexes: [] })).toThrow(
      IdentifierError,
    );
  });
});
