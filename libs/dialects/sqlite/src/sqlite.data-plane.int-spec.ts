import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from 'sqlite3';
import {
  ChecksumAccumulator,
  type DataPlane,
  DbError,
  type DialectSession,
  type KeyRange,
  type NeutralColumn,
  type NeutralValue,
  type RowBatch,
  type TableRef,
  type TableSchema,
} from '@dbferry/dialects-core';
import { SqliteDialect } from './sqlite.dialect';

const dialect = new SqliteDialect();

const col = (name: string, type: NeutralColumn['type'], nullable = true): NeutralColumn => ({ name, type, nativeType: '', nullable });

const TORTURE_COLUMNS: NeutralColumn[] = [
  col('id', { kind: 'int64' }, false),
  col('i64', { kind: 'int64' }),
  col('u64', { kind: 'uint64' }),
  col('i32', { kind: 'int32' }),
  col('i16', { kind: 'int16' }),
  col('u32', { kind: 'uint32' }),
  col('dec', { kind: 'decimal', precision: 38, scale: 10 }),
  col('dec12', { kind: 'decimal', precision: 12, scale: 2 }),
  col('f64', { kind: 'float64' }),
  col('f32', { kind: 'float32' }),
  col('flag', { kind: 'bool' }),
  col('s', { kind: 'string', length: 100 }),
  col('c', { kind: 'char', length: 3 }),
  col('txt', { kind: 'text' }),
  col('uid', { kind: 'uuid' }),
  col('js', { kind: 'json' }),
  col('bin', { kind: 'binary', length: 8, fixed: true }),
  col('bl', { kind: 'blob' }),
  col('d', { kind: 'date' }),
  col('tm', { kind: 'time', precision: 6 }),
  col('ts', { kind: 'timestamp', precision: 6 }),
  col('tstz', { kind: 'timestamptz', precision: 6 }),
  col('e', { kind: 'enum', values: ['small', "it's", 'a,b'] }),
  col('arr', { kind: 'array', of: { kind: 'int64' } }),
  col('iv', { kind: 'interval' }),
];

const MEGABYTE_TEXT = '🦀'.repeat(262_144);

/** One row per edge: the row's id is its first value. */
const TORTURE_ROWS: NeutralValue[][] = [
  [
    -9223372036854775808n, -9223372036854775808n, 0n, -2147483648, -32768, 0,
    '-9999999999999999999999999999.9999999999', '-9999999999.99', -1.7976931348623157e308, -3.4028234663852886e38, false,
    '', 'ab ', '', '00000000-0000-0000-0000-000000000000', '{"k":"ключ 🦀","n":[1,2.5,null]}',
    Buffer.alloc(8), Buffer.alloc(0), '0001-01-01', '00:00:00', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00:00',
    'small', [], 'P0D',
  ],
  [
    -1n, -1n, 1n, -1, -1, 1, '-0.0000000001', '-0.01', -0.5, -0.25, true,
    'a"b \' ` ] таблица', 'xyz', 'line\nbreak\ttab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '[]',
    Buffer.from([1, 0, 2, 0, 3, 0, 4, 0]), Buffer.from([0]), '1969-07-20', '20:17:40.000001', '1969-07-20 20:17:40.000001',
    '1969-07-20 20:17:40.000001+00:00', "it's", [null], 'P1Y2M3DT4H5M6.5S',
  ],
  [0n, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [
    9007199254740993n, 9007199254740993n, 9007199254740993n, 2147483647, 32767, 4294967295,
    '12345678901234567890123456.7890123456', '0.10', 0.1, 1.5, true,
    '🦀🎉 naïve', 'a  ', '', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '{"emoji":"😀","nested":{"a":[true,false]}}',
    Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0xff]), Buffer.from('00ff00', 'hex'), '2000-02-29', '12:00:00.5', '2000-02-29 12:00:00.5',
    '2000-02-29 12:00:00.5+00:00', 'a,b', [1n, -2n], 'PT0.000001S',
  ],
  [
    9223372036854775807n, 9223372036854775807n, 18446744073709551615n, 2147483647, 32767, 4294967295,
    '9999999999999999999999999999.9999999999', '9999999999.99', Number.POSITIVE_INFINITY, 3.4028234663852886e38, true,
    'z', 'zzz', MEGABYTE_TEXT, '12345678-9abc-def0-1234-56789abcdef0', '"just a string ☃"',
    Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), Buffer.from([0, 0, 0]), '9999-12-31', '23:59:59.999999', '9999-12-31 23:59:59.999999',
    '9999-12-31 23:59:59.999999+00:00', 'small', [9223372036854775807n, null, -9223372036854775808n], 'P-1D',
  ],
];

async function collect(stream: AsyncIterable<RowBatch>): Promise<{ rows: NeutralValue[][]; batches: number[] }> {
  const rows: NeutralValue[][] = [];
  const batches: number[] = [];
  for await (const batch of stream) {
    rows.push(...batch.rows);
    batches.push(batch.rows.length);
  }
  return { rows, batches };
}

async function* batchesOf(rows: NeutralValue[][], columns: NeutralColumn[], size = 2): AsyncIterable<RowBatch> {
  for (let i = 0; i < rows.length; i += size) yield { columns, rows: rows.slice(i, i + size) };
}

function checksumOf(columns: NeutralColumn[], rows: NeutralValue[][]): { rows: number; hash: string } {
  const acc = new ChecksumAccumulator(columns.map((c) => c.type));
  for (const row of rows) acc.add(row);
  return { rows: acc.rows, hash: acc.hash };
}

function rawAll<T>(file: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new Database(file);
    db.all<T>(sql, (error, rows) => db.close(() => (error ? reject(error) : resolve(rows))));
  });
}

describe('SQLite data plane on real files', () => {
  let root: string;
  let file: string;
  let session: DialectSession;
  let data: DataPlane;
  const torture: TableRef = { schema: 'main', name: 'torture "all" таблица' };
  let described: TableSchema;

  const open = (path: string) => dialect.connect({ dialect: 'sqlite', database: path, options: { create: true } }, { timeoutMs: 5000 });
  const readAll = (table: TableRef, columns: NeutralColumn[], range?: KeyRange, batchSize = 2) =>
    collect(data.reader.read({ table, columns, keyColumns: ['id'], range, batchSize }));
  const createLike = async (name: string): Promise<TableRef> => {
    const target = { schema: 'main', name };
    // Index names are per schema in SQLite, so each copy names its own.
    const indexes = described.indexes.map((i) => ({ ...i, name: `${name} ${i.name}` }));
    await data.execute(data.ddl.createTable(target, { ...described, indexes }).statements);
    return target;
  };

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'dbferry-sqlite-dp-')));
    file = join(root, 'source.db');
    session = await open(file);
    if (!session.data) throw new Error('the SQLite session has no data plane');
    data = session.data;
    const plan = data.ddl.createTable(torture, { columns: TORTURE_COLUMNS, primaryKey: ['id'], indexes: [{ name: 'torture by ts', columns: ['ts', 'e'], unique: false }] });
    expect(plan.losses).toEqual([]);
    await data.execute(plan.statements);
    const result = await data.writer.write({ table: torture, columns: TORTURE_COLUMNS, keyColumns: ['id'], mode: 'insert' }, batchesOf(TORTURE_ROWS, TORTURE_COLUMNS));
    expect(result).toEqual({ rowsWritten: TORTURE_ROWS.length, warnings: [] });
    const schema = await data.introspector.describeTable(torture);
    if (!schema) throw new Error('torture table not found');
    described = schema;
  });

  afterAll(async () => {
    await session?.close();
    await rm(root, { recursive: true, force: true });
  });

  describe('introspection', () => {
    it('lists main as the only schema', async () => {
      expect(await data.introspector.listSchemas()).toEqual(['main']);
    });

    it('brings every neutral type back exactly as created, with key, index and count', () => {
      expect(described.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }))).toEqual(
        TORTURE_COLUMNS.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })),
      );
      expect(described.columns.find((c) => c.name === 'dec')?.nativeType).toBe('DECIMAL_TEXT(38,10)');
      expect(described.primaryKey).toEqual(['id']);
      expect(described.indexes).toEqual([{ name: 'torture by ts', columns: ['ts', 'e'], unique: false }]);
      expect(described.rowEstimate).toBe(TORTURE_ROWS.length);
    });

    it('returns null for a missing table', async () => {
      expect(await data.introspector.describeTable({ schema: 'main', name: 'nope' })).toBeNull();
    });

    it('reads hand-written tables: rowid alias, WITHOUT ROWID keys, UNIQUE, skipped partial/expression indexes and generated columns', async () => {
      await data.execute([
        `CREATE TABLE auto (id INTEGER PRIMARY KEY AUTOINCREMENT, size TEXT NOT NULL DEFAULT 'm' CHECK (size IN ('s', 'm', 'l')), code TEXT UNIQUE,
           twice INT GENERATED ALWAYS AS (id * 2) VIRTUAL)`,
        'CREATE INDEX auto_partial ON auto (code) WHERE code IS NOT NULL',
        'CREATE INDEX auto_expr ON auto (lower(code))',
        'CREATE UNIQUE INDEX "auto size" ON auto (size, code)',
        'CREATE TABLE pair (b TEXT NOT NULL, a BIGINT NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID',
      ]);
      const auto = await data.introspector.describeTable({ schema: 'main', name: 'auto' });
      expect(auto?.columns).toEqual([
        { name: 'id', type: { kind: 'int64' }, nativeType: 'INTEGER', nullable: false, default: null, identity: true },
        { name: 'size', type: { kind: 'text' }, nativeType: 'TEXT', nullable: false, default: "'m'" },
        { name: 'code', type: { kind: 'text' }, nativeType: 'TEXT', nullable: true, default: null },
      ]);
      expect(auto?.indexes).toEqual([
        { name: 'auto size', columns: ['size', 'code'], unique: true },
        { name: 'auto_code_key', columns: ['code'], unique: true },
      ]);
      const pair = await data.introspector.describeTable({ schema: 'main', name: 'pair' });
      expect(pair?.primaryKey).toEqual(['a', 'b']);
      expect(pair?.columns.map((c) => c.identity)).toEqual([undefined, undefined]);
      expect(pair?.indexes).toEqual([]);
    });
  });

  describe('values', () => {
    it('reads every edge value back exactly', async () => {
      const { rows } = await readAll(torture, TORTURE_COLUMNS);
      expect(rows).toHaveLength(TORTURE_ROWS.length);
      rows.forEach((row, i) => {
        TORTURE_COLUMNS.forEach((c, j) => expect({ column: c.name, value: row[j] }).toEqual({ column: c.name, value: TORTURE_ROWS[i][j] }));
      });
    });

    it('stores 64-bit integers as INTEGER, every decimal and uint64 as TEXT, binary as BLOB', async () => {
      const rows = await rawAll<Record<string, string>>(
        file,
        `SELECT typeof(id) AS id, typeof(i64) AS i64, typeof(u64) AS u64, typeof(dec) AS dec, typeof(dec12) AS dec12, typeof(bl) AS bl, typeof(flag) AS flag
         FROM "torture ""all"" таблица" WHERE id = 9223372036854775807`,
      );
      expect(rows).toEqual([{ id: 'integer', i64: 'integer', u64: 'text', dec: 'text', dec12: 'text', bl: 'blob', flag: 'integer' }]);
    });

    it('keeps a DECIMAL(12,2) at its scale in the file itself: 0.10 is the text 0.10, not the REAL 0.1', async () => {
      expect(described.columns.find((c) => c.name === 'dec12')?.nativeType).toBe('DECIMAL_TEXT(12,2)');
      const rows = await rawAll<Record<string, unknown>>(file, `SELECT dec12 FROM "torture ""all"" таблица" WHERE dec12 IS NOT NULL ORDER BY id`);
      expect(rows.map((r) => r.dec12)).toEqual(['-9999999999.99', '-0.01', '0.10', '9999999999.99']);
    });

    it('reports NaN stored as NULL as a warning', async () => {
      const columns = [col('id', { kind: 'int64' }, false), col('f', { kind: 'float64' })];
      const target = { schema: 'main', name: 'nan' };
      await data.execute(data.ddl.createTable(target, { columns, primaryKey: ['id'], indexes: [] }).statements);
      const result = await data.writer.write({ table: target, columns, keyColumns: ['id'], mode: 'insert' }, batchesOf([[1n, Number.NaN]], columns));
      expect(result.warnings).toEqual([{ column: 'f', kind: 'nan-as-null', count: 1 }]);
      expect((await readAll(target, columns)).rows).toEqual([[1n, null]]);
    });
  });

  describe('ranges', () => {
    it('keyBounds gives the smallest and largest key', async () => {
      expect(await data.reader.keyBounds(torture, [described.columns[0]])).toEqual({ min: [-9223372036854775808n], max: [9223372036854775807n] });
      expect(await data.reader.keyBounds(torture, [described.columns[0]], 'id > 0 AND id < 100')).toBeNull();
    });

    it('splits into 3 ranges that cover every row exactly once', async () => {
      const ranges = await data.reader.splitRanges(torture, [described.columns[0]], 3);
      expect(ranges).toHaveLength(3);
      expect(ranges[0].lower).toBeUndefined();
      expect(ranges[2].upper).toBeUndefined();
      const seen: NeutralValue[] = [];
      const sizes: number[] = [];
      for (const range of ranges) {
        const { rows } = await readAll(torture, TORTURE_COLUMNS, range);
        sizes.push(rows.length);
        seen.push(...rows.map((r) => r[0]));
      }
      expect(seen).toEqual(TORTURE_ROWS.map((r) => r[0]));
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    });

    it('reads without a key by stepping one statement, in batches, with a filter', async () => {
      const read = await collect(data.reader.read({ table: torture, columns: TORTURE_COLUMNS, keyColumns: [], where: '"id" <> 0', batchSize: 2 }));
      expect(read.batches).toEqual([2, 2]);
      const byId = (a: NeutralValue[], b: NeutralValue[]) => ((a[0] as bigint) < (b[0] as bigint) ? -1 : 1);
      expect([...read.rows].sort(byId)).toEqual(TORTURE_ROWS.filter((r) => r[0] !== 0n));
    });

    it('reads a range with composite row-value bounds and a filter', async () => {
      const columns = [col('a', { kind: 'int64' }, false), col('b', { kind: 'string' }, false)];
      const target = { schema: 'main', name: 'composite' };
      await data.execute(data.ddl.createTable(target, { columns, primaryKey: ['a', 'b'], indexes: [] }).statements);
      const rows: NeutralValue[][] = [];
      for (const a of [1n, 2n, 3n]) for (const b of ['x', 'y', 'z']) rows.push([a, b]);
      await data.writer.write({ table: target, columns, keyColumns: ['a', 'b'], mode: 'insert' }, batchesOf(rows, columns, 4));
      const read = await collect(
        data.reader.read({ table: target, columns, keyColumns: ['a', 'b'], range: { lower: [1n, 'y'], upper: [3n, 'x'] }, where: `"b" <> 'z'`, batchSize: 2 }),
      );
      // (1, 'y') is the exclusive lower bound, (1, 'z') and (2, 'z') are filtered out.
      expect(read.rows).toEqual([[2n, 'x'], [2n, 'y'], [3n, 'x']]);
      expect(read.batches).toEqual([2, 1]);
      const thirds = await data.reader.splitRanges(target, columns, 3);
      expect(thirds).toEqual([{ upper: [1n, 'z'] }, { lower: [1n, 'z'], upper: [2n, 'z'] }, { lower: [2n, 'z'] }]);
    });
  });

  describe('writing in each mode', () => {
    it('insert copies every value exactly into a table created by the DdlBuilder', async () => {
      const target = await createLike('copy insert');
      const source = await readAll(torture, described.columns);
      const result = await data.writer.write({ table: target, columns: described.columns, keyColumns: ['id'], mode: 'insert' }, batchesOf(source.rows, described.columns));
      expect(result.rowsWritten).toBe(TORTURE_ROWS.length);
      expect((await readAll(target, described.columns)).rows).toEqual(TORTURE_ROWS);
      expect((await data.introspector.describeTable(target))?.columns.map((c) => c.type)).toEqual(TORTURE_COLUMNS.map((c) => c.type));
    });

    it('upsert twice is idempotent and updates changed rows', async () => {
      const target = await createLike('copy upsert');
      const request = { table: target, columns: described.columns, keyColumns: ['id'], mode: 'upsert' as const };
      const changed = TORTURE_ROWS.map((r) => [r[0], ...r.slice(1).map(() => null)]);
      await data.writer.write(request, batchesOf(changed, described.columns));
      await data.writer.write(request, batchesOf(TORTURE_ROWS, described.columns));
      await data.writer.write(request, batchesOf(TORTURE_ROWS, described.columns, 3));
      expect((await readAll(target, described.columns)).rows).toEqual(TORTURE_ROWS);
    });

    it('replace-range deletes the range and inserts it in one transaction, leaving other rows alone', async () => {
      const target = await createLike('copy replace');
      const columns = described.columns;
      const stale = TORTURE_ROWS.map((r) => [r[0], 42n, ...r.slice(2)]);
      await data.writer.write({ table: target, columns, keyColumns: ['id'], mode: 'insert' }, batchesOf([...stale, [5n, ...stale[2].slice(1)]], columns));
      const range: KeyRange = { lower: [-1n], upper: [9007199254740993n] };
      const inRange = TORTURE_ROWS.filter((r) => (r[0] as bigint) > -1n && (r[0] as bigint) <= 9007199254740993n);
      const result = await data.writer.write({ table: target, columns, keyColumns: ['id'], mode: 'replace-range', range }, batchesOf(inRange, columns));
      expect(result.rowsWritten).toBe(2);
      const ids = (await readAll(target, columns)).rows.map((r) => [r[0], r[1]]);
      expect(ids).toEqual([
        [-9223372036854775808n, 42n],
        [-1n, 42n],
        [0n, null],
        [9007199254740993n, 9007199254740993n],
        [9223372036854775807n, 42n],
      ]);
    });

    it('rolls the whole write back on a constraint error', async () => {
      const target = await createLike('copy rollback');
      const columns = described.columns;
      const error = await data.writer
        .write({ table: target, columns, keyColumns: ['id'], mode: 'insert' }, batchesOf([...TORTURE_ROWS, TORTURE_ROWS[0]], columns))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DbError);
      expect((error as DbError).code).toBe('constraint');
      expect((await readAll(target, columns)).rows).toEqual([]);
      // The connection is usable afterwards: no transaction was left open.
      await data.writer.write({ table: target, columns, keyColumns: ['id'], mode: 'insert' }, batchesOf(TORTURE_ROWS.slice(0, 1), columns));
      expect((await readAll(target, columns)).rows).toHaveLength(1);
    });

    it('stops and rolls back when the signal aborts', async () => {
      const target = await createLike('copy abort');
      const columns = described.columns;
      const controller = new AbortController();
      async function* aborting(): AsyncIterable<RowBatch> {
        yield { columns, rows: TORTURE_ROWS.slice(0, 2) };
        controller.abort();
        yield { columns, rows: TORTURE_ROWS.slice(2) };
      }
      await expect(data.writer.write({ table: target, columns, keyColumns: ['id'], mode: 'insert', signal: controller.signal }, aborting())).rejects.toThrow();
      expect((await readAll(target, columns)).rows).toEqual([]);
    });
  });

  describe('checksum', () => {
    it('equals ChecksumAccumulator over the same rows, for the table and for a range', async () => {
      const whole = await data.checksummer.checksum({ table: torture, columns: described.columns, keyColumns: ['id'] });
      expect(whole).toEqual(checksumOf(TORTURE_COLUMNS, TORTURE_ROWS));
      const range: KeyRange = { lower: [-1n], upper: [9223372036854775807n] };
      const part = await data.checksummer.checksum({ table: torture, columns: described.columns, keyColumns: ['id'], range });
      expect(part).toEqual(checksumOf(TORTURE_COLUMNS, TORTURE_ROWS.slice(2)));
      expect(part.hash).not.toBe(whole.hash);
    });

    it('matches between a source and its copy and changes when one value changes', async () => {
      const target = await createLike('copy checksum');
      const request = { table: target, columns: described.columns, keyColumns: ['id'] };
      await data.writer.write({ ...request, mode: 'insert' }, batchesOf(TORTURE_ROWS, described.columns));
      const source = await data.checksummer.checksum({ ...request, table: torture });
      expect(await data.checksummer.checksum(request)).toEqual(source);
      await data.execute([`UPDATE ${data.ddl.qualify(target)} SET "tm" = '23:59:59.999998' WHERE "id" = 9223372036854775807`]);
      expect((await data.checksummer.checksum(request)).hash).not.toBe(source.hash);
    });
  });

  it('streams 200k rows reader → writer into a second file in batches of 5000', async () => {
    const columns = [
      col('id', { kind: 'int64' }, false),
      col('v', { kind: 'string', length: 40 }),
      col('n', { kind: 'decimal', precision: 20, scale: 4 }),
      col('ts', { kind: 'timestamp', precision: 6 }),
    ];
    const big: TableRef = { schema: 'main', name: 'big' };
    const schema = { columns, primaryKey: ['id'], indexes: [] };
    await data.execute([
      ...data.ddl.createTable(big, schema).statements,
      `WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 200000)
       INSERT INTO "main"."big" SELECT i * 46116860184 - 4611686018427387904, 'row ' || i, (i * 7) || '.' || printf('%04d', i % 10000),
         printf('2024-01-01 00:00:%02d.%06d', i % 60, i % 1000000) FROM g`,
    ]);
    const second = await open(join(root, 'target.db'));
    try {
      const target = second.data;
      if (!target) throw new Error('no data plane');
      await target.execute(target.ddl.createTable(big, schema).statements);
      const sizes: number[] = [];
      async function* counted(): AsyncIterable<RowBatch> {
        for await (const batch of data.reader.read({ table: big, columns, keyColumns: ['id'], batchSize: 5000 })) {
          sizes.push(batch.rows.length);
          yield batch;
        }
      }
      const result = await target.writer.write({ table: big, columns, keyColumns: ['id'], mode: 'insert' }, counted());
      expect(result.rowsWritten).toBe(200_000);
      expect(sizes).toEqual(Array(40).fill(5000));
      const request = { table: big, columns, keyColumns: ['id'] };
      const [a, b] = [await data.checksummer.checksum(request), await target.checksummer.checksum(request)];
      expect(b).toEqual(a);
      expect(a.rows).toBe(200_000);
      const ranges = await target.reader.splitRanges(big, [columns[0]], 3);
      const counts = await Promise.all(ranges.map(async (range) => (await target.checksummer.checksum({ ...request, range })).rows));
      expect(counts).toEqual([66_667, 66_667, 66_666]);
    } finally {
      await second.close();
    }
  }, 120_000);
});
