import { Client } from 'pg';
import {
  batchRowCount,
  type DataPlane,
  type DialectSession,
  type NeutralColumn,
  type NeutralValue,
  parseConnectionUrl,
  type ResolvedConnectionSpec,
  type RowBatch,
  type TableRef,
  type TableSchema,
} from '@dbferry/dialects-core';
import { createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { PostgresDialect } from './postgres.dialect';
import type { PostgresReadRequest } from './postgres.reader';

/**
 * The COPY binary read path against the text cursor path on edge values of every type it
 * decodes, and the binary pass-through into a like-typed table.
 */
const dialect = new PostgresDialect();
const EDGES: TableRef = { schema: 'public', name: 'edges' };

const EDGE_SQL = [
  `CREATE TYPE colour AS ENUM ('red', 'green', 'it''s')`,
  `CREATE TABLE edges (
    id int PRIMARY KEY, bo boolean, i2 smallint, i4 integer, i8 bigint, n numeric, n2 numeric(12,2), f8 double precision,
    t text, vc varchar(20), c char(4), nm name, u uuid, j json, jb jsonb, b bytea, d date, tm time(6),
    ts timestamp(6), tz timestamptz(6), e colour, m money)`,
  `INSERT INTO edges VALUES
    (1, true, 32767, 2147483647, 9223372036854775807, 'NaN', 9999999999.99, 0.1, 'emoji 😀 𝄞', '', 'ab', 'n',
     'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{"b": 1, "a": [1, 2.50]}', '{"b": 1, "a": "ключ"}', '\\x00ff00',
     '4713-01-01 BC', '00:00:00', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', 'red', 12.34),
    (2, false, -32768, -2147483648, -9223372036854775808, 'Infinity', -0.01, 'NaN', E'tab\\tnl\\nbs\\\\', 'x', 'abcd', '',
     '00000000-0000-0000-0000-000000000000', 'null', '[]', '\\x', '0001-12-31 BC', '23:59:59.999999',
     '0044-03-15 12:00:00.5 BC', '0044-03-15 12:00:00.5+00 BC', 'it''s', -92233720368547758.08),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (4, true, 0, 0, 9007199254740993, '-Infinity', 0, '-Infinity', '', 'z', '', 'x',
     'ffffffff-ffff-ffff-ffff-ffffffffffff', '"s"', '{}', '\\x5c4e', '0001-01-01', '24:00:00',
     '0001-01-01 00:00:00', '0001-01-01 00:00:00+00', 'green', 0),
    (5, false, 1, 1, -9007199254740993, '0.000000000000000000001', 0.5, '-0', 'x', 'y', 'a', 'y',
     'abcdef01-2345-6789-abcd-ef0123456789', '{}', '{"n": 1e400}', '\\x01', '1999-12-31', '12:00:00.5',
     '1999-12-31 23:59:59.999999', '1999-12-31 23:59:59.999999+00', 'red', 0.01),
    (6, true, 2, 2, 4294967296, '123456789012345678901234567890.123456789', 1, 5e-324, 'a', 'b', 'c', 'z',
     '6f1c5a4e-2b8d-4c3a-9e7f-0123456789ab', '1', '1.5', '\\xdeadbeef', '2000-01-01', '00:00:00.000001',
     '2000-01-01 00:00:00', '2000-01-01 00:00:00+00', 'red', 1),
    (7, false, 3, 3, -1, '-0.5', 10000, 1.7976931348623157e308, 'b', 'c', 'd', 'q',
     '6f1c5a4e-2b8d-4c3a-9e7f-0123456789ac', '{"x": "\\u00e9"}', '{"x": "\\u00e9"}', '\\x00', '1969-12-31', '01:02:03.04',
     '1969-12-31 23:59:59.999999', '1969-12-31 23:59:59.999999+00', 'green', 2),
    (8, true, 4, 4, 0, '10000', 0.1, 0, 'c', 'd', 'e', 'r',
     '6f1c5a4e-2b8d-4c3a-9e7f-0123456789ad', '2', '2', '\\x00', '2024-02-29', '13:14:15',
     '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00', 'red', 3),
    (9, true, 5, 5, 1, '9999.0001', 0.11, 1, 'd', 'e', 'f', 's',
     '6f1c5a4e-2b8d-4c3a-9e7f-0123456789ae', '3', '3', '\\x00', '5874897-12-31', '13:14:15.1',
     '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00', 'red', 4),
    (10, true, 6, 6, 2, '0.0001', 0.12, 2, 'e', 'f', 'g', 't',
     '6f1c5a4e-2b8d-4c3a-9e7f-0123456789af', '4', '4', '\\x00', 'infinity', '13:14:15.123',
     'infinity', 'infinity', 'red', 5),
    (11, true, 7, 7, 3, '0.00', 0.13, 3, 'f', 'g', 'h', 'u',
     '6f1c5a4e-2b8d-4c3a-9e7f-0123456789b0', '5', '5', '\\x00', '-infinity', '13:14:15.000001',
     '-infinity', '-infinity', 'red', 6),
    (12, true, 8, 8, 4, '1e-5', 0.14, 4, 'g', 'h', 'i', 'v',
     '6f1c5a4e-2b8d-4c3a-9e7f-0123456789b1', '6', '6', '\\x00', '10000-01-01', '00:00:59',
     '10000-01-01 00:00:00', '12000-06-30 12:00:00+00', 'red', 7)`,
  // Timestamps around the day boundary on both sides of 2000-01-01 and far from it.
  `INSERT INTO edges (id, ts, tz, d, n, i8)
   SELECT 100 + g,
     timestamp '2000-01-01' + (g - 500) * interval '1 day 37 minutes 11.000007 seconds',
     timestamptz '1900-01-01 00:00:00+00' + g * interval '97 days 1 microsecond',
     date '0100-01-01' + g * 3001,
     (g * 12345.6789 - 1234567)::numeric,
     (g::bigint - 500) * 98765432109876
   FROM generate_series(0, 1000) g`,
];

async function collect(batches: AsyncIterable<RowBatch>): Promise<{ rows: NeutralValue[][]; batches: RowBatch[] }> {
  const rows: NeutralValue[][] = [];
  const seen: RowBatch[] = [];
  for await (const batch of batches) {
    seen.push(batch);
    rows.push(...batch.rows);
  }
  return { rows, batches: seen };
}

describe('PostgreSQL COPY binary reads', () => {
  let db: EphemeralDatabase;
  let spec: ResolvedConnectionSpec;
  let session: DialectSession;
  let data: DataPlane;
  let schema: TableSchema;

  const read = (request: Partial<PostgresReadRequest> = {}) =>
    data.reader.read({ table: EDGES, columns: schema.columns, keyColumns: ['id'], batchSize: 7, ...request } as PostgresReadRequest);

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_pgcopy');
    const parsed = parseConnectionUrl('postgres', db.url);
    spec = { dialect: 'postgres', ...parsed, address: parsed.host };
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      for (const sql of EDGE_SQL) await admin.query(sql);
    } finally {
      await admin.end();
    }
    session = await dialect.connect(spec, { timeoutMs: 5000 });
    data = session.data as DataPlane;
    schema = (await data.introspector.describeTable(EDGES)) as TableSchema;
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await db?.drop();
  });

  it('decodes every value exactly as the text cursor does, in batches that carry the raw rows', async () => {
    const binary = await collect(read());
    const text = await collect(read({ via: 'cursor' }));
    expect(text.batches.every((b) => b.native === undefined)).toBe(true);
    expect(binary.batches.every((b) => b.native?.format === 'postgres-binary-copy')).toBe(true);
    expect(binary.batches.map(batchRowCount)).toEqual(text.batches.map((b) => b.rows.length));
    expect(binary.rows.length).toBe(1013);
    for (const [i, row] of text.rows.entries()) {
      expect({ id: row[0], values: binary.rows[i] }).toEqual({ id: row[0], values: row });
    }
    // Spot checks that the text path (and so the binary one) reads what the server holds.
    const byId = new Map(binary.rows.map((r) => [r[0], r]));
    const col = (name: string) => schema.columns.findIndex((c) => c.name === name);
    expect(byId.get(1)?.[col('ts')]).toBe('4713-01-01 00:00:00 BC');
    expect(byId.get(2)?.[col('ts')]).toBe('0044-03-15 12:00:00.5 BC');
    expect(byId.get(9)?.[col('tz')]).toBe('294276-12-31 23:59:59.999999+00:00');
    expect(byId.get(4)?.[col('i8')]).toBe(9007199254740993n);
    expect(byId.get(2)?.[col('n')]).toBe('Infinity');
    expect(byId.get(5)?.[col('n')]).toBe('0.000000000000000000001');
    expect(byId.get(2)?.[col('m')]).toBe('-92233720368547758.08');
    expect(byId.get(4)?.[col('tm')]).toBe('24:00:00');
  });

  it('reads key ranges and a filter the same way', async () => {
    const range = { lower: [5], upper: [600] };
    const where = `"n" IS NOT NULL AND ("e" IS NULL OR "e" <> 'it''s')`;
    const binary = await collect(read({ range, where, batchSize: 100 }));
    const text = await collect(read({ range, where, batchSize: 100, via: 'cursor' }));
    expect(binary.rows).toEqual(text.rows);
    expect(binary.rows[0]?.[0]).toBe(6);
    expect(binary.rows.at(-1)?.[0]).toBe(600);
  });

  it('falls back to the text cursor for a type without a binary decoder', async () => {
    const withFloat4 = [...schema.columns, { name: 'f4', nativeType: 'real', nullable: true, type: { kind: 'float32' } } as NeutralColumn];
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query('CREATE TABLE edges_f4 AS SELECT *, 1.1::real AS f4 FROM edges');
    } finally {
      await admin.end();
    }
    const { batches, rows } = await collect(
      data.reader.read({ table: { schema: 'public', name: 'edges_f4' }, columns: withFloat4, keyColumns: ['id'], batchSize: 500 }),
    );
    expect(batches.every((b) => b.native === undefined)).toBe(true);
    expect(rows[0]?.at(-1)).toBe(1.1);
  });

  it('stops a COPY early without breaking the session', async () => {
    for await (const batch of read({ batchSize: 10 })) {
      expect(batchRowCount(batch)).toBe(10);
      break;
    }
    const controller = new AbortController();
    const aborted = (async () => {
      for await (const _ of read({ batchSize: 10, signal: controller.signal })) controller.abort(new Error('stop here'));
    })();
    await expect(aborted).rejects.toThrow('stop here');
    const { rows } = await collect(read({ batchSize: 1000 }));
    expect(rows).toHaveLength(1013);
  });

  it('fails with the server\'s error when the COPY breaks half-way, and the session reads again', async () => {
    // Division by zero at id 600: rows before it have been sent already.
    const where = `1 / ("id" - 600) IS NOT NULL OR "id" < 600`;
    const batches: number[] = [];
    const failing = (async () => {
      for await (const batch of read({ where, batchSize: 50 })) batches.push(batchRowCount(batch));
    })();
    await expect(failing).rejects.toMatchObject({ message: expect.stringMatching(/division by zero/) });
    const { rows } = await collect(read({ batchSize: 1000 }));
    expect(rows).toHaveLength(1013);
  });

  it('cancels a long COPY that the consumer leaves early', async () => {
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query(`CREATE TABLE long_copy AS SELECT g::bigint AS id, repeat('x', 200) AS t FROM generate_series(1, 300000) g`);
      await admin.query('ALTER TABLE long_copy ADD PRIMARY KEY (id)');
    } finally {
      await admin.end();
    }
    const table = { schema: 'public', name: 'long_copy' };
    const columns = (await data.introspector.describeTable(table))?.columns as NeutralColumn[];
    const started = performance.now();
    for await (const batch of data.reader.read({ table, columns, keyColumns: ['id'], batchSize: 10 })) {
      expect(batchRowCount(batch)).toBe(10);
      break;
    }
    // Stopped, not read to the end: the session's next read starts at once.
    const { rows } = await collect(data.reader.read({ table, columns, keyColumns: ['id'], range: { upper: [5n] }, batchSize: 10 }));
    expect(rows.map((r) => r[0])).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  describe('writing into PostgreSQL', () => {
    const copyAndCompare = async (target: string, ddl: string) => {
      await data.execute([ddl]);
      const table = { schema: 'public', name: target };
      const result = await data.writer.write({ table, columns: schema.columns, keyColumns: ['id'], mode: 'insert' }, read({ batchSize: 50 }));
      expect(result.rowsWritten).toBe(1013);
      const [a, b] = await Promise.all([
        data.checksummer.checksum({ table: EDGES, columns: schema.columns, keyColumns: ['id'] }),
        data.checksummer.checksum({ table, columns: schema.columns, keyColumns: ['id'] }),
      ]);
      expect(b).toEqual(a);
    };

    it('passes the rows through unchanged into a like-typed table', async () => {
      await copyAndCompare('edges_like', 'CREATE TABLE edges_like (LIKE edges INCLUDING ALL)');
    });

    it('decodes and re-encodes for a target of other types', async () => {
      // text for the enum, bigint for the int4, jsonb for json: no pass-through, same values.
      await copyAndCompare(
        'edges_other',
        `CREATE TABLE edges_other (
          id bigint PRIMARY KEY, bo boolean, i2 integer, i4 bigint, i8 bigint, n numeric, n2 numeric(14,2), f8 double precision,
          t text, vc text, c char(4), nm name, u uuid, j json, jb jsonb, b bytea, d date, tm time(6),
          ts timestamp(6), tz timestamptz(6), e text, m money)`,
      );
    });

    it('loads the raw rows only when the types match, otherwise the decoded ones', async () => {
      const columns = schema.columns.filter((c) => c.name === 'id' || c.name === 'i8');
      // A batch whose raw rows say something else than its decoded rows shows which one was written.
      const raw = await collect(data.reader.read({ table: EDGES, columns, keyColumns: ['id'], range: { upper: [2] }, batchSize: 10 }));
      const native = raw.batches[0]?.native;
      expect(native).toBeDefined();
      const forged: RowBatch = { columns, rows: [[1, 42n], [2, 43n]], rowCount: 2, native };
      async function* once() {
        yield forged;
      }
      await data.execute(['CREATE TABLE same_types (id int PRIMARY KEY, i8 bigint)', 'CREATE TABLE other_types (id bigint PRIMARY KEY, i8 numeric)']);
      for (const name of ['same_types', 'other_types']) {
        await data.writer.write({ table: { schema: 'public', name }, columns, keyColumns: ['id'], mode: 'insert' }, once());
      }
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      try {
        const same = await admin.query('SELECT id, i8::text FROM same_types ORDER BY id');
        const other = await admin.query('SELECT id::int, i8::text FROM other_types ORDER BY id');
        expect(same.rows).toEqual([
          { id: 1, i8: '9223372036854775807' },
          { id: 2, i8: '-9223372036854775808' },
        ]);
        expect(other.rows).toEqual([
          { id: 1, i8: '42' },
          { id: 2, i8: '43' },
        ]);
      } finally {
        await admin.end();
      }
    });
  });
});
