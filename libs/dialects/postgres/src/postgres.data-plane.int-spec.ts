import { Client } from 'pg';
import {
  batchRowCount,
  ChecksumAccumulator,
  DbError,
  type DataPlane,
  type DialectSession,
  type NeutralType,
  type KeyRange,
  type NeutralColumn,
  type NeutralValue,
  parseConnectionUrl,
  READ_BATCH_BYTES,
  type ResolvedConnectionSpec,
  type ReadRequest,
  type RowBatch,
  type TableRef,
  type TableSchema,
  type ValueLoss,
} from '@dbferry/dialects-core';
import { createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { PostgresDialect } from './postgres.dialect';
import { buildChecksumSql } from './postgres.sql';
import type { PostgresWriteRequest } from './postgres.writer';

const dialect = new PostgresDialect();
const MEGABYTE_TEXT = 'x'.repeat(1024 * 1024 - 3) + '😀';
const TORTURE: TableRef = { schema: 'public', name: 'torture' };

/** The exact values the torture rows must read back as, whatever the process TZ. */
const EXPECTED: Record<number, Record<string, NeutralValue>> = {
  1: {
    i8: 9223372036854775807n,
    num: '9999999999999999999999999999.9999999999',
    ts: '0001-01-01 00:00:00',
    d: '1900-01-01',
    tstz: '2024-02-29 18:29:59.123456+00:00',
    t: 'emoji 😀 𝄞 и',
    b: Buffer.from([0, 1, 2, 0xff, 0]),
    j: '{"a": [1, 2.50], "ключ": "значение 😀"}',
    big: MEGABYTE_TEXT,
    u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    iv: 'P1Y2M3DT4H5M6.5S',
    arr: [1, null, -3],
    m: "it's",
    f8: 0.1,
    bo: true,
    c: 'a  ',
    tarr: ['a,b', '"q"', 'back\\slash', '', null, 'NULL'],
    tm: '23:59:59.999999',
  },
  2: {
    i8: -9223372036854775808n,
    num: '-9999999999999999999999999999.9999999999',
    ts: '9999-12-31 23:59:59.999999',
    d: '9999-12-31',
    tstz: '1969-12-31 23:59:59.999999+00:00',
    t: '',
    b: Buffer.alloc(0),
    j: 'null',
    big: 'tab\there\nnewline\\backslash\r\n\\N',
    u: '00000000-0000-0000-0000-000000000000',
    iv: 'P-1DT3H',
    arr: [],
    m: 'sad',
    f8: Number.NaN,
    bo: false,
    c: 'xyz',
    tarr: [],
    tm: '00:00:00',
  },
  3: {
    i8: null, num: null, ts: null, d: null, tstz: null, t: null, b: null, j: null, big: null,
    u: null, iv: null, arr: null, m: null, f8: null, bo: null, c: null, tarr: null, tm: null,
  },
  4: {
    i8: 0n,
    num: '0.0000000001',
    ts: '1970-01-01 00:00:00',
    d: '1969-07-20',
    tstz: '0001-01-01 00:00:00+00:00',
    t: 'line1\nline2',
    b: Buffer.from('\\N', 'latin1'),
    j: '{}',
    big: '\\',
    u: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    iv: 'PT0S',
    arr: [2147483647, -2147483648],
    m: 'ok',
    f8: Number.NEGATIVE_INFINITY,
    bo: true,
    c: '   ',
    tarr: ['😀'],
    tm: '12:00:00.5',
  },
};

const TORTURE_SQL = [
  `CREATE TYPE mood AS ENUM ('sad', 'ok', 'it''s')`,
  `CREATE TABLE torture (
    id int PRIMARY KEY, i8 bigint, num numeric(38,10), ts timestamp(6), d date, tstz timestamptz,
    t text, b bytea, j jsonb, big text, u uuid, iv interval, arr int[], m mood, f8 double precision,
    bo boolean, c char(3), tarr text[], tm time)`,
  `CREATE UNIQUE INDEX torture_u ON torture (u)`,
  `CREATE INDEX torture_d_i8 ON torture (d, i8)`,
  `INSERT INTO torture VALUES
    (1, 9223372036854775807, 9999999999999999999999999999.9999999999, '0001-01-01 00:00:00', '1900-01-01',
     '2024-02-29 23:59:59.123456+05:30', 'emoji 😀 𝄞 и', '\\x000102ff00', '{"ключ": "значение 😀", "a": [1, 2.50]}',
     repeat('x', 1048573) || '😀', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '1 year 2 months 3 days 04:05:06.5',
     '{1,NULL,-3}', 'it''s', 0.1, true, 'a', ARRAY['a,b', '"q"', 'back\\slash', '', NULL, 'NULL'], '23:59:59.999999'),
    (2, -9223372036854775808, -9999999999999999999999999999.9999999999, '9999-12-31 23:59:59.999999', '9999-12-31',
     '1969-12-31 23:59:59.999999+00', '', '\\x', 'null', E'tab\\there\\nnewline\\\\backslash\\r\\n\\\\N',
     '00000000-0000-0000-0000-000000000000', '-1 day +3 hours', '{}', 'sad', 'NaN', false, 'xyz', '{}', '00:00:00'),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (4, 0, 0.0000000001, '1970-01-01', '1969-07-20', '0001-01-01 00:00:00+00', E'line1\\nline2', '\\x5c4e', '{}', '\\',
     'ffffffff-ffff-ffff-ffff-ffffffffffff', '0', '{2147483647,-2147483648}', 'ok', '-Infinity', true, '', ARRAY['😀'], '12:00:00.5')`,
  `INSERT INTO torture (id, i8, t, u, m) SELECT g, g * 1000000000000, 'row ' || g, md5(g::text)::uuid, 'ok' FROM generate_series(5, 30) g`,
  `CREATE TABLE orders (tenant int NOT NULL, order_no bigint NOT NULL, note text, PRIMARY KEY (tenant, order_no))`,
  `INSERT INTO orders SELECT g % 5, g, 'n' || g FROM generate_series(1, 200) g`,
  `ANALYZE torture`,
];

async function collect(batches: AsyncIterable<RowBatch>): Promise<NeutralValue[][]> {
  const rows: NeutralValue[][] = [];
  for await (const batch of batches) rows.push(...batch.rows);
  return rows;
}

function byName(columns: NeutralColumn[], row: NeutralValue[]): Record<string, NeutralValue> {
  return Object.fromEntries(columns.map((c, i) => [c.name, row[i]]));
}

describe('PostgreSQL data plane on a live server', () => {
  let db: EphemeralDatabase;
  let spec: ResolvedConnectionSpec;
  let source: DialectSession;
  let target: DialectSession;
  let src: DataPlane;
  let dst: DataPlane;
  let schema: TableSchema;

  const readAll = (plane: DataPlane, table: TableRef, columns: NeutralColumn[], range?: KeyRange, batchSize = 7) =>
    collect(plane.reader.read({ table, columns, keyColumns: ['id'], range, batchSize }));

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_pgdp');
    const parsed = parseConnectionUrl('postgres', db.url);
    spec = { dialect: 'postgres', ...parsed, address: parsed.host };
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      for (const sql of TORTURE_SQL) await admin.query(sql);
    } finally {
      await admin.end();
    }
    source = await dialect.connect(spec, { timeoutMs: 5000 });
    target = await dialect.connect(spec, { timeoutMs: 5000 });
    src = source.data as DataPlane;
    dst = target.data as DataPlane;
    schema = (await src.introspector.describeTable(TORTURE)) as TableSchema;
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await target?.close();
    await db?.drop();
  });

  it('lists user schemas only', async () => {
    const schemas = await src.introspector.listSchemas();
    expect(schemas).toContain('public');
    expect(schemas.some((s) => s.startsWith('pg_') || s === 'information_schema')).toBe(false);
  });

  it('describes the torture table through the type mapper', async () => {
    expect(schema.primaryKey).toEqual(['id']);
    expect(schema.rowEstimate).toBe(30);
    expect(schema.indexes).toEqual([
      { name: 'torture_d_i8', columns: ['d', 'i8'], unique: false },
      { name: 'torture_u', columns: ['u'], unique: true },
    ]);
    const types = Object.fromEntries(schema.columns.map((c) => [c.name, c.type]));
    expect(schema.columns.map((c) => c.name)).toEqual(['id', ...Object.keys(EXPECTED[1])]);
    expect(types).toMatchObject({
      id: { kind: 'int32' },
      i8: { kind: 'int64' },
      num: { kind: 'decimal', precision: 38, scale: 10 },
      ts: { kind: 'timestamp', precision: 6 },
      tstz: { kind: 'timestamptz' },
      b: { kind: 'blob' },
      j: { kind: 'json', binary: true },
      u: { kind: 'uuid' },
      iv: { kind: 'interval' },
      arr: { kind: 'array', of: { kind: 'int32' } },
      m: { kind: 'enum', values: ['sad', 'ok', "it's"] },
      c: { kind: 'char', length: 3 },
      tarr: { kind: 'array', of: { kind: 'text' } },
    });
    const id = schema.columns[0];
    expect(id).toMatchObject({ nativeType: 'integer', nullable: false });
    expect(schema.columns.find((c) => c.name === 'ts')?.nativeType).toBe('timestamp(6) without time zone');
    expect(await src.introspector.describeTable({ schema: 'public', name: 'missing' })).toBeNull();
  });

  // Independence from the process time zone is proven in child processes started with TZ set
  // (conformance.timezone.int-spec.ts): Jest's process.env is a copy, so assigning TZ here
  // would not change the zone.
  it('reads every edge value exactly', async () => {
    const rows = await readAll(src, TORTURE, schema.columns);
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const id of [1, 2, 3, 4]) {
      expect({ id, ...byName(schema.columns.slice(1), rows[id - 1].slice(1)) }).toEqual({ id, ...EXPECTED[id] });
    }
  });

  it('splits into 3 ranges that cover every row exactly once', async () => {
    const key = schema.columns.filter((c) => c.name === 'id');
    const ranges = await src.reader.splitRanges(TORTURE, key, 3);
    expect(ranges).toHaveLength(3);
    expect(ranges[0].lower).toBeUndefined();
    expect(ranges[2].upper).toBeUndefined();
    expect(ranges[1].lower).toEqual(ranges[0].upper);
    expect(ranges[2].lower).toEqual(ranges[1].upper);
    const ids: NeutralValue[] = [];
    for (const range of ranges) {
      const rows = await readAll(src, TORTURE, schema.columns, range, 4);
      expect(rows.length).toBeGreaterThanOrEqual(9);
      ids.push(...rows.map((r) => r[0]));
    }
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await src.reader.keyBounds(TORTURE, key)).toEqual({ min: [1], max: [30] });
    expect(await src.reader.keyBounds(TORTURE, key, 'id > 100')).toBeNull();
    expect(await src.reader.splitRanges(TORTURE, key, 1)).toEqual([{}]);
  });

  it('splits a composite key into tuple ranges that cover every row once', async () => {
    const orders = (await src.introspector.describeTable({ schema: 'public', name: 'orders' })) as TableSchema;
    const keyColumns = orders.primaryKey.map((k) => orders.columns.find((c) => c.name === k) as NeutralColumn);
    const ranges = await src.reader.splitRanges(orders, keyColumns, 4, 'order_no <> 7');
    expect(ranges).toHaveLength(4);
    const seen: string[] = [];
    for (const range of ranges) {
      const rows = await collect(
        src.reader.read({ table: orders, columns: orders.columns, keyColumns: orders.primaryKey, range, where: 'order_no <> 7', batchSize: 13 }),
      );
      expect(rows.length).toBeGreaterThan(40);
      seen.push(...rows.map((r) => `${String(r[0])}/${String(r[1])}`));
    }
    expect(seen).toHaveLength(199);
    expect(new Set(seen).size).toBe(199);
    expect(seen).not.toContain('2/7');
    expect(await src.reader.keyBounds(orders, keyColumns)).toEqual({ min: [0, 5n], max: [4, 199n] });
  });

  describe('writing into a table made by the DDL builder', () => {
    let sourceRows: NeutralValue[][];
    const copyRef = (name: string): TableRef => ({ schema: 'public', name });

    const create = async (name: string) => {
      const plan = dst.ddl.createTable(copyRef(name), schema);
      expect(plan.losses).toEqual([]);
      await dst.execute(plan.statements);
      return (await dst.introspector.describeTable(copyRef(name))) as TableSchema;
    };
    const write = (name: string, mode: 'insert' | 'upsert' | 'replace-range', range?: KeyRange) =>
      dst.writer.write(
        { table: copyRef(name), columns: schema.columns, keyColumns: ['id'], mode, range },
        src.reader.read({ table: TORTURE, columns: schema.columns, keyColumns: ['id'], range, batchSize: 4 }),
      );

    beforeAll(async () => {
      sourceRows = await readAll(src, TORTURE, schema.columns);
    });

    it('insert copies every value', async () => {
      const copied = await create('copy_insert');
      expect(copied.primaryKey).toEqual(['id']);
      expect(copied.indexes.map((i) => [i.columns, i.unique])).toEqual([
        [['d', 'i8'], false],
        [['u'], true],
      ]);
      // The enum travels as text with a CHECK of its labels and reads back as the same enum.
      expect(copied.columns.find((c) => c.name === 'm')?.type).toEqual({ kind: 'enum', values: ['sad', 'ok', "it's"] });
      expect(await write('copy_insert', 'insert')).toEqual({ rowsWritten: 30, warnings: [] });
      expect(await readAll(dst, copyRef('copy_insert'), copied.columns)).toEqual(sourceRows);
    });

    it('upsert twice is idempotent', async () => {
      const copied = await create('copy_upsert');
      expect((await write('copy_upsert', 'upsert')).rowsWritten).toBe(30);
      expect((await write('copy_upsert', 'upsert')).rowsWritten).toBe(30);
      expect(await readAll(dst, copyRef('copy_upsert'), copied.columns)).toEqual(sourceRows);
    });

    it('upsert updates changed rows and inserts missing ones', async () => {
      const copied = await create('copy_upsert2');
      await write('copy_upsert2', 'insert');
      await dst.execute([`UPDATE public.copy_upsert2 SET t = 'stale', big = NULL WHERE id IN (1, 2)`, `DELETE FROM public.copy_upsert2 WHERE id = 4`]);
      expect((await write('copy_upsert2', 'upsert')).rowsWritten).toBe(30);
      expect(await readAll(dst, copyRef('copy_upsert2'), copied.columns)).toEqual(sourceRows);
    });

    it('replace-range replaces exactly the range', async () => {
      const copied = await create('copy_replace');
      await write('copy_replace', 'insert');
      const ranges = await src.reader.splitRanges(TORTURE, [schema.columns[0]], 3);
      const middle = ranges[1];
      const [low, high] = [Number(middle.lower?.[0]), Number(middle.upper?.[0])];
      await dst.execute([
        `DELETE FROM public.copy_replace WHERE id = ${low + 1}`,
        `UPDATE public.copy_replace SET t = 'stale' WHERE id = ${high}`,
        `UPDATE public.copy_replace SET t = 'outside' WHERE id IN (${low}, ${high + 1})`,
      ]);
      const result = await write('copy_replace', 'replace-range', middle);
      expect(result.rowsWritten).toBe(high - low);
      const rows = await readAll(dst, copyRef('copy_replace'), copied.columns);
      const t = schema.columns.findIndex((c) => c.name === 't');
      expect(rows.map((r) => r[0])).toEqual(sourceRows.map((r) => r[0]));
      expect(rows.filter((r) => r[t] === 'outside').map((r) => r[0])).toEqual([low, high + 1]);
      const inside = (r: NeutralValue[]) => Number(r[0]) > low && Number(r[0]) <= high;
      expect(rows.filter(inside)).toEqual(sourceRows.filter(inside));
    });

    it('rolls the whole write back when a row fails', async () => {
      await create('copy_fail');
      await write('copy_fail', 'insert');
      const error = await write('copy_fail', 'insert').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DbError);
      expect((error as DbError).code).toBe('constraint');
      const count = await collect(dst.reader.read({ table: copyRef('copy_fail'), columns: [schema.columns[0]], keyColumns: ['id'], batchSize: 100 }));
      expect(count).toHaveLength(30);
      await expect(target.ping()).resolves.toBeUndefined();
    });

    it('rolls back and keeps the session usable when the source fails mid-stream', async () => {
      await create('copy_broken');
      async function* broken(): AsyncIterable<RowBatch> {
        yield { columns: schema.columns, rows: sourceRows.slice(0, 5) };
        throw new Error('source went away');
      }
      await expect(dst.writer.write({ table: copyRef('copy_broken'), columns: schema.columns, keyColumns: ['id'], mode: 'insert' }, broken())).rejects.toThrow(
        /source went away/,
      );
      expect(await readAll(dst, copyRef('copy_broken'), schema.columns)).toEqual([]);
    });

    it('strips NUL characters with a warning naming the column', async () => {
      await create('copy_nul');
      const id = schema.columns[0];
      const t = schema.columns.find((c) => c.name === 't') as NeutralColumn;
      async function* rows(): AsyncIterable<RowBatch> {
        yield { columns: [id, t], rows: [[1, 'a\u0000b'], [2, 'ok']] };
      }
      const result = await dst.writer.write({ table: copyRef('copy_nul'), columns: [id, t], keyColumns: ['id'], mode: 'insert' }, rows());
      expect(result.warnings).toEqual([{ column: 't', kind: 'nul-stripped', count: 1 }]);
      expect(await readAll(dst, copyRef('copy_nul'), [id, t])).toEqual([[1, 'ab'], [2, 'ok']]);
    });

    describe('binary COPY', () => {
      /** Every torture column but those without a binary encoder (interval, arrays). */
      const binaryColumns = () => schema.columns.filter((c) => !['iv', 'arr', 'tarr'].includes(c.name));
      const project = (rows: NeutralValue[][], columns: NeutralColumn[]) => {
        const at = columns.map((c) => schema.columns.findIndex((s) => s.name === c.name));
        return rows.map((row) => at.map((i) => row[i]));
      };
      const writeAs = (name: string, columns: NeutralColumn[], mode: 'insert' | 'upsert', copyFormat: 'binary' | 'text' | 'auto') => {
        const request: PostgresWriteRequest = { table: copyRef(name), columns, keyColumns: ['id'], mode, copyFormat };
        return dst.writer.write(request, src.reader.read({ table: TORTURE, columns, keyColumns: ['id'], batchSize: 4 }));
      };
      const createWith = async (name: string, columns: NeutralColumn[]) => {
        await dst.execute(dst.ddl.createTable(copyRef(name), { columns, primaryKey: ['id'], indexes: [] }).statements);
      };

      it('round-trips every torture value it can encode, value by value, in insert and upsert', async () => {
        const columns = binaryColumns();
        const expected = project(sourceRows, columns);
        await createWith('copy_binary', columns);
        expect(await writeAs('copy_binary', columns, 'insert', 'binary')).toEqual({ rowsWritten: 30, warnings: [] });
        const back = await readAll(dst, copyRef('copy_binary'), columns);
        for (let r = 0; r < expected.length; r++) {
          for (let c = 0; c < columns.length; c++) {
            expect({ id: back[r][0], column: columns[c].name, value: back[r][c] }).toEqual({ id: expected[r][0], column: columns[c].name, value: expected[r][c] });
          }
        }
        expect(back).toHaveLength(30);
        // Upsert stages through a temp table LIKE the target: binary there too, and idempotent.
        await dst.execute([`UPDATE public.copy_binary SET t = 'stale', ts = NULL WHERE id IN (1, 2)`, 'DELETE FROM public.copy_binary WHERE id = 4']);
        expect((await writeAs('copy_binary', columns, 'upsert', 'binary')).rowsWritten).toBe(30);
        expect(await readAll(dst, copyRef('copy_binary'), columns)).toEqual(expected);
        // The text path writes the very same values.
        await createWith('copy_binary_text', columns);
        await writeAs('copy_binary_text', columns, 'insert', 'text');
        expect(await readAll(dst, copyRef('copy_binary_text'), columns)).toEqual(expected);
      });

      it('writes a PostgreSQL enum column in binary (its label as text)', async () => {
        await dst.execute(['CREATE TABLE public.copy_binary_enum (id int PRIMARY KEY, m mood)']);
        const columns = schema.columns.filter((c) => c.name === 'id' || c.name === 'm');
        expect((await writeAs('copy_binary_enum', columns, 'insert', 'binary')).rowsWritten).toBe(30);
        expect(await readAll(dst, copyRef('copy_binary_enum'), columns)).toEqual(project(sourceRows, columns));
      });

      it('refuses binary when a column has no encoder, naming it; auto falls back to text', async () => {
        await create('copy_binary_refused');
        await expect(writeAs('copy_binary_refused', schema.columns, 'insert', 'binary')).rejects.toThrow(/column "iv": interval into interval/);
        expect(await readAll(dst, copyRef('copy_binary_refused'), schema.columns)).toEqual([]);
        expect((await writeAs('copy_binary_refused', schema.columns, 'insert', 'auto')).rowsWritten).toBe(30);
        expect(await readAll(dst, copyRef('copy_binary_refused'), schema.columns)).toEqual(sourceRows);
      });

      it('picks binary by default and turns a value the encoder cannot take into a data error, writing nothing', async () => {
        await createWith('copy_binary_bad', binaryColumns());
        const columns = binaryColumns();
        const d = columns.findIndex((c) => c.name === 'd');
        async function* rows(): AsyncIterable<RowBatch> {
          const good = project(sourceRows, columns);
          const bad = [...good[4]];
          bad[d] = '2023-02-30';
          yield { columns, rows: [good[0], good[1], bad] };
        }
        // No copyFormat: the default must pick binary here, which the encoder's own message proves
        // (text COPY would fail with the server's 'date/time field value out of range').
        const request: PostgresWriteRequest = { table: copyRef('copy_binary_bad'), columns, keyColumns: ['id'], mode: 'insert' };
        const error = await dst.writer.write(request, rows()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DbError);
        expect((error as DbError).code).toBe('data');
        expect((error as DbError).message).toContain(`column "d": "2023-02-30" is not a date 'YYYY-MM-DD'`);
        expect(await readAll(dst, copyRef('copy_binary_bad'), columns)).toEqual([]);
        await expect(target.ping()).resolves.toBeUndefined();
      });
    });

    it.each(['binary', 'text'] as const)('rejects a NUL under nul: reject (%s COPY), naming table and column, writing nothing', async (copyFormat) => {
      const name = `copy_nul_reject_${copyFormat}`;
      await create(name);
      const id = schema.columns[0];
      const t = schema.columns.find((c) => c.name === 't') as NeutralColumn;
      async function* rows(): AsyncIterable<RowBatch> {
        yield { columns: [id, t], rows: [[1, 'fine'], [2, 'ok']] };
        yield { columns: [id, t], rows: [[3, 'a\u0000b']] };
      }
      const request: PostgresWriteRequest = { table: copyRef(name), columns: [id, t], keyColumns: ['id'], mode: 'insert', nul: 'reject', copyFormat };
      const error = await dst.writer.write(request, rows()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DbError);
      expect((error as DbError).transient).toBe(false);
      expect((error as DbError).code).toBe('data');
      expect((error as DbError).message).toContain(`table "public"."${name}", column "t"`);
      expect(await readAll(dst, copyRef(name), [id, t])).toEqual([]);
      await expect(target.ping()).resolves.toBeUndefined();
    });

    it('checksums match the reference over the rows read, in SQL and in the worker', async () => {
      const request = { table: TORTURE, keyColumns: ['id'] };
      const reference = (columns: NeutralColumn[], rows: NeutralValue[][]) => {
        const acc = new ChecksumAccumulator(columns.map((c) => c.type));
        for (const row of rows) acc.add(row);
        return { rows: acc.rows, hash: acc.hash };
      };
      // Every column: floats, json and arrays send this one to the worker.
      expect(buildChecksumSql({ ...request, columns: schema.columns })).toBeNull();
      expect(await src.checksummer.checksum({ ...request, columns: schema.columns })).toEqual(reference(schema.columns, sourceRows));
      // The columns SQL can normalise: computed by the database.
      const sqlable = schema.columns.filter((c) => !['f8', 'j', 'arr', 'tarr'].includes(c.name));
      expect(buildChecksumSql({ ...request, columns: sqlable })).not.toBeNull();
      const rows = await readAll(src, TORTURE, sqlable);
      const inSql = await src.checksummer.checksum({ ...request, columns: sqlable });
      expect(inSql).toEqual(reference(sqlable, rows));
      expect(inSql.rows).toBe(30);
      // Per range, and the copy (enum as checked text) digests the same as its source.
      const ranges = await src.reader.splitRanges(TORTURE, [schema.columns[0]], 3);
      const range = ranges[1];
      const inRange = await readAll(src, TORTURE, sqlable, range);
      expect(await src.checksummer.checksum({ ...request, columns: sqlable, range })).toEqual(reference(sqlable, inRange));
      expect(await dst.checksummer.checksum({ ...request, table: copyRef('copy_insert'), columns: sqlable })).toEqual(inSql);
      expect(await dst.checksummer.checksum({ ...request, table: copyRef('copy_insert'), columns: schema.columns })).toEqual(
        reference(schema.columns, sourceRows),
      );
    });
  });

  it('reads a range unordered (heap order, no index scan) with the same rows, in binary and through the cursor; the next read is ordered again', async () => {
    const table: TableRef = { schema: 'public', name: 'unordered_read' };
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query('CREATE TABLE public.unordered_read (id integer PRIMARY KEY, v text)');
      await admin.query("INSERT INTO public.unordered_read SELECT g, 'v' || g FROM generate_series(1, 50) g");
      // Row 10 written again lands after the others in the heap (and in the index's TIDs).
      await admin.query('DELETE FROM public.unordered_read WHERE id = 10');
      await admin.query("INSERT INTO public.unordered_read VALUES (10, 'moved')");
    } finally {
      await admin.end();
    }
    const columns = ((await src.introspector.describeTable(table)) as TableSchema).columns;
    const range: KeyRange = { lower: [5], upper: [20] };
    const expected = Array.from({ length: 15 }, (_, i) => i + 6);
    for (const via of ['auto', 'cursor'] as const) {
      const unordered = await collect(src.reader.read({ table, columns, keyColumns: ['id'], range, batchSize: 4, unordered: true, via } as ReadRequest));
      expect(unordered.map((r) => r[0])).toEqual([...expected.filter((id) => id !== 10), 10]);
      expect(unordered.find((r) => r[0] === 10)?.[1]).toBe('moved');
      const ordered = await collect(src.reader.read({ table, columns, keyColumns: ['id'], range, batchSize: 4, via } as ReadRequest));
      expect(ordered.map((r) => r[0])).toEqual(expected);
    }
    // Without a range: every row, once.
    const all = await collect(src.reader.read({ table, columns, keyColumns: ['id'], batchSize: 16, unordered: true }));
    expect(all.map((r) => r[0] as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('stops a read when its signal aborts and leaves the session usable', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const batch of src.reader.read({ table: TORTURE, columns: [schema.columns[0]], keyColumns: ['id'], batchSize: 5, signal: controller.signal })) {
        seen.push(batch.rows.length);
        controller.abort(new Error('stop now'));
      }
    })();
    await expect(reading).rejects.toThrow('stop now');
    expect(seen).toEqual([5]);
    await expect(source.ping()).resolves.toBeUndefined();
    expect(await readAll(src, TORTURE, [schema.columns[0]])).toHaveLength(30);
  });

  it('copies 200k mixed-type rows in binary and in text with identical content', async () => {
    const col = (name: string, type: NeutralType, nativeType: string): NeutralColumn => ({ name, type, nativeType, nullable: name !== 'id' });
    const columns: NeutralColumn[] = [
      col('id', { kind: 'int64' }, 'bigint'),
      col('i', { kind: 'int32' }, 'integer'),
      col('n', { kind: 'decimal', precision: 38, scale: 10 }, 'numeric(38,10)'),
      col('t', { kind: 'text' }, 'text'),
      col('ts', { kind: 'timestamp', precision: 6 }, 'timestamp(6) without time zone'),
      col('tz', { kind: 'timestamptz', precision: 6 }, 'timestamp(6) with time zone'),
      col('d', { kind: 'date' }, 'date'),
      col('b', { kind: 'blob' }, 'bytea'),
      col('u', { kind: 'uuid' }, 'uuid'),
      col('j', { kind: 'json', binary: true }, 'jsonb'),
      col('f', { kind: 'float64' }, 'double precision'),
      col('bo', { kind: 'bool' }, 'boolean'),
      col('tm', { kind: 'time', precision: 6 }, 'time(6) without time zone'),
    ];
    const ROWS = 200_000;
    const DISTINCT = 50_000;
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    /** The values after the key of template row k (1…DISTINCT). */
    const values = (k: number): NeutralValue[] => {
      if (k % 997 === 0) return columns.slice(1).map(() => null);
      const clock = `${pad(k % 24, 2)}:${pad(k % 60, 2)}:${pad((k * 7) % 60, 2)}.${pad((k * 7919) % 1_000_000, 6)}`;
      const day = `${pad(1 + (k % 9999), 4)}-${pad(1 + (k % 12), 2)}-${pad(1 + (k % 28), 2)}`;
      return [
        ((k * 2_654_435_761) % 4_294_967_296) - 2_147_483_648,
        `${k % 2 ? '-' : ''}${k}${pad(k * 31, 12)}.${pad(k % 9_999_999, 10)}`,
        k % 1000 === 1 ? `nul\u0000 ${k}` : `row ${k} émoji 😀\ttab\nline \\ back`,
        `${day} ${clock}`,
        `${day} ${clock}+00:00`,
        day,
        Buffer.from([k & 0xff, 0, (k >> 8) & 0xff, 0x5c]),
        `${pad(k, 8)}-0000-4000-8000-${pad(k * 3, 12)}`,
        `{"k": ${k}, "s": "v ${k} ü"}`,
        k / 7,
        k % 3 === 0,
        clock,
      ];
    };
    // Made once, outside the timing: 200k rows are the template's 50k under four sets of keys.
    const template = Array.from({ length: DISTINCT }, (_, i) => values(i + 1));
    const row = (k: number): NeutralValue[] => [BigInt(k) * 4_611_686_018_427n, ...template[(k - 1) % DISTINCT]];
    async function* generate(): AsyncIterable<RowBatch> {
      for (let start = 1; start <= ROWS; start += 5000) {
        const rows: NeutralValue[][] = [];
        for (let k = start; k < start + 5000 && k <= ROWS; k++) rows.push(row(k));
        yield { columns, rows };
      }
    }
    const results: Record<string, { rowsPerSecond: number; warnings: ValueLoss[] }> = {};
    for (const copyFormat of ['text', 'binary'] as const) {
      const table: TableRef = { schema: 'public', name: `mixed ${copyFormat}` };
      await dst.execute(dst.ddl.createTable(table, { columns, primaryKey: ['id'], indexes: [] }).statements);
      const request: PostgresWriteRequest = { table, columns, keyColumns: ['id'], mode: 'insert', copyFormat };
      const started = performance.now();
      const result = await dst.writer.write(request, generate());
      const seconds = (performance.now() - started) / 1000;
      expect(result.rowsWritten).toBe(ROWS);
      results[copyFormat] = { rowsPerSecond: Math.round(ROWS / seconds), warnings: result.warnings };
    }
    console.log(`COPY 200k mixed rows (13 columns): binary ${results.binary.rowsPerSecond} rows/s, text ${results.text.rowsPerSecond} rows/s`);
    expect(results.binary.warnings).toEqual([{ column: 't', kind: 'nul-stripped', count: 200 }]);
    expect(results.text.warnings).toEqual(results.binary.warnings);
    const request = { columns, keyColumns: ['id'] };
    const [text, binary] = await Promise.all([
      dst.checksummer.checksum({ ...request, table: { schema: 'public', name: 'mixed text' } }),
      src.checksummer.checksum({ ...request, table: { schema: 'public', name: 'mixed binary' } }),
    ]);
    expect(binary).toEqual(text);
    expect(binary.rows).toBe(ROWS);
    // Identical checksums could hide a shared mistake: spot-check values against what was sent.
    const sample = await collect(
      dst.reader.read({ table: { schema: 'public', name: 'mixed binary' }, columns, keyColumns: ['id'], range: { lower: [4_611_686_018_427n * 51_233n], upper: [4_611_686_018_427n * 51_234n] }, batchSize: 10 }),
    );
    // Row 51234 is template row 1234 whose values are already in the server's canonical text.
    expect(sample).toEqual([row(51_234)]);
  }, 300_000);

  it('streams 200k rows reader → writer on one session in batches of at most 5000 rows and about READ_BATCH_BYTES', async () => {
    const big: TableRef = { schema: 'public', name: 'big source' };
    await src.execute([
      `CREATE TABLE "big source" (id bigint PRIMARY KEY, v text, n numeric(20,4), at timestamptz)`,
      `INSERT INTO "big source" SELECT g, 'value ' || g, g / 7.0, '2020-01-01'::timestamptz + g * interval '1 second' FROM generate_series(1, 200000) g`,
    ]);
    const described = (await src.introspector.describeTable(big)) as TableSchema;
    const copy: TableRef = { schema: 'public', name: 'big copy' };
    await src.execute(src.ddl.createTable(copy, described).statements);
    let batches = 0;
    let largest = 0;
    let largestBytes = 0;
    async function* counted(): AsyncIterable<RowBatch> {
      for await (const batch of src.reader.read({ table: big, columns: described.columns, keyColumns: ['id'], batchSize: 5000 })) {
        batches++;
        largest = Math.max(largest, batchRowCount(batch));
        largestBytes = Math.max(largestBytes, batch.native?.data.length ?? 0);
        yield batch;
      }
    }
    // Reader and writer share the session: the second operation gets its own connection.
    const result = await src.writer.write({ table: copy, columns: described.columns, keyColumns: ['id'], mode: 'insert' }, counted());
    expect(result.rowsWritten).toBe(200_000);
    // About 60 bytes a row in COPY binary: READ_BATCH_BYTES ends a batch near 2200 rows.
    expect(largest).toBeLessThan(5000);
    expect(largestBytes).toBeGreaterThan(READ_BATCH_BYTES * 0.9);
    expect(largestBytes).toBeLessThan(READ_BATCH_BYTES * 1.1);
    expect(batches).toBeGreaterThan(40);
    const request = { columns: described.columns, keyColumns: ['id'] };
    const [a, b] = await Promise.all([src.checksummer.checksum({ ...request, table: big }), dst.checksummer.checksum({ ...request, table: copy })]);
    expect(b).toEqual(a);
    expect(a.rows).toBe(200_000);
  }, 120_000);
});
