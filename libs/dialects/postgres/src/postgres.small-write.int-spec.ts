import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  type DataPlane,
  type DialectSession,
  type NeutralColumn,
  type NeutralValue,
  parseConnectionUrl,
  type RowBatch,
  SMALL_WRITE_ROWS,
  type TableRef,
  type TableSchema,
  TerminalDbError,
} from '@dbferry/dialects-core';
import { createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { PostgresDialect } from './postgres.dialect';
import type { PostgresWriteRequest } from './postgres.writer';

const dialect = new PostgresDialect();
const TABLE: TableRef = { schema: 'public', name: 'small' };

/** Lossless edge values, one row per line; column order as in CREATE TABLE below. */
const EDGE_ROWS: NeutralValue[][] = [
  [1n, 9223372036854775807n, '9999999999999999999999999999.9999999999', '2024-02-29 23:59:59.123456', 'emoji 😀 𝄞 и\ttab\nline\\', Buffer.from([0, 1, 0xff, 0, 0x5c, 0x4e]), '{"ключ": "😀", "a": [1, 2.5]}', [1, null, -3], ['a,b', '"q"', 'NULL', null], 'it\'s', Number.NaN],
  [2n, -9223372036854775808n, '-0.0000000001', '0001-01-01 00:00:00', '', Buffer.alloc(0), 'null', [], [], 'sad', Number.NEGATIVE_INFINITY],
  [3n, null, null, null, null, null, null, null, null, null, null],
];

async function* batchesOf(columns: NeutralColumn[], rows: NeutralValue[][], size = 2): AsyncGenerator<RowBatch> {
  for (let i = 0; i < rows.length; i += size) yield { columns, rows: rows.slice(i, i + size) };
}

describe('PostgreSQL small writes (one INSERT … VALUES … ON CONFLICT statement)', () => {
  let db: EphemeralDatabase;
  let session: DialectSession;
  let plane: DataPlane;
  let schema: TableSchema;
  let admin: Client;
  const role = `dbferry_notemp_${randomBytes(4).toString('hex')}`;

  const read = async (plane_: DataPlane = plane): Promise<NeutralValue[][]> => {
    const rows: NeutralValue[][] = [];
    for await (const batch of plane_.reader.read({ table: TABLE, columns: schema.columns, keyColumns: ['id'], batchSize: 100 })) rows.push(...batch.rows);
    return rows;
  };
  const upsert = (rows: NeutralValue[][], extra: Partial<PostgresWriteRequest> = {}, on: DataPlane = plane) =>
    on.writer.write({ table: TABLE, columns: schema.columns, keyColumns: ['id'], mode: 'upsert', ...extra } as PostgresWriteRequest, batchesOf(schema.columns, rows));

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_pgsmall');
    admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'it''s')`);
    await admin.query(`CREATE TABLE small (id bigint PRIMARY KEY, i8 bigint, num numeric(38,10), ts timestamp(6), t text, b bytea, j jsonb, arr int[], tarr text[], m mood, f8 double precision)`);
    const parsed = parseConnectionUrl('postgres', db.url);
    session = await dialect.connect({ dialect: 'postgres', ...parsed, address: parsed.host }, { timeoutMs: 5000 });
    plane = session.data as DataPlane;
    schema = (await plane.introspector.describeTable(TABLE)) as TableSchema;
  }, 60_000);

  afterEach(async () => {
    await admin.query('TRUNCATE small');
  });

  afterAll(async () => {
    await session?.close();
    await admin?.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await admin?.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await admin?.end();
    await db?.drop();
  });

  it('stores every edge value exactly as the COPY path does, and again idempotently', async () => {
    expect(await upsert(EDGE_ROWS)).toEqual({ rowsWritten: 3, warnings: [] });
    const small = await read();
    // jsonb reads back in its own normal form; everything else exactly as written.
    expect(small).toEqual(EDGE_ROWS.map((row) => (row[0] === 1n ? [...row.slice(0, 6), '{"a": [1, 2.5], "ключ": "😀"}', ...row.slice(7)] : row)));
    await admin.query('TRUNCATE small');
    expect(await upsert(EDGE_ROWS, { copyFormat: 'text' })).toEqual({ rowsWritten: 3, warnings: [] });
    expect(await read()).toEqual(small);
    expect(await upsert(EDGE_ROWS)).toEqual({ rowsWritten: 3, warnings: [] });
    expect(await read()).toEqual(small);
  });

  it('updates the non-key columns of rows that exist and inserts the others', async () => {
    await upsert([EDGE_ROWS[0], EDGE_ROWS[2]]);
    const changed = [[1n, 5n, '1.5000000000', '2000-01-01 00:00:00', 'new', null, '{}', [7], ['x'], 'ok', 0.5], EDGE_ROWS[1]];
    expect((await upsert(changed)).rowsWritten).toBe(2);
    expect(await read()).toEqual([changed[0], EDGE_ROWS[1], EDGE_ROWS[2]]);
  });

  it('applies the write NUL policy and cuts fractions beyond microseconds with a warning, as COPY does', async () => {
    const row = [9n, null, null, '2024-01-01 10:00:00.1234567', 'a\u0000b', null, null, null, null, null, null];
    await expect(upsert([row], { nul: 'reject' })).rejects.toBeInstanceOf(TerminalDbError);
    expect(await read()).toEqual([]);
    const result = await upsert([row]);
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        { column: 't', kind: 'nul-stripped', count: 1 },
        { column: 'ts', kind: 'fractional-seconds-truncated', count: 1 },
      ]),
    );
    expect((await read())[0].slice(3, 5)).toEqual(['2024-01-01 10:00:00.123456', 'ab']);
  });

  it('takes the statement path up to SMALL_WRITE_ROWS rows and the staging path above (a role without TEMP shows which)', async () => {
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`REVOKE TEMPORARY ON DATABASE ${db.name} FROM PUBLIC`);
    await admin.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await admin.query(`GRANT SELECT, INSERT, UPDATE ON small TO ${role}`);
    const url = new URL(db.url);
    url.username = role;
    url.password = '';
    const parsed = parseConnectionUrl('postgres', url.toString());
    const limited = await dialect.connect({ dialect: 'postgres', ...parsed, address: parsed.host }, { timeoutMs: 5000 });
    try {
      const rows = (n: number) => Array.from({ length: n }, (_, i) => [BigInt(i + 1), BigInt(i), null, null, `r${i}`, null, null, null, null, null, null]);
      const on = limited.data as DataPlane;
      expect((await upsert(rows(SMALL_WRITE_ROWS), {}, on)).rowsWritten).toBe(SMALL_WRITE_ROWS);
      expect(await read()).toHaveLength(SMALL_WRITE_ROWS);
      // One more row goes through CREATE TEMP TABLE, which this role may not do: nothing is written.
      await expect(upsert(rows(SMALL_WRITE_ROWS + 1).map((r) => [r[0], 0n, ...r.slice(2)]), {}, on)).rejects.toThrow(/temporary|permission/i);
      expect((await read()).every((r) => r[1] !== 0n || r[0] === 1n)).toBe(true);
    } finally {
      await limited.close();
    }
  });
});
