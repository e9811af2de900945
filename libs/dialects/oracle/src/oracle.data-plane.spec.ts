import { createHash } from 'node:crypto';
import {
  type BindDefinition,
  type Connection,
  DB_TYPE_BLOB,
  DB_TYPE_CLOB,
  DB_TYPE_LONG,
  DB_TYPE_LONG_RAW,
  DB_TYPE_NUMBER,
  DB_TYPE_RAW,
  DB_TYPE_TIMESTAMP,
  DB_TYPE_VARCHAR,
  type ExecuteManyOptions,
  type ExecuteOptions,
  IntervalDS,
  IntervalYM,
  type Result,
} from 'oracledb';
import { ChecksumAccumulator, IdentifierError, type NeutralColumn, type NeutralType, rowText } from '@dbferry/dialects-core';
import { OracleDdlBuilder } from './oracle.ddl';
import { buildOracleSchema, oracleCheckLabels, type OracleColumnRow, oracleNativeInfo } from './oracle.introspector';
import { rangesFromBounds } from './oracle.reader';
import { oracleBindPlan, oracleIdentifier, oracleOwner, qualifyOracle, sumToHash } from './oracle.sql';
import { decodeOracleValue, oracleBind, oracleFetchTypeHandler, plainDecimal } from './oracle.values';
import { emptiedWarnings, encodeRows, oracleBatchRows, OracleWriter } from './oracle.writer';

async function* noBatches(): AsyncGenerator<never> {
  yield* [];
}

const col = (name: string, type: NeutralType, nativeType = ''): NeutralColumn => ({ name, type, nativeType, nullable: true });

describe('fetching from thin mode', () => {
  it('fetches NUMBER as text, CLOB as a string, BLOB as a Buffer and leaves TIMESTAMP to the select list', () => {
    expect(oracleFetchTypeHandler({ name: 'N', dbType: DB_TYPE_NUMBER })).toEqual({ type: DB_TYPE_VARCHAR });
    expect(oracleFetchTypeHandler({ name: 'C', dbType: DB_TYPE_CLOB })).toEqual({ type: DB_TYPE_LONG });
    expect(oracleFetchTypeHandler({ name: 'B', dbType: DB_TYPE_BLOB })).toEqual({ type: DB_TYPE_LONG_RAW });
    expect(oracleFetchTypeHandler({ name: 'T', dbType: DB_TYPE_TIMESTAMP })).toBeUndefined();
  });

  it('decodes NUMBER text: integers beyond 2^53 as bigint, decimals with their leading zero', () => {
    expect(decodeOracleValue({ kind: 'int64' }, '-9223372036854775808')).toBe(-9223372036854775808n);
    expect(decodeOracleValue({ kind: 'int32' }, '2147483647')).toBe(2147483647);
    expect(decodeOracleValue({ kind: 'decimal', precision: 38, scale: 10 }, '-.0000000001')).toBe('-0.0000000001');
    expect(decodeOracleValue({ kind: 'decimal' }, '12345678901234567890123456789012345678')).toBe('12345678901234567890123456789012345678');
    expect(plainDecimal('.5')).toBe('0.5');
    expect(() => plainDecimal('-1e126')).toThrow(/exponent/);
  });

  it('decodes RAW(16) as a uuid, RAW as Buffer, TO_CHAR text as it is, and refuses a Date', () => {
    const raw = Buffer.from('a0eebc999c0b4ef8bb6d6bb9bd380a11', 'hex');
    expect(decodeOracleValue({ kind: 'uuid' }, raw)).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(decodeOracleValue({ kind: 'binary', length: 3 }, Buffer.from([0, 0, 1]))).toEqual(Buffer.from([0, 0, 1]));
    expect(decodeOracleValue({ kind: 'timestamptz', precision: 6 }, '1969-07-20 20:17:40.000001+00:00')).toBe('1969-07-20 20:17:40.000001+00:00');
    expect(() => decodeOracleValue({ kind: 'timestamp' }, new Date(0))).toThrow(/JS Date/);
  });

  it('decodes intervals from thin mode objects as ISO 8601 durations', () => {
    expect(decodeOracleValue({ kind: 'interval', fields: 'year-month' }, new IntervalYM({ years: 1, months: 2 }))).toBe('P1Y2M');
    const ds = new IntervalDS({ days: 3, hours: 4, minutes: 5, seconds: 6, fseconds: 500000000 });
    expect(decodeOracleValue({ kind: 'interval', fields: 'day-second' }, ds)).toBe('P3DT4H5M6.5S');
  });
});

describe('binding for array DML', () => {
  it('binds numbers as text for TO_NUMBER and temporals with 9 fractional digits and a zone', () => {
    expect(oracleBind(col('n', { kind: 'int64' })).encode(9223372036854775807n)).toBe('9223372036854775807');
    expect(oracleBind(col('t', { kind: 'timestamp', precision: 6 })).encode('2020-01-02T03:04:05.123456')).toBe('2020-01-02 03:04:05.123456000');
    expect(oracleBind(col('t', { kind: 'timestamp' })).encode('9999-12-31 23:59:59')).toBe('9999-12-31 23:59:59.000000000');
    const tz = oracleBind(col('z', { kind: 'timestamptz', precision: 6 }));
    expect(tz.encode('1969-07-20 20:17:40.5+00:00')).toBe('1969-07-20 20:17:40.500000000 +00:00');
    expect(tz.encode('1969-07-20 20:17:40Z')).toBe('1969-07-20 20:17:40.000000000 +00:00');
    expect(tz.expression(':1')).toBe("TO_TIMESTAMP_TZ(:1, 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM')");
    expect(oracleBind(col('u', { kind: 'uuid' }, 'RAW(16)')).encode('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toEqual(
      Buffer.from('a0eebc999c0b4ef8bb6d6bb9bd380a11', 'hex'),
    );
  });

  it("sizes VARCHAR and RAW binds from the batch and counts '' written as NULL per column", () => {
    const columns = [col('s', { kind: 'string', length: 10 }, 'VARCHAR2(10 CHAR)'), col('b', { kind: 'binary', length: 8 }, 'RAW(8)'), col('t', { kind: 'text' }, 'CLOB')];
    const plan = oracleBindPlan(columns);
    const emptied = [0, 0, 0];
    const { binds, bindDefs } = encodeRows(
      plan,
      [
        ['😀ab', Buffer.from([0, 1]), ''],
        ['', Buffer.alloc(0), 'x'.repeat(40000)],
        [null, null, null],
      ],
      emptied,
    );
    expect(binds[1]).toEqual([null, null, 'x'.repeat(40000)]);
    expect(binds[0][2]).toBeNull();
    expect(bindDefs).toEqual<BindDefinition[]>([{ type: DB_TYPE_VARCHAR, maxSize: 6 }, { type: DB_TYPE_RAW, maxSize: 2 }, { type: DB_TYPE_CLOB }]);
    expect(emptied).toEqual([1, 1, 1]);
    expect(emptiedWarnings(columns, emptied)).toEqual([
      { column: 's', kind: 'empty-as-null', count: 1 },
      { column: 'b', kind: 'empty-as-null', count: 1 },
      { column: 't', kind: 'empty-as-null', count: 1 },
    ]);
  });

  it('sizes executeMany batches by row width: 1000 rows at most, one at least', () => {
    expect(oracleBatchRows(100)).toBe(1000);
    expect(oracleBatchRows(1024 * 1024)).toBe(16);
    expect(oracleBatchRows(64 * 1024 * 1024)).toBe(1);
  });
});

/** A connection that must never be used: any call fails the test. */
class UnusableConnection implements Connection {
  readonly oracleServerVersionString = '23.0.0.0.0';
  calls = 0;
  private refuse(): Promise<never> {
    this.calls += 1;
    return Promise.reject(new Error('no SQL may run'));
  }
  execute<T>(_sql: string, _binds?: Record<string, unknown> | unknown[], _options?: ExecuteOptions): Promise<Result<T>> {
    return this.refuse();
  }
  executeMany(_sql: string, _binds: unknown[][], _options?: ExecuteManyOptions): Promise<{ rowsAffected?: number }> {
    return this.refuse();
  }
  commit(): Promise<void> {
    return this.refuse();
  }
  rollback(): Promise<void> {
    return this.refuse();
  }
  ping(): Promise<void> {
    return this.refuse();
  }
  close(): Promise<void> {
    return this.refuse();
  }
}

describe('identifiers', () => {
  const cyrillic65 = 'б'.repeat(65);

  it('counts bytes, not characters: 65 Cyrillic letters (130 bytes) are refused, 64 pass', () => {
    expect(() => oracleIdentifier(cyrillic65)).toThrow(IdentifierError);
    expect(oracleIdentifier('б'.repeat(64))).toBe(`"${'б'.repeat(64)}"`);
    expect(() => new OracleDdlBuilder().addColumns({ schema: 'APP', name: 't' }, [col(cyrillic65, { kind: 'int32' })])).toThrow(IdentifierError);
  });

  it('refuses before the writer runs any SQL', async () => {
    const connection = new UnusableConnection();
    const writer = new OracleWriter(connection);
    await expect(
      writer.write({ table: { schema: 'APP', name: cyrillic65 }, columns: [col('a', { kind: 'int32' })], keyColumns: ['a'], mode: 'replace-range' }, noBatches()),
    ).rejects.toBeInstanceOf(IdentifierError);
    expect(connection.calls).toBe(0);
  });

  it('reads an unquoted schema as the upper-case owner and keeps a quoted one', () => {
    expect(oracleOwner('app')).toBe('APP');
    expect(oracleOwner('"app"')).toBe('app');
    expect(oracleOwner('with space')).toBe('with space');
    expect(qualifyOracle({ schema: 'app', name: 'MixedCase' })).toBe('"APP"."MixedCase"');
  });
});

describe('catalogue', () => {
  const row = (over: Partial<OracleColumnRow>): OracleColumnRow => ({
    columnName: 'C', dataType: 'NUMBER', dataLength: 22, charLength: 0, charUsed: null, precision: 10, scale: 0,
    nullable: 'N', dataDefault: null, identity: 'NO', ...over,
  });

  it('writes the type text from ALL_TAB_COLUMNS', () => {
    expect(oracleNativeInfo(row({ precision: null, scale: null })).columnType).toBe('NUMBER');
    expect(oracleNativeInfo(row({ precision: null, scale: 0 })).columnType).toBe('NUMBER(*,0)');
    expect(oracleNativeInfo(row({ precision: 12, scale: 2 })).columnType).toBe('NUMBER(12,2)');
    expect(oracleNativeInfo(row({ dataType: 'VARCHAR2', dataLength: 200, charLength: 50, charUsed: 'C' }))).toMatchObject({ columnType: 'VARCHAR2(50 CHAR)', length: 50, charSemantics: 'char' });
    expect(oracleNativeInfo(row({ dataType: 'VARCHAR2', dataLength: 50, charLength: 50, charUsed: 'B' })).charSemantics).toBe('byte');
    expect(oracleNativeInfo(row({ dataType: 'RAW', dataLength: 16 })).columnType).toBe('RAW(16)');
    expect(oracleNativeInfo(row({ dataType: 'TIMESTAMP(6) WITH TIME ZONE', precision: null, scale: 6 })).precision).toBe(6);
  });

  it('reads IN-checks back as enum labels', () => {
    expect(oracleCheckLabels(`"STATUS" IN ('small', 'it''s', 'a,b')`, 'STATUS')).toEqual(['small', "it's", 'a,b']);
    expect(oracleCheckLabels(`"STATUS" IS NOT NULL`, 'STATUS')).toBeUndefined();
  });

  it('builds the neutral schema: key in POSITION order, indexes without the key index, identity, estimate', () => {
    const schema = buildOracleSchema(
      { schema: 'APP', name: 'T' },
      [
        row({ columnName: 'ID', precision: 18, identity: 'YES' }),
        row({ columnName: 'NAME', dataType: 'VARCHAR2', dataLength: 40, charLength: 10, charUsed: 'C', precision: null, scale: null, nullable: 'Y', dataDefault: "'x' " }),
        row({ columnName: 'STATUS', dataType: 'VARCHAR2', dataLength: 20, charLength: 5, charUsed: 'C', precision: null, scale: null }),
      ],
      [
        { type: 'C', name: 'SYS_C1', indexName: null, condition: `"STATUS" IN ('a', 'b')`, columnName: 'STATUS' },
        { type: 'P', name: 'PK_T', indexName: 'PK_T', condition: null, columnName: 'NAME' },
        { type: 'P', name: 'PK_T', indexName: 'PK_T', condition: null, columnName: 'ID' },
      ],
      [
        { indexName: 'PK_T', uniqueness: 'UNIQUE', columnName: 'NAME' },
        { indexName: 'IX_STATUS', uniqueness: 'NONUNIQUE', columnName: 'STATUS' },
      ],
      42,
    );
    expect(schema.primaryKey).toEqual(['NAME', 'ID']);
    expect(schema.indexes).toEqual([{ name: 'IX_STATUS', columns: ['STATUS'], unique: false }]);
    expect(schema.rowEstimate).toBe(42);
    expect(schema.columns.map((c) => [c.name, c.type, c.nullable, c.identity, c.default])).toEqual([
      ['ID', { kind: 'int64' }, false, true, null],
      ['NAME', { kind: 'string', length: 10 }, true, false, "'x'"],
      ['STATUS', { kind: 'enum', values: ['a', 'b'] }, false, false, null],
    ]);
  });

  it('splits into ranges that cover every key', () => {
    expect(rangesFromBounds([['a'], ['m']])).toEqual([{ upper: ['a'] }, { lower: ['a'], upper: ['m'] }, { lower: ['m'] }]);
  });
});

describe('checksum arithmetic', () => {
  it('reduces the SQL sum of unsigned digests modulo 2^64 like the reference', () => {
    const types: NeutralType[] = [{ kind: 'int64' }, { kind: 'string' }];
    const acc = new ChecksumAccumulator(types);
    let sum = 0n;
    for (let i = 0; i < 50; i += 1) {
      const row = [BigInt(i) * 9007199254740993n, `ряд ${i}`];
      acc.add(row);
      sum += createHash('md5').update(rowText(types, row), 'utf8').digest().readBigUInt64BE(0);
    }
    expect(sum > 1n << 64n).toBe(true);
    expect(sumToHash(sum.toString())).toBe(acc.hash);
    expect(sumToHash(null)).toBe('0000000000000000');
  });
});
