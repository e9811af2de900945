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
import { MssqlDialect } from './mssql.dialect';

const url = process.env.MSSQL_URL;
const dialect = new MssqlDialect();

const col = (name: string, type: NeutralColumn['type'], nullable = true): NeutralColumn => ({ name, type, nativeType: '', nullable });

/** The torture table: every edge value the data plane must carry losslessly. */
const COLUMNS: NeutralColumn[] = [
  col('id', { kind: 'int64' }, false),
  col('big', { kind: 'int64' }),
  col('dec', { kind: 'decimal', precision: 38, scale: 10 }),
  col('ts', { kind: 'timestamp', precision: 7 }),
  col('tz', { kind: 'timestamptz', precision: 7 }),
  col('day', { kind: 'date' }),
  col('at', { kind: 'time', precision: 6 }),
  col('txt', { kind: 'text' }),
  col('name with space', { kind: 'string', length: 50 }),
  col('bin', { kind: 'blob' }),
  col('flag', { kind: 'bool' }),
  col('uid', { kind: 'uuid' }),
  col('a]b', { kind: 'char', length: 3 }),
];
const EDGE_ROWS: NeutralValue[][] = [
  [1n, 9223372036854775807n, '1234567890123456789012345678.0123456789', '1901-01-01 00:00:00.1234567', '2020-06-01 12:00:00.1234567+00:00', '1969-12-31', '23:59:59.999999', 'x'.repeat(1024 * 1024), '😀 таблица', Buffer.from([0, 1, 0, 255]), true, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'ab '],
  [2n, -9223372036854775808n, '-0.0000000001', '9999-12-31 23:59:59.9999999', '0001-01-01 00:00:00+00:00', '9999-12-31', '00:00:00', '', '', Buffer.alloc(0), false, '00000000-0000-0000-0000-000000000000', 'abc'],
  [3n, null, null, null, null, null, null, null, null, null, null, null, null],
];
const filler = (id: bigint, note: string): NeutralValue[] => [id, id * 1000n, `${id}.5`, '2000-01-01 00:00:00', '2000-01-01 00:00:00+00:00', '2000-01-01', '12:00:00', note, note, Buffer.from([Number(id % 256n)]), id % 2n === 0n, null, 'xyz'];
const ALL_ROWS = [...EDGE_ROWS, ...Array.from({ length: 97 }, (_, i) => filler(BigInt(i + 4), `row ${i + 4}`))];

async function* batchesOf(rows: NeutralValue[][], size = 25): AsyncGenerator<RowBatch> {
  for (let i = 0; i < rows.length; i += size) yield { columns: COLUMNS, rows: rows.slice(i, i + size) };
}

async function readAll(data: DataPlane, table: TableRef, columns: NeutralColumn[], range?: { lower?: NeutralValue[]; upper?: NeutralValue[] }): Promise<NeutralValue[][]> {
  const out: NeutralValue[][] = [];
  for await (const batch of data.reader.read({ table, columns, keyColumns: ['id'], range, batchSize: 7 })) out.push(...batch.rows);
  return out;
}

const texts = (columns: NeutralColumn[], rows: NeutralValue[][]): string[] => rows.map((r) => rowText(columns.map((c) => c.type), r));

describe('SQL Server data plane on a live server', () => {
  if (!url) {
    it('is skipped without MSSQL_URL', () => {
      console.log('skipped: MSSQL_URL not set — the SQL Server data-plane round trip needs a server (e.g. mssql://sa:pw@127.0.0.1:1433/master?trustServerCertificate=true)');
    });
    return;
  }
  const base: ResolvedConnectionSpec = { dialect: 'mssql', ...parseConnectionUrl('mssql', url) };
  const spec: ResolvedConnectionSpec = { ...base, address: base.host };
  const schema = `dbferry_dp_${randomBytes(4).toString('hex')}`;
  const torture: TableRef = { schema, name: 'torture таблица' };
  const copy: TableRef = { schema, name: 'order' };
  let session: DialectSession;
  let data: DataPlane;
  let columns: NeutralColumn[];

  beforeAll(async () => {
    session = await dialect.connect(spec, { timeoutMs: 15000 });
    if (!session.data) throw new Error('the SQL Server session has no data plane');
    data = session.data;
    await data.execute([`CREATE SCHEMA ${dialect.quoteIdentifier(schema)}`]);
    for (const table of [torture, copy]) {
      await data.execute(data.ddl.createTable(table, { columns: COLUMNS, primaryKey: ['id'], indexes: [{ name: `ix_${table.name}`, columns: ['big'], unique: false }] }).statements);
    }
  });

  afterAll(async () => {
    await data.execute([`DROP TABLE IF EXISTS ${data.ddl.qualify(torture)}`, `DROP TABLE IF EXISTS ${data.ddl.qualify(copy)}`, `DROP SCHEMA IF EXISTS ${dialect.quoteIdentifier(schema)}`]);
    await session.close();
  });

  it('describes the created table with the neutral types it was made from', async () => {
    const described = await data.introspector.describeTable(torture);
    expect(described?.primaryKey).toEqual(['id']);
    expect(described?.indexes).toEqual([{ name: `ix_${torture.name}`, columns: ['big'], unique: false }]);
    columns = described?.columns ?? [];
    expect(columns.map((c) => c.name)).toEqual(COLUMNS.map((c) => c.name));
    for (const [i, c] of columns.entries()) expect([c.name, sameType(c.type, COLUMNS[i].type)]).toEqual([c.name, true]);
    expect(await data.introspector.listSchemas()).toContain(schema);
    expect(await data.introspector.describeTable({ schema, name: 'missing' })).toBeNull();
  });

  it('upserts the torture rows and reads them back value for value', async () => {
    const result = await data.writer.write({ table: torture, columns, keyColumns: ['id'], mode: 'upsert' }, batchesOf(ALL_ROWS));
    expect(result.rowsWritten).toBe(ALL_ROWS.length);
    const back = await readAll(data, torture, columns);
    expect(texts(columns, back)).toEqual(texts(columns, ALL_ROWS));
    expect(back[0][1]).toBe(9223372036854775807n);
    expect(back[0][2]).toBe('1234567890123456789012345678.0123456789');
    expect(back[0][3]).toBe('1901-01-01 00:00:00.1234567');
    expect(back[1][7]).toBe('');
    expect(back[2][7]).toBeNull();
    expect((back[0][7] as string).length).toBe(1024 * 1024);
  });

  it('upserts again: changed rows are updated, none duplicated', async () => {
    const changed = ALL_ROWS.slice(3, 10).map((r) => [...r.slice(0, 7), 'changed', ...r.slice(8)]);
    await data.writer.write({ table: torture, columns, keyColumns: ['id'], mode: 'upsert' }, batchesOf(changed));
    const back = await readAll(data, torture, columns);
    expect(back).toHaveLength(ALL_ROWS.length);
    expect(back.filter((r) => r[7] === 'changed')).toHaveLength(7);
  });

  it('splits into ranges that together read every row once, with key bounds', async () => {
    const bounds = await data.reader.keyBounds(torture, [columns[0]]);
    expect(bounds).toEqual({ min: [1n], max: [100n] });
    const ranges = await data.reader.splitRanges(torture, [columns[0]], 4);
    expect(ranges).toHaveLength(4);
    const ids: NeutralValue[] = [];
    for (const range of ranges) for (const row of await readAll(data, torture, [columns[0]], range)) ids.push(row[0]);
    expect(ids).toEqual(ALL_ROWS.map((r) => r[0]));
  });

  it('inserts, then replaces a range in one transaction', async () => {
    await data.writer.write({ table: copy, columns, keyColumns: ['id'], mode: 'insert' }, batchesOf(ALL_ROWS));
    const range = { lower: [10n], upper: [50n] };
    const replacement = ALL_ROWS.filter((r) => (r[0] as bigint) > 10n && (r[0] as bigint) <= 30n).map((r) => [...r.slice(0, 7), 'replaced', ...r.slice(8)]);
    const result = await data.writer.write({ table: copy, columns, keyColumns: ['id'], mode: 'replace-range', range }, batchesOf(replacement));
    expect(result.rowsWritten).toBe(20);
    const back = await readAll(data, copy, columns);
    expect(back).toHaveLength(ALL_ROWS.length - 20);
    expect(back.filter((r) => r[7] === 'replaced')).toHaveLength(20);
    expect(back.some((r) => (r[0] as bigint) > 30n && (r[0] as bigint) <= 50n)).toBe(false);
  });

  it('checksums in SQL exactly as the reference accumulator, whole table and per range', async () => {
    for (const range of [undefined, { lower: [2n], upper: [60n] }]) {
      const rows = await readAll(data, torture, columns, range);
      const acc = new ChecksumAccumulator(columns.map((c) => c.type));
      for (const row of rows) acc.add(row);
      const sum = await data.checksummer.checksum({ table: torture, columns, keyColumns: ['id'], range });
      expect(sum).toEqual({ rows: acc.rows, hash: acc.hash });
    }
  });

  it('refuses a 129-character name before any DDL', () => {
    expect(() => data.ddl.createTable({ schema, name: 'x'.repeat(129) }, { columns: COLUMNS, primaryKey: ['id'], indexes: [] })).toThrow(/129 characters/);
  });
});
