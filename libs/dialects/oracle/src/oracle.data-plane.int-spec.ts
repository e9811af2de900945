import { randomBytes } from 'node:crypto';
import {
  ChecksumAccumulator,
  type DataPlane,
  type DialectSession,
  type NeutralColumn,
  type NeutralValue,
  parseConnectionUrl,
  type ResolvedConnectionSpec,
  type RowBatch,
  rowText,
  sameType,
  type TableRef,
} from '@dbferry/dialects-core';
import { OracleDialect } from './oracle.dialect';

const url = process.env.ORACLE_URL;
const dialect = new OracleDialect();

const col = (name: string, type: NeutralColumn['type'], nullable = true): NeutralColumn => ({ name, type, nativeType: '', nullable });

/** The torture table; Oracle reads '' back as NULL (the documented oracle-empty-is-null loss). */
const COLUMNS: NeutralColumn[] = [
  col('id', { kind: 'int64' }, false),
  col('big', { kind: 'decimal', precision: 20, scale: 0 }),
  col('dec', { kind: 'decimal', precision: 38, scale: 10 }),
  col('ts', { kind: 'timestamp', precision: 6 }),
  col('tz', { kind: 'timestamptz', precision: 6 }),
  col('day', { kind: 'timestamp', precision: 0 }),
  col('name with space', { kind: 'string', length: 50 }),
  col('flag', { kind: 'bool' }),
  col('uid', { kind: 'uuid' }),
  col('a]b', { kind: 'char', length: 3 }),
  col('bin', { kind: 'binary', length: 16 }),
  col('txt', { kind: 'text' }),
  col('blob', { kind: 'blob' }),
];
const EDGE_ROWS: NeutralValue[][] = [
  [1n, '9223372036854775807', '1234567890123456789012345678.0123456789', '1901-01-01 00:00:00.123456', '2020-06-01 12:00:00.123456+00:00', '1969-12-31 23:59:59', '😀 таблица', true, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'ab ', Buffer.from([0, 1, 0, 255]), 'x'.repeat(1024 * 1024), Buffer.from([0, 0])],
  [2n, '-9223372036854775808', '-0.0000000001', '9999-12-31 23:59:59.999999', '0001-01-01 00:00:00+00:00', '9999-12-31 00:00:00', '', false, '00000000-0000-0000-0000-000000000000', 'abc', Buffer.alloc(0), '', Buffer.alloc(0)],
  [3n, null, null, null, null, null, null, null, null, null, null, null, null],
];
const filler = (id: bigint, note: string): NeutralValue[] => [id, String(id * 1000n), `${id}.5`, '2000-01-01 00:00:00', '2000-01-01 00:00:00+00:00', '2000-01-01 00:00:00', note, id % 2n === 0n, null, 'xyz', Buffer.from([Number(id % 256n)]), note, null];
const ALL_ROWS = [...EDGE_ROWS, ...Array.from({ length: 97 }, (_, i) => filler(BigInt(i + 4), `row ${i + 4}`))];
/** What Oracle gives back: empty strings and byte strings as NULL. */
const EXPECTED = ALL_ROWS.map((r) => r.map((v) => (v === '' || (Buffer.isBuffer(v) && v.length === 0) ? null : v)));

async function* batchesOf(rows: NeutralValue[][], size = 25): AsyncGenerator<RowBatch> {
  for (let i = 0; i < rows.length; i += size) yield { columns: COLUMNS, rows: rows.slice(i, i + size) };
}

async function readAll(data: DataPlane, table: TableRef, columns: NeutralColumn[], range?: { lower?: NeutralValue[]; upper?: NeutralValue[] }): Promise<NeutralValue[][]> {
  const out: NeutralValue[][] = [];
  for await (const batch of data.reader.read({ table, columns, keyColumns: ['id'], range, batchSize: 7 })) out.push(...batch.rows);
  return out;
}

const texts = (columns: NeutralColumn[], rows: NeutralValue[][]): string[] => rows.map((r) => rowText(columns.map((c) => c.type), r));

describe('Oracle data plane on a live server', () => {
  if (!url) {
    it('is skipped without ORACLE_URL', () => {
      console.log('skipped: ORACLE_URL not set — the Oracle data-plane round trip needs a server (e.g. oracle://system:pw@127.0.0.1:1521/FREEPDB1)');
    });
    return;
  }
  const base: ResolvedConnectionSpec = { dialect: 'oracle', ...parseConnectionUrl('oracle', url) };
  const spec: ResolvedConnectionSpec = { ...base, address: base.host };
  const suffix = randomBytes(4).toString('hex');
  const owner = (spec.username ?? '').toUpperCase();
  const torture: TableRef = { schema: owner, name: `torture таблица ${suffix}` };
  const copy: TableRef = { schema: owner, name: `order_${suffix}` };
  let session: DialectSession;
  let data: DataPlane;
  let columns: NeutralColumn[];

  beforeAll(async () => {
    session = await dialect.connect(spec, { timeoutMs: 15000 });
    if (!session.data) throw new Error('the Oracle session has no data plane');
    data = session.data;
    for (const table of [torture, copy]) {
      await data.execute(data.ddl.createTable(table, { columns: COLUMNS, primaryKey: ['id'], indexes: [{ name: `ix_${table.name}`, columns: ['big'], unique: false }] }).statements);
    }
  });

  afterAll(async () => {
    for (const table of [torture, copy]) await data.execute([`DROP TABLE ${data.ddl.qualify(table)} PURGE`]).catch(() => undefined);
    await session.close();
  });

  it('describes the created table', async () => {
    const described = await data.introspector.describeTable(torture);
    expect(described?.primaryKey).toEqual(['id']);
    expect(described?.indexes).toEqual([{ name: `ix_${torture.name}`, columns: ['big'], unique: false }]);
    columns = described?.columns ?? [];
    expect(columns.map((c) => c.name)).toEqual(COLUMNS.map((c) => c.name));
    // As documented in docs/type-mapping.md: int64 is NUMBER(19) (decimal(19,0)), bool NUMBER(1)
    // (int16), uuid VARCHAR2(36), binary(16) RAW(16) (fixed).
    const documented: Record<string, NeutralColumn['type']> = {
      id: { kind: 'decimal', precision: 19, scale: 0 },
      flag: { kind: 'int16' },
      uid: { kind: 'string', length: 36 },
      bin: { kind: 'binary', length: 16, fixed: true },
    };
    const asCreated = COLUMNS.map((c) => documented[c.name] ?? c.type);
    for (const [i, c] of columns.entries()) expect([c.name, sameType(c.type, asCreated[i])]).toEqual([c.name, true]);
    expect(await data.introspector.listSchemas()).toContain(owner);
  });

  it("upserts the torture rows, reports '' written as NULL, reads them back value for value", async () => {
    const result = await data.writer.write({ table: torture, columns: COLUMNS, keyColumns: ['id'], mode: 'upsert' }, batchesOf(ALL_ROWS));
    expect(result.rowsWritten).toBe(ALL_ROWS.length);
    expect(result.warnings).toEqual(
      ['name with space', 'bin', 'txt', 'blob'].map((column) => ({ column, kind: 'empty-as-null', count: 1 })),
    );
    const back = await readAll(data, torture, COLUMNS);
    expect(texts(COLUMNS, back)).toEqual(texts(COLUMNS, EXPECTED));
    expect(back[0][2]).toBe('1234567890123456789012345678.0123456789');
    expect(back[0][4]).toBe('2020-06-01 12:00:00.123456+00:00');
    expect((back[0][11] as string).length).toBe(1024 * 1024);
  });

  it('upserts again without duplicating', async () => {
    const changed = ALL_ROWS.slice(3, 10).map((r) => [...r.slice(0, 6), 'changed', ...r.slice(7)]);
    await data.writer.write({ table: torture, columns: COLUMNS, keyColumns: ['id'], mode: 'upsert' }, batchesOf(changed));
    const back = await readAll(data, torture, COLUMNS);
    expect(back).toHaveLength(ALL_ROWS.length);
    expect(back.filter((r) => r[6] === 'changed')).toHaveLength(7);
  });

  it('splits into ranges that together read every row once, with key bounds', async () => {
    expect(await data.reader.keyBounds(torture, [COLUMNS[0]])).toEqual({ min: [1n], max: [100n] });
    const ranges = await data.reader.splitRanges(torture, [COLUMNS[0]], 4);
    expect(ranges).toHaveLength(4);
    const ids: NeutralValue[] = [];
    for (const range of ranges) for (const row of await readAll(data, torture, [COLUMNS[0]], range)) ids.push(row[0]);
    expect(ids).toEqual(ALL_ROWS.map((r) => r[0]));
  });

  it('inserts, then replaces a range in one transaction', async () => {
    await data.writer.write({ table: copy, columns: COLUMNS, keyColumns: ['id'], mode: 'insert' }, batchesOf(ALL_ROWS));
    const replacement = ALL_ROWS.filter((r) => (r[0] as bigint) > 10n && (r[0] as bigint) <= 30n).map((r) => [...r.slice(0, 6), 'replaced', ...r.slice(7)]);
    const result = await data.writer.write({ table: copy, columns: COLUMNS, keyColumns: ['id'], mode: 'replace-range', range: { lower: [10n], upper: [50n] } }, batchesOf(replacement));
    expect(result.rowsWritten).toBe(20);
    const back = await readAll(data, copy, COLUMNS);
    expect(back).toHaveLength(ALL_ROWS.length - 20);
    expect(back.filter((r) => r[6] === 'replaced')).toHaveLength(20);
  });

  it('checksums in SQL (short columns) and in the worker (LOBs) exactly as the reference', async () => {
    const inSql = COLUMNS.slice(0, 11);
    for (const cols of [inSql, COLUMNS]) {
      for (const range of [undefined, { lower: [2n], upper: [60n] }]) {
        const rows = await readAll(data, torture, cols, range);
        const acc = new ChecksumAccumulator(cols.map((c) => c.type));
        for (const row of rows) acc.add(row);
        expect(await data.checksummer.checksum({ table: torture, columns: cols, keyColumns: ['id'], range })).toEqual({ rows: acc.rows, hash: acc.hash });
      }
    }
  });

  it('refuses a 130-byte name before any DDL', () => {
    expect(() => data.ddl.createTable({ schema: owner, name: 'б'.repeat(65) }, { columns: COLUMNS, primaryKey: ['id'], indexes: [] })).toThrow(/130 bytes/);
  });
});
