import { createHash } from 'node:crypto';
import { ConnectionPool } from 'mssql';
import { ChecksumAccumulator, IdentifierError, type NeutralColumn, type NeutralType, rowText, ValueLossCounter } from '@dbferry/dialects-core';
import { MssqlDdlBuilder } from './mssql.ddl';
import { buildMssqlSchema, checkLabels, type MssqlColumnRow, mssqlNativeInfo } from './mssql.introspector';
import { rangesFromBounds } from './mssql.reader';
import { mssqlReadSql, mssqlRangePredicate, mssqlStagePlan, signedSumToHash } from './mssql.sql';
import { decodeMssqlValue, stageColumn } from './mssql.values';
import { mssqlBulkRows, MssqlWriter, stageTable } from './mssql.writer';

async function* noBatches(): AsyncGenerator<never> {
  yield* [];
}

const col = (name: string, type: NeutralType, nativeType = ''): NeutralColumn => ({ name, type, nativeType, nullable: true });
const long = 'x'.repeat(129);

describe('decodeMssqlValue (shapes tedious returns)', () => {
  it('reads bigint, which tedious returns as a string, as a bigint beyond 2^53', () => {
    expect(decodeMssqlValue({ kind: 'int64' }, '9223372036854775807')).toBe(9223372036854775807n);
    expect(decodeMssqlValue({ kind: 'int64' }, '-9007199254740993')).toBe(-9007199254740993n);
  });

  it('keeps decimals as the text the select list made, and refuses a JS number', () => {
    expect(decodeMssqlValue({ kind: 'decimal', precision: 38, scale: 10 }, '1234567890123456789012345678.0123456789')).toBe(
      '1234567890123456789012345678.0123456789',
    );
    expect(() => decodeMssqlValue({ kind: 'decimal' }, 1.5)).toThrow(/as text/);
  });

  it('lower-cases a uniqueidentifier, reads bit as boolean, keeps zero bytes', () => {
    expect(decodeMssqlValue({ kind: 'uuid' }, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(decodeMssqlValue({ kind: 'bool' }, true)).toBe(true);
    expect(decodeMssqlValue({ kind: 'bool' }, false)).toBe(false);
    expect(decodeMssqlValue({ kind: 'blob' }, Buffer.from([0, 1, 0]))).toEqual(Buffer.from([0, 1, 0]));
  });

  it('keeps temporal text untouched, never through a Date', () => {
    expect(decodeMssqlValue({ kind: 'timestamp', precision: 7 }, '9999-12-31 23:59:59.9999999')).toBe('9999-12-31 23:59:59.9999999');
    expect(decodeMssqlValue({ kind: 'date' }, '1901-01-01')).toBe('1901-01-01');
    expect(decodeMssqlValue({ kind: 'timestamptz', precision: 6 }, '1969-07-20 20:17:40.123456+00:00')).toBe('1969-07-20 20:17:40.123456+00:00');
    expect(decodeMssqlValue({ kind: 'timestamptz' }, '2020-01-01 00:00:00.0000000 +00:00')).toBe('2020-01-01 00:00:00.0000000+00:00');
    expect(() => decodeMssqlValue({ kind: 'timestamp' }, new Date(0))).toThrow(/JS Date/);
  });

  it("keeps '' apart from NULL and 4-byte characters whole", () => {
    expect(decodeMssqlValue({ kind: 'text' }, '')).toBe('');
    expect(decodeMssqlValue({ kind: 'text' }, null)).toBeNull();
    expect(decodeMssqlValue({ kind: 'string' }, '😀 таблица')).toBe('😀 таблица');
  });
});

describe('staging values for bulk load', () => {
  it('stages decimals and temporals as text cast in the DML, keeping 7 fraction digits at most', () => {
    const decimal = stageColumn(col('d', { kind: 'decimal', precision: 38, scale: 10 }), 'decimal(38,10)');
    expect(decimal).toMatchObject({ driverType: 'varchar', castTo: 'decimal(38,10)' });
    expect(decimal.encode('-0.0000000001')).toBe('-0.0000000001');
    const ts = stageColumn(col('t', { kind: 'timestamp' }), 'datetime2(7)');
    expect(ts.encode('2020-01-02T03:04:05.123456789')).toBe('2020-01-02 03:04:05.1234567');
    expect(ts.encode('2020-01-02 03:04:05+00:00')).toBe('2020-01-02 03:04:05');
    const tz = stageColumn(col('z', { kind: 'timestamptz' }), 'datetimeoffset(7)');
    expect(tz.encode('2020-01-02 03:04:05.5')).toBe('2020-01-02 03:04:05.5+00:00');
    expect(tz.encode('2020-01-02T03:04:05Z')).toBe('2020-01-02 03:04:05+00:00');
  });

  it('stages int64 as bigint, bit strings as bytes, arrays as JSON', () => {
    expect(stageColumn(col('i', { kind: 'int64' }), 'bigint').encode(9223372036854775807n)).toBe(9223372036854775807n);
    expect(stageColumn(col('i', { kind: 'int64' }), 'bigint').encode('-5')).toBe(-5n);
    expect(stageColumn(col('b', { kind: 'bit', length: 10 }), 'binary(2)').encode('1000000001')).toEqual(Buffer.from([0x02, 0x01]));
    expect(stageColumn(col('a', { kind: 'array', of: { kind: 'int64' } }), 'nvarchar(max)').encode([1n, 9223372036854775807n])).toBe(
      '[1,"9223372036854775807"]',
    );
    expect(stageColumn(col('s', { kind: 'text' }), 'nvarchar(max)').encode(null)).toBeNull();
  });

  it('builds the bulk table with staged column names and encoded values', () => {
    const columns = [col('order', { kind: 'int64' }), col('a]b', { kind: 'decimal', precision: 5, scale: 2 })];
    const table = stageTable(mssqlStagePlan(columns), [
      [1n, '1.50'],
      [2n, null],
    ]);
    expect(table.create).toBe(false);
    expect(table.columns.length).toBe(2);
    expect([...(table.rows as unknown as unknown[][])]).toEqual([
      [1n, '1.50'],
      [2n, null],
    ]);
  });

  it('truncates fractions beyond 100 ns ticks, never rounds, and counts the values cut', () => {
    const losses = new ValueLossCounter();
    const columns = [col('at', { kind: 'timestamp', precision: 9 }), col('n', { kind: 'int32' })];
    const table = stageTable(mssqlStagePlan(columns), [['9999-12-31 23:59:59.999999999', 1], ['2000-01-01 00:00:00.1234567', 2], [null, 3]], losses);
    expect([...(table.rows as unknown as unknown[][])].map((r) => r[0])).toEqual(['9999-12-31 23:59:59.9999999', '2000-01-01 00:00:00.1234567', null]);
    expect(losses.list()).toEqual([{ column: 'at', kind: 'fractional-seconds-truncated', count: 1 }]);
  });
});

describe('batch sizing', () => {
  it('caps a bulk load at 5000 rows and shrinks it for wide rows, never below one', () => {
    const narrow = [col('a', { kind: 'int32' })];
    expect(mssqlBulkRows(narrow)).toBe(5000);
    expect(mssqlBulkRows(narrow, 1024 * 1024)).toBe(32);
    expect(mssqlBulkRows(narrow, 64 * 1024 * 1024)).toBe(1);
  });

  it('binds two parameters per key column per bound, far below the 2100 limit', () => {
    const keys = Array.from({ length: 16 }, (_, i) => col(`k${i}`, { kind: 'int32' }));
    const bound = mssqlRangePredicate(keys, { lower: keys.map(() => 1), upper: keys.map(() => 2) });
    expect(bound.params).toHaveLength(32);
  });
});

describe('identifiers', () => {
  it('refuses a 129-character name before building any SQL', () => {
    const ddl = new MssqlDdlBuilder();
    expect(() => ddl.createTable({ schema: 'dbo', name: long }, { columns: [], primaryKey: [], indexes: [] })).toThrow(IdentifierError);
    expect(() => ddl.addColumns({ schema: 'dbo', name: 't' }, [col(long, { kind: 'int32' })])).toThrow(IdentifierError);
    expect(() => mssqlReadSql({ schema: 'dbo', name: 't' }, [col(long, { kind: 'int32' })], [])).toThrow(IdentifierError);
    expect(ddl.qualify({ schema: 'dbo', name: 'x'.repeat(128) })).toBe(`[dbo].[${'x'.repeat(128)}]`);
  });

  it('refuses before the writer opens a transaction (the pool is never connected)', async () => {
    const pool = new ConnectionPool({ server: '127.0.0.1', port: 9 });
    const writer = new MssqlWriter(pool);
    const batches = noBatches();
    await expect(
      writer.write({ table: { schema: 'dbo', name: long }, columns: [col('a', { kind: 'int32' })], keyColumns: ['a'], mode: 'upsert' }, batches),
    ).rejects.toBeInstanceOf(IdentifierError);
  });
});

describe('checksum arithmetic', () => {
  it('turns the signed sum of digests into the reference unsigned sum modulo 2^64', () => {
    const types: NeutralType[] = [{ kind: 'int32' }, { kind: 'text' }];
    const rows = Array.from({ length: 40 }, (_, i) => [i, `row ${i} 😀`]);
    const acc = new ChecksumAccumulator(types);
    let signed = 0n;
    for (const row of rows) {
      acc.add(row);
      signed += createHash('md5').update(rowText(types, row), 'utf8').digest().readBigInt64BE(0);
    }
    expect(signedSumToHash(signed.toString())).toBe(acc.hash);
    expect(signedSumToHash(null)).toBe('0000000000000000');
  });
});

describe('catalogue', () => {
  const row = (over: Partial<MssqlColumnRow>): MssqlColumnRow => ({
    column_id: 1, column_name: 'c', type_name: 'int', max_length: 4, precision: 10, scale: 0,
    is_nullable: false, is_identity: false, default_definition: null, object_id: 7, row_estimate: '12', ...over,
  });

  it('halves nvarchar byte lengths, keeps (max), reads fractional digits from scale', () => {
    expect(mssqlNativeInfo(row({ type_name: 'nvarchar', max_length: 80 }))).toMatchObject({ columnType: 'nvarchar(40)', length: 40 });
    expect(mssqlNativeInfo(row({ type_name: 'nvarchar', max_length: -1 }))).toMatchObject({ columnType: 'nvarchar(max)', length: -1 });
    expect(mssqlNativeInfo(row({ type_name: 'varbinary', max_length: 16 }))).toMatchObject({ columnType: 'varbinary(16)' });
    expect(mssqlNativeInfo(row({ type_name: 'datetime2', precision: 27, scale: 7 }))).toMatchObject({ columnType: 'datetime2(7)', precision: 7 });
  });

  it('reads IN-checks back as enum labels', () => {
    expect(checkLabels("([status]=N'small' OR [status]=N'it''s' OR [status]=N'a OR b')", 'status')).toEqual(['small', "it's", 'a OR b']);
    expect(checkLabels('([n]>(0))', 'n')).toBeUndefined();
  });

  it('builds the neutral schema: key order, indexes, identity, estimate', () => {
    const schema = buildMssqlSchema(
      { schema: 'dbo', name: 't' },
      [
        row({ column_name: 'b', type_name: 'bigint', max_length: 8, is_identity: true }),
        row({ column_id: 2, column_name: 'a', type_name: 'nvarchar', max_length: 20, is_nullable: true }),
        row({ column_id: 3, column_name: 'd', type_name: 'money', max_length: 8, precision: 19, scale: 4, default_definition: '((0))' }),
      ],
      [
        { index_name: 'PK_t', is_primary_key: true, is_unique: true, column_name: 'a' },
        { index_name: 'PK_t', is_primary_key: true, is_unique: true, column_name: 'b' },
        { index_name: 'ix_d', is_primary_key: false, is_unique: false, column_name: 'd' },
      ],
      [],
    );
    expect(schema.primaryKey).toEqual(['a', 'b']);
    expect(schema.indexes).toEqual([{ name: 'ix_d', columns: ['d'], unique: false }]);
    expect(schema.rowEstimate).toBe(12);
    expect(schema.columns.map((c) => [c.name, c.type, c.nativeType, c.identity, c.default])).toEqual([
      ['b', { kind: 'int64' }, 'bigint', true, null],
      ['a', { kind: 'string', length: 10 }, 'nvarchar(10)', false, null],
      ['d', { kind: 'decimal', precision: 19, scale: 4 }, 'money', false, '((0))'],
    ]);
  });

  it('splits into ranges that cover every key', () => {
    expect(rangesFromBounds([[5], [9]])).toEqual([{ upper: [5] }, { lower: [5], upper: [9] }, { lower: [9] }]);
    expect(rangesFromBounds([])).toEqual([{}]);
  });
});
