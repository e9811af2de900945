import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import {
  ChecksumAccumulator,
  type DataPlane,
  type DialectSession,
  IdentifierError,
  type KeyRange,
  type NeutralColumn,
  type NeutralValue,
  parseConnectionUrl,
  READ_BATCH_BYTES,
  type RowBatch,
  type TableRef,
  type TableSchema,
  sumValueLosses,
  type ValueLoss,
} from '@dbferry/dialects-core';
import { createMysqlDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { createConnection as createCoreConnection } from 'mysql2';
import { MysqlDialect } from './mysql.dialect';
import { parseRowsWith, selectSql } from './mysql.reader';
import { RowDecoder } from './mysql.values';

const dialect = new MysqlDialect();
const ONE_MB_TEXT = 'ab😀ü'.repeat(262_144); // 1 048 576 characters, 2.5 MB of UTF-8

const TORTURE_DDL = (db: string) => `CREATE TABLE \`${db}\`.torture (
  id int NOT NULL,
  i64 bigint NULL,
  u64 bigint unsigned NULL,
  dec38 decimal(38,10) NULL,
  dt6 datetime(6) NULL,
  ts6 timestamp(6) NULL DEFAULT NULL,
  d date NULL,
  flag tinyint(1) NULL,
  yr year NULL,
  size enum('small','it''s','a,b') NULL,
  perms set('read','write','admin') NULL,
  b1 bit(1) NULL,
  b10 bit(10) NULL,
  txt varchar(100) NULL,
  vb varbinary(64) NULL,
  j json NULL,
  big longtext NULL,
  f double NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_txt (txt),
  KEY ix_d (d, id)
) ENGINE=InnoDB`;

const COLUMNS = ['id', 'i64', 'u64', 'dec38', 'dt6', 'ts6', 'd', 'flag', 'yr', 'size', 'perms', 'b1', 'b10', 'txt', 'vb', 'j', 'big', 'f'];

/** What each torture row must read back as (neutral forms). */
const EXPECTED: NeutralValue[][] = [
  [1, -9223372036854775808n, 18446744073709551615n, '1234567890123456789012345678.0123456789', '1000-01-01 00:00:00.000000',
    '2021-06-30 12:34:56.123456+00:00', '1900-01-01', true, 2155, "it's", ['read', 'admin'], true, '1010101010', '😀 emoji',
    Buffer.from([0, 0xff, 0, 0]), '{"κλειδί": "值", "n": [1, 2]}', ONE_MB_TEXT, 1.5],
  [2, 9223372036854775807n, 0n, '-9999999999999999999999999999.9999999999', '9999-12-31 23:59:59.999999',
    '1970-01-01 00:00:01.000001+00:00', '9999-12-31', false, 1901, 'a,b', [], false, '0000000000', '',
    Buffer.alloc(0), '[]', '', 1e308],
  [3, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  // The zero dates (inserted under a permissive sql_mode) read as NULL.
  [4, 1n, 1n, '0.0000000001', null, null, null, true, 2000, 'small', ['write'], false, '0000000001', 'zero dates',
    Buffer.from('\0', 'binary'), '{"a":null}', 'x', -2.5],
  ...Array.from({ length: 8 }, (_, i): NeutralValue[] => [
    10 + i, BigInt(i) * 1_000_000_000_000n, BigInt(i), `${i}.5000000000`, `2000-01-0${i + 1} 00:00:00.000000`,
    `2000-01-0${i + 1} 00:00:00.000000+00:00`, `2000-01-0${i + 1}`, i % 2 === 0, 2000 + i, 'small', ['read'], true,
    '0000000011', `row ${i}`, Buffer.from([i]), `{"i":${i}}`, `text ${i}`, i / 4,
  ]),
];

function literalRows(rows: NeutralValue[][]): unknown[][] {
  return rows.map((r) =>
    r.map((v, i) => {
      if (Array.isArray(v)) return v.join(',');
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'string' && COLUMNS[i] === 'ts6') return v.replace('+00:00', '');
      if (typeof v === 'string' && COLUMNS[i] === 'b10') return Number.parseInt(v, 2);
      return v;
    }),
  );
}

/**
 * The DdlBuilder writes a TIMESTAMP (timestamptz) as DATETIME in UTC (the mapper's documented
 * 'timezone-offset-dropped'): the copy reads the same instant without the offset.
 */
const TS6 = COLUMNS.indexOf('ts6');
const asCopied = (rows: NeutralValue[][]) =>
  rows.map((r) => r.map((v, i) => (i === TS6 && typeof v === 'string' ? v.replace('+00:00', '') : v)));

async function collect(batches: AsyncIterable<RowBatch>): Promise<{ rows: NeutralValue[][]; warnings: ValueLoss[]; sizes: number[] }> {
  const rows: NeutralValue[][] = [];
  const warnings: ValueLoss[] = [];
  const sizes: number[] = [];
  for await (const batch of batches) {
    rows.push(...batch.rows);
    warnings.push(...(batch.warnings ?? []));
    sizes.push(batch.rows.length);
  }
  return { rows, warnings, sizes };
}

async function* once(columns: NeutralColumn[], rows: NeutralValue[][]): AsyncIterable<RowBatch> {
  yield { columns, rows };
}

describe('MySQL data plane on a live MariaDB', () => {
  let db: EphemeralDatabase;
  let admin: Connection;
  let session: DialectSession;
  let data: DataPlane;
  let torture: TableSchema;
  const ref = (name: string): TableRef => ({ schema: db.name, name });
  const read = (table: TableRef, columns: NeutralColumn[], keyColumns: string[], range?: KeyRange, batchSize = 3) =>
    collect(data.reader.read({ table, columns, keyColumns, range, batchSize }));
  const accumulate = (columns: NeutralColumn[], rows: NeutralValue[][]) => {
    const acc = new ChecksumAccumulator(columns.map((c) => c.type));
    rows.forEach((r) => acc.add(r));
    return { rows: acc.rows, hash: acc.hash };
  };

  beforeAll(async () => {
    db = await createMysqlDatabase();
    admin = await createConnection({ uri: db.url, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
    await admin.query("SET time_zone = '+00:00'");
    await admin.query(TORTURE_DDL(db.name));
    const [normal, zero, ...rest] = [EXPECTED.slice(0, 3), EXPECTED[3] as NeutralValue[], ...EXPECTED.slice(4)];
    await admin.query(`INSERT INTO \`${db.name}\`.torture (${COLUMNS.join(', ')}) VALUES ?`, [literalRows([...normal, ...rest])]);
    await admin.query("SET SESSION sql_mode = ''");
    const zeroRow = literalRows([zero])[0] as unknown[];
    zeroRow[COLUMNS.indexOf('dt6')] = '0000-00-00 00:00:00';
    zeroRow[COLUMNS.indexOf('ts6')] = '0000-00-00 00:00:00';
    zeroRow[COLUMNS.indexOf('d')] = '0000-00-00';
    await admin.query(`INSERT INTO \`${db.name}\`.torture (${COLUMNS.join(', ')}) VALUES ?`, [[zeroRow]]);
    session = await dialect.connect({ dialect: 'mysql', ...parseConnectionUrl('mysql', db.url) }, { timeoutMs: 5000 });
    if (!session.data) throw new Error('MysqlSession has no data plane');
    data = session.data;
    const described = await data.introspector.describeTable(ref('torture'));
    if (!described) throw new Error('torture table not found');
    torture = described;
  });

  afterAll(async () => {
    await session?.close();
    await admin?.end();
    await db?.drop();
  });

  it('lists databases without the system ones', async () => {
    const schemas = await data.introspector.listSchemas();
    expect(schemas).toContain(db.name);
    expect(schemas).not.toEqual(expect.arrayContaining(['mysql']));
    expect(schemas.some((s) => ['information_schema', 'performance_schema', 'sys', 'mysql'].includes(s))).toBe(false);
  });

  it('describes every column with its neutral type, the key and the indexes', async () => {
    expect(torture.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', { kind: 'int32' }],
      ['i64', { kind: 'int64' }],
      ['u64', { kind: 'uint64' }],
      ['dec38', { kind: 'decimal', precision: 38, scale: 10 }],
      ['dt6', { kind: 'timestamp', precision: 6 }],
      ['ts6', { kind: 'timestamptz', precision: 6 }],
      ['d', { kind: 'date' }],
      ['flag', { kind: 'bool' }],
      ['yr', { kind: 'int16' }],
      ['size', { kind: 'enum', values: ['small', "it's", 'a,b'] }],
      ['perms', { kind: 'set', values: ['read', 'write', 'admin'] }],
      ['b1', { kind: 'bool' }],
      ['b10', { kind: 'bit', length: 10 }],
      ['txt', { kind: 'string', length: 100 }],
      ['vb', { kind: 'binary', length: 64 }],
      // MariaDB: longtext + CHECK (json_valid(`j`)); MySQL: a real json column.
      ['j', expect.objectContaining({ kind: 'json' })],
      ['big', { kind: 'text' }],
      ['f', { kind: 'float64' }],
    ]);
    expect(torture.columns[0]).toMatchObject({ nullable: false, nativeType: expect.stringMatching(/^int/) });
    expect(torture.primaryKey).toEqual(['id']);
    expect(torture.indexes).toEqual([
      { name: 'ix_d', columns: ['d', 'id'], unique: false },
      { name: 'uq_txt', columns: ['txt'], unique: true },
    ]);
    expect(await data.introspector.describeTable(ref('missing'))).toBeNull();
  });

  it('reads every edge value losslessly, in key order, with zero dates reported', async () => {
    const { rows, warnings, sizes } = await read(torture, torture.columns, ['id']);
    expect(rows).toEqual(EXPECTED);
    expect(sizes.every((n) => n <= 3)).toBe(true);
    // Batches of up to 3 rows: the zero dates of one row come in one batch, summed per column here.
    expect(sumValueLosses(warnings)).toEqual(['dt6', 'ts6', 'd'].map((column) => ({ column, kind: 'zero-date', count: 1 })));
  });

  it("reads a result with its own row parser in mysql2's place, the same values as mysql2's typeCast path", async () => {
    const core = createCoreConnection({ uri: db.url });
    try {
      await core.promise().query("SET time_zone = '+00:00'");
      const sql = selectSql({ table: torture, columns: torture.columns, keyColumns: ['id'] });
      const run = (withParser: boolean) =>
        new Promise<{ rows: NeutralValue[][]; parsed: number; warnings: ValueLoss[] }>((resolve, reject) => {
          const decoder = new RowDecoder(torture.columns, 'torture');
          const query = core.query({ sql, rowsAsArray: true, typeCast: decoder.typeCast({ bytes: 0 }) });
          const parsed = withParser ? parseRowsWith(query, decoder.textRowParser({ bytes: 0 })) : () => 0;
          const rows: NeutralValue[][] = [];
          query.on('result', (row) => rows.push(row as unknown as NeutralValue[]));
          query.on('error', reject);
          query.on('end', () => resolve({ rows, parsed: parsed(), warnings: decoder.takeWarnings() }));
        });
      const own = await run(true);
      const theirs = await run(false);
      expect(own.parsed).toBe(EXPECTED.length);
      expect(own.rows).toEqual(EXPECTED);
      expect(own.rows).toEqual(theirs.rows);
      expect(own.warnings).toEqual(theirs.warnings);
      expect(own.warnings.map((w) => w.column)).toEqual(['dt6', 'ts6', 'd']);
    } finally {
      core.destroy();
    }
  });

  it('finds key bounds and splits into ranges that cover each row once', async () => {
    const key = torture.columns.slice(0, 1);
    expect(await data.reader.keyBounds(torture, key)).toEqual({ min: [1], max: [17] });
    expect(await data.reader.keyBounds(torture, key, '`id` > 100')).toBeNull();
    const ranges = await data.reader.splitRanges(torture, key, 3);
    expect(ranges).toHaveLength(3);
    expect(ranges[0]?.lower).toBeUndefined();
    expect(ranges[2]?.upper).toBeUndefined();
    const parts = await Promise.all(ranges.map((r) => read(torture, torture.columns, ['id'], r)));
    expect(parts.map((p) => p.rows.length)).toEqual([4, 4, 4]);
    expect(parts.flatMap((p) => p.rows)).toEqual(EXPECTED);
  });

  it('splits on a composite key with the expanded tuple comparison', async () => {
    const keys = [torture.columns[6], torture.columns[0]] as NeutralColumn[]; // (d, id): NULLs first
    const ranges = await data.reader.splitRanges(torture, keys, 3, '`d` IS NOT NULL');
    const parts = await Promise.all(
      ranges.map((range) => collect(data.reader.read({ table: torture, columns: torture.columns, keyColumns: ['d', 'id'], range, where: '`d` IS NOT NULL', batchSize: 100 }))),
    );
    const ids = parts.flatMap((p) => p.rows.map((r) => r[0]));
    // The zero date is stored as '0000-00-00' (not NULL), so it sorts first and reads as NULL.
    expect(ids).toEqual([4, 1, 10, 11, 12, 13, 14, 15, 16, 17, 2]);
    // As a key bound it stays text, so a range after it excludes exactly that row.
    const bounds = await data.reader.keyBounds(torture, keys, '`d` IS NOT NULL');
    expect(bounds).toEqual({ min: ['0000-00-00', 4], max: ['9999-12-31', 2] });
    const after = await collect(
      data.reader.read({ table: torture, columns: torture.columns, keyColumns: ['d', 'id'], range: { lower: bounds?.min }, where: '`d` IS NOT NULL', batchSize: 100 }),
    );
    expect(after.rows.map((r) => r[0])).toEqual([1, 10, 11, 12, 13, 14, 15, 16, 17, 2]);
  });

  describe('writing into a table the DdlBuilder created', () => {
    const create = async (name: string) => {
      const plan = data.ddl.createTable(ref(name), torture);
      await data.execute(plan.statements);
      const described = await data.introspector.describeTable(ref(name));
      if (!described) throw new Error(`${name} was not created`);
      return described;
    };
    const write = (table: TableSchema, mode: 'insert' | 'upsert' | 'replace-range', rows: NeutralValue[][], range?: KeyRange) =>
      data.writer.write({ table, columns: table.columns, keyColumns: ['id'], mode, range }, once(torture.columns, rows));

    it('creates the same column types and inserts every value as it was read', async () => {
      const target = await create('copy_insert');
      expect(target.columns.map((c) => c.type)).toEqual(
        torture.columns.map((c) => (c.name === 'ts6' ? { kind: 'timestamp', precision: 6 } : c.type)),
      );
      expect(target.indexes.map((i) => i.name).sort()).toEqual(['ix_d', 'uq_txt']);
      const result = await write(target, 'insert', EXPECTED);
      expect(result).toEqual({ rowsWritten: EXPECTED.length, warnings: [] });
      expect((await read(target, target.columns, ['id'])).rows).toEqual(asCopied(EXPECTED));
    });

    it('keeps a TIMESTAMP a TIMESTAMP with a verbatim override (same-dialect copy)', async () => {
      await data.execute(data.ddl.createTable(ref('copy_override'), torture, { typeOverrides: { ts6: 'timestamp(6)' } }).statements);
      const target = (await data.introspector.describeTable(ref('copy_override'))) as TableSchema;
      expect(target.columns.map((c) => c.type)).toEqual(torture.columns.map((c) => c.type));
      await write(target, 'insert', EXPECTED);
      expect((await read(target, target.columns, ['id'])).rows).toEqual(EXPECTED);
    });

    it('upserts idempotently and updates changed rows', async () => {
      const target = await create('copy_upsert');
      await write(target, 'upsert', EXPECTED);
      await write(target, 'upsert', EXPECTED);
      expect((await read(target, target.columns, ['id'])).rows).toEqual(asCopied(EXPECTED));
      const changed = EXPECTED.map((r) => (r[0] === 2 ? [...r.slice(0, 13), 'changed', ...r.slice(14)] : r));
      await write(target, 'upsert', changed.filter((r) => r[0] === 2));
      expect((await read(target, target.columns, ['id'])).rows).toEqual(asCopied(changed));
    });

    it('replaces a key range: rows deleted, changed or missing in the range are restored, others untouched', async () => {
      const target = await create('copy_replace');
      await write(target, 'insert', EXPECTED);
      await admin.query(`DELETE FROM \`${db.name}\`.copy_replace WHERE id IN (11, 12)`);
      await admin.query(`UPDATE \`${db.name}\`.copy_replace SET txt = CONCAT('stale ', id) WHERE id IN (2, 10, 13)`);
      await admin.query(`INSERT INTO \`${db.name}\`.copy_replace (id) VALUES (9), (30)`);
      const range: KeyRange = { lower: [10], upper: [17] };
      const inRange = EXPECTED.filter((r) => (r[0] as number) > 10 && (r[0] as number) <= 17);
      await write(target, 'replace-range', inRange, range);
      const { rows } = await read(target, target.columns, ['id']);
      // Outside the range (the lower bound is exclusive): untouched.
      expect(rows.find((r) => r[0] === 2)?.[13]).toBe('stale 2');
      expect(rows.find((r) => r[0] === 10)?.[13]).toBe('stale 10');
      expect(rows.map((r) => r[0])).toEqual([1, 2, 3, 4, 9, 10, 11, 12, 13, 14, 15, 16, 17, 30]);
      expect(rows.filter((r) => (r[0] as number) > 10 && (r[0] as number) <= 17)).toEqual(asCopied(inRange));
    });

    it('writes everything in one transaction: a failing batch leaves nothing behind', async () => {
      const target = await create('copy_atomic');
      async function* failing(): AsyncIterable<RowBatch> {
        yield { columns: torture.columns, rows: EXPECTED.slice(0, 4) };
        yield { columns: torture.columns, rows: [EXPECTED[0] as NeutralValue[]] }; // duplicate key
      }
      await expect(data.writer.write({ table: target, columns: target.columns, keyColumns: ['id'], mode: 'insert' }, failing())).rejects.toMatchObject({
        code: 'constraint',
      });
      expect((await read(target, target.columns, ['id'])).rows).toEqual([]);
    });

    it('refuses a value the column cannot hold instead of clipping it (strict mode)', async () => {
      const target = await create('copy_strict');
      const tooLong = [[...(EXPECTED[2] as NeutralValue[]).slice(0, 13), 'x'.repeat(101), ...(EXPECTED[2] as NeutralValue[]).slice(14)]];
      await expect(write(target, 'insert', tooLong)).rejects.toMatchObject({ code: 'data', transient: false });
    });
  });

  describe('checksum', () => {
    it('computes in SQL exactly what the reference computes over the rows read', async () => {
      const sqlKinds = torture.columns.filter((c) => !['j', 'perms', 'f'].includes(c.name));
      const { rows } = await read(torture, sqlKinds, ['id']);
      const inDb = await data.checksummer.checksum({ table: torture, columns: sqlKinds, keyColumns: ['id'] });
      expect(inDb).toEqual(accumulate(sqlKinds, rows));
      // Each column alone, so a mismatch names its kind.
      for (const column of sqlKinds) {
        const one = [torture.columns[0] as NeutralColumn, column];
        const single = await data.checksummer.checksum({ table: torture, columns: one, keyColumns: ['id'] });
        expect({ column: column.name, ...single }).toEqual({ column: column.name, ...accumulate(one, rows.map((r) => [r[0] ?? null, r[sqlKinds.indexOf(column)] ?? null])) });
      }
    });

    it('computes in the worker for json, set and float columns, per range', async () => {
      const range: KeyRange = { lower: [2], upper: [12] };
      const { rows } = await read(torture, torture.columns, ['id'], range);
      const result = await data.checksummer.checksum({ table: torture, columns: torture.columns, keyColumns: ['id'], range });
      expect(result).toEqual(accumulate(torture.columns, rows));
      expect(result.rows).toBe(5);
    });

    it('changes when one value changes and matches a faithful copy', async () => {
      const columns = torture.columns.filter((c) => !['j', 'perms', 'f'].includes(c.name));
      const plan = data.ddl.createTable(ref('copy_sum'), torture);
      await data.execute(plan.statements);
      const target = (await data.introspector.describeTable(ref('copy_sum'))) as TableSchema;
      await data.writer.write({ table: target, columns: target.columns, keyColumns: ['id'], mode: 'insert' }, once(torture.columns, EXPECTED));
      const source = await data.checksummer.checksum({ table: torture, columns, keyColumns: ['id'] });
      const copy = await data.checksummer.checksum({ table: target, columns, keyColumns: ['id'] });
      expect(copy).toEqual(source);
      await admin.query(`UPDATE \`${db.name}\`.copy_sum SET dt6 = '1000-01-01 00:00:00.000001' WHERE id = 1`);
      expect((await data.checksummer.checksum({ table: target, columns, keyColumns: ['id'] })).hash).not.toBe(source.hash);
    });
  });

  it('creates, writes and reads tables and columns with awkward names', async () => {
    const names = ['order', 'MixedCase', 'with space', 'a`b', 'таблица', 'a"b', 'a]b'];
    const columns: NeutralColumn[] = names.map((name, i) => ({
      name,
      type: i === 0 ? { kind: 'int32' } : { kind: 'text' },
      nativeType: '',
      nullable: i !== 0,
    }));
    for (const tableName of names) {
      const table = ref(tableName);
      await data.execute(data.ddl.createTable(table, { columns, primaryKey: ['order'], indexes: [{ name: tableName, columns: ['with space'], unique: false }] }).statements);
      await data.writer.write({ table, columns, keyColumns: ['order'], mode: 'upsert' }, once(columns, [[1, ...names.slice(1)]]));
      expect((await read(table, columns, ['order'])).rows).toEqual([[1, ...names.slice(1)]]);
    }
    const long = 'x'.repeat(70);
    expect(() => data.ddl.createTable(ref(long), { columns, primaryKey: [], indexes: [] })).toThrow(IdentifierError);
    await expect(data.reader.read({ table: ref(long), columns, keyColumns: [], batchSize: 1 })[Symbol.asyncIterator]().next()).rejects.toThrow(IdentifierError);
  });

  it('stops a read when its signal aborts', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const batch of data.reader.read({ table: torture, columns: torture.columns, keyColumns: ['id'], batchSize: 2, signal: controller.signal })) {
        seen.push(batch.rows.length);
        controller.abort();
      }
    })();
    await expect(reading).rejects.toThrow(/abort/i);
    // One batch, then the abort (row 1's megabyte of text fills a batch on its own).
    expect(seen).toEqual([1]);
    // The session is still usable.
    expect(await data.reader.keyBounds(torture, torture.columns.slice(0, 1))).toEqual({ min: [1], max: [17] });
  });

  it('fails a read whose connection is killed mid-result, with a transient error, instead of waiting for ever', async () => {
    await admin.query(`CREATE TABLE \`${db.name}\`.killed (id bigint PRIMARY KEY, label varchar(40) NOT NULL)`);
    await admin.query(`INSERT INTO \`${db.name}\`.killed SELECT seq, CONCAT('row ', seq) FROM \`${db.name}\`.seq_1_to_300000`);
    const table = (await data.introspector.describeTable(ref('killed'))) as TableSchema;
    let rows = 0;
    const reading = (async () => {
      for await (const batch of data.reader.read({ table, columns: table.columns, keyColumns: ['id'], batchSize: 1000 })) {
        if (rows === 0) {
          const [found] = await admin.query<RowDataPacket[]>("SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT %killed%' AND INFO NOT LIKE '%PROCESSLIST%'");
          await admin.query(`KILL CONNECTION ${Number(found[0]?.['id'])}`);
        }
        rows += batch.rows.length;
        // A consumer slower than the socket: batches wait, the connection pauses and resumes.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await expect(reading).rejects.toMatchObject({ transient: true, message: expect.stringMatching(/connection lost/i) });
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(300_000);
  }, 30_000);

  it('streams 200 000 rows from reader to writer in batches of at most 5000 rows and about READ_BATCH_BYTES, with equal checksums', async () => {
    await admin.query(`CREATE TABLE \`${db.name}\`.digits (n int PRIMARY KEY)`);
    await admin.query(`INSERT INTO \`${db.name}\`.digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)`);
    await admin.query(`CREATE TABLE \`${db.name}\`.many (id bigint PRIMARY KEY, label varchar(40) NOT NULL, amount decimal(20,4), at datetime(6))`);
    await admin.query(`INSERT INTO \`${db.name}\`.many
      SELECT a.n + 10*b.n + 100*c.n + 1000*d.n + 10000*e.n + 100000*f.n AS id,
        CONCAT('row ', a.n, b.n, c.n, d.n, e.n, f.n), (a.n * 12345.6789) - b.n, TIMESTAMP('2020-01-01') + INTERVAL (a.n + 10*b.n + 100*c.n) MICROSECOND
      FROM \`${db.name}\`.digits a, \`${db.name}\`.digits b, \`${db.name}\`.digits c, \`${db.name}\`.digits d, \`${db.name}\`.digits e, \`${db.name}\`.digits f
      WHERE f.n < 2`);
    const source = (await data.introspector.describeTable(ref('many'))) as TableSchema;
    await data.execute(data.ddl.createTable(ref('many_copy'), source).statements);
    const target = (await data.introspector.describeTable(ref('many_copy'))) as TableSchema;
    const sizes: number[] = [];
    async function* counted(): AsyncIterable<RowBatch> {
      for await (const batch of data.reader.read({ table: source, columns: source.columns, keyColumns: ['id'], batchSize: 5000 })) {
        sizes.push(batch.rows.length);
        yield batch;
      }
    }
    const result = await data.writer.write({ table: target, columns: target.columns, keyColumns: ['id'], mode: 'insert' }, counted());
    expect(result.rowsWritten).toBe(200_000);
    // About 40 bytes a row: READ_BATCH_BYTES ends each batch before 5000 rows.
    expect(sizes.reduce((a, n) => a + n, 0)).toBe(200_000);
    expect(sizes.every((n) => n <= 5000 && n * 40 <= READ_BATCH_BYTES * 1.5)).toBe(true);
    expect(sizes.length).toBeLessThan(Math.ceil((200_000 * 40) / READ_BATCH_BYTES) * 2);
    const a = await data.checksummer.checksum({ table: source, columns: source.columns, keyColumns: ['id'] });
    const b = await data.checksummer.checksum({ table: target, columns: target.columns, keyColumns: ['id'] });
    expect(a.rows).toBe(200_000);
    expect(b).toEqual(a);
  }, 120_000);
});
