import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { parseConnectionUrl, TableRef } from '@dbferry/dialects-core';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase, spawnWorker, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, readTableRows, runJobToEnd, saveConnection, startApi } from './harness';

/**
 * Every row of a table, each value normalised by its own side's neutral type, sorted: the
 * two sides compare whatever order a keyless table comes back in.
 */
async function snapshot(url: string, dialect: 'postgres' | 'mysql', table: TableRef): Promise<string[]> {
  return (await readTableRows(dialect, parseConnectionUrl(dialect, url), table)).map((row) => JSON.stringify(row)).sort();
}

describe('a pattern job over a whole schema (e2e)', () => {
  let api: ApiHarness;
  let operator: string;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  let jobId: string;
  const auth = () => ({ Authorization: `Bearer ${operator}` });
  const workerOutput = () => worker?.output() ?? '';

  const pgExec = async (sql: string) => {
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const targetTables = async () => {
    const conn = await createConnection(maria.url);
    try {
      const [rows] = await conn.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name', [maria.name]);
      return (rows as { name: string }[]).map((r) => r.name);
    } finally {
      await conn.end();
    }
  };
  const runToEnd = () => runJobToEnd(api, operator, jobId, { context: workerOutput, timeoutMs: 120_000 });
  const expectEqual = async (name: string, rows: number) => {
    const source = await snapshot(pg.url, 'postgres', { schema: 'shop', name });
    const target = await snapshot(maria.url, 'mysql', { schema: maria.name, name });
    expect(source).toHaveLength(rows);
    expect(target).toHaveLength(rows);
    expect(target).toEqual(source);
  };

  beforeAll(async () => {
    api = await startApi();
    const admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    pg = await createPostgresDatabase('dbferry_pat_src');
    maria = await createMysqlDatabase('dbferry_pat_dst');
    await pgExec(`
      CREATE SCHEMA shop;
      CREATE TABLE shop.customers (
        id bigint PRIMARY KEY, name text NOT NULL, email varchar(200), vip boolean, balance numeric(14,4),
        born date, joined timestamptz(6), ref uuid);
      INSERT INTO shop.customers
      SELECT g, 'customer ' || g || ' é 🐘', CASE WHEN g % 7 = 0 THEN NULL ELSE 'c' || g || '@example.com' END, g % 3 = 0,
             (g * 12.3456)::numeric(14,4), date '1950-01-01' + g, timestamptz '2024-02-29 12:00:00.000001+00' + g * interval '1 hour',
             md5(g::text)::uuid
        FROM generate_series(1, 1000) g;
      INSERT INTO shop.customers VALUES (9223372036854775807, '', '', NULL, '-9999999999.9999', '9999-12-31', '1970-01-01 00:00:00+00', NULL);

      CREATE TABLE shop.order_lines (
        order_id int NOT NULL, line_no smallint NOT NULL, sku varchar(40) NOT NULL, qty int NOT NULL, price numeric(12,2),
        note text, PRIMARY KEY (order_id, line_no));
      INSERT INTO shop.order_lines
      SELECT o, l, 'SKU-' || (o * 10 + l), (o + l) % 9 + 1, ((o * l) % 1000 + 0.99)::numeric(12,2), CASE WHEN l = 1 THEN NULL ELSE 'line ' || l END
        FROM generate_series(1, 300) o, generate_series(1, 5) l;

      CREATE TABLE shop.documents (id serial PRIMARY KEY, title varchar(120), body jsonb, blob bytea, ratio float8, created timestamp(6));
      INSERT INTO shop.documents (title, body, blob, ratio, created)
      SELECT 'doc ' || g, jsonb_build_object('n', g, 'tags', jsonb_build_array('a', 'ключ')), decode(lpad(to_hex(g), 8, '0') || '00ff', 'hex'),
             g / 7.0, timestamp '1999-12-31 23:59:59.999999' + g * interval '1 second'
        FROM generate_series(1, 250) g;

      CREATE TABLE shop.audit_trail (at timestamp(6) NOT NULL, actor text, action varchar(30));
      INSERT INTO shop.audit_trail SELECT timestamp '2025-01-01' + g * interval '1 minute', 'user' || (g % 4), 'act ' || (g % 3) FROM generate_series(1, 120) g;
      INSERT INTO shop.audit_trail SELECT timestamp '2025-01-01 00:01', 'user1', 'act 1' FROM generate_series(1, 2);`);

    worker = await spawnWorker({ WORKER_CONCURRENCY: '3', LOG_LEVEL: 'warn' });
    await worker.ready();

    const src = await saveConnection(api, admin, 'pg-shop', 'postgres', pg);
    const dst = await saveConnection(api, admin, 'maria-shop', 'mysql', maria);
    jobId = (await request(api.http).post('/api/jobs').set(auth()).send({
      name: 'whole shop', sourceId: src, targetId: dst, mode: 'full', writeMode: 'replace', chunkRows: 300, batchSize: 100, tables: [{ source: 'shop.*' }],
    }).expect(201)).body.id;
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await pg?.drop();
    await maria?.drop();
  }, 60_000);

  it('previews every table of the schema and creates none of them', async () => {
    const res = await request(api.http).post(`/api/jobs/${jobId}/preview`).set(auth()).expect(200);
    const tables = res.body.tables as { source: { name: string }; target: { schema: string; name: string }; keyColumns: string[]; targetExists: boolean; ddl: string[] }[];
    expect(tables.map((t) => t.source.name).sort()).toEqual(['audit_trail', 'customers', 'documents', 'order_lines']);
    for (const t of tables) {
      expect(t).toMatchObject({ target: { schema: maria.name, name: t.source.name }, targetExists: false });
      expect(t.ddl[0]).toMatch(/^CREATE TABLE `/);
    }
    expect(tables.find((t) => t.source.name === 'order_lines')!.keyColumns).toEqual(['order_id', 'line_no']);
    expect(tables.find((t) => t.source.name === 'audit_trail')!.keyColumns).toEqual([]);
    expect(await targetTables()).toEqual([]);
  });

  it('copies every table of shop.* to MariaDB, each equal to its source', async () => {
    const run = await runToEnd();
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    expect(run.tables.map((t) => t.source).sort()).toEqual(['shop.audit_trail', 'shop.customers', 'shop.documents', 'shop.order_lines']);
    for (const t of run.tables) {
      expect(t).toMatchObject({ status: 'succeeded', target: `${maria.name}.${t.source.split('.')[1]}` });
      expect(t.chunksDone).toBe(t.chunksTotal);
    }
    const byName = (name: string) => run.tables.find((t) => t.source === `shop.${name}`)!;
    expect(byName('order_lines').chunksTotal).toBeGreaterThan(1); // ranges over the composite key
    expect(byName('audit_trail')).toMatchObject({ resumable: false, chunksTotal: 1 });
    expect(Number(run.rowsWritten)).toBe(1001 + 1500 + 250 + 122);
    expect(await targetTables()).toEqual(['audit_trail', 'customers', 'documents', 'order_lines']);

    await expectEqual('customers', 1001);
    await expectEqual('order_lines', 1500);
    await expectEqual('documents', 250);
    await expectEqual('audit_trail', 122);
  }, 180_000);

  it('picks up a table added to the schema on the next run, and keeps the others equal', async () => {
    await pgExec(`
      CREATE TABLE shop.warehouses (code varchar(12) PRIMARY KEY, city text, capacity int, opened date);
      INSERT INTO shop.warehouses SELECT 'WH-' || lpad(g::text, 4, '0'), 'city ' || g, g * 100, date '2000-01-01' + g FROM generate_series(1, 140) g;
      UPDATE shop.customers SET name = name || ' (moved)' WHERE id % 10 = 0;
      DELETE FROM shop.order_lines WHERE order_id = 7;`);
    const run = await runToEnd();
    expect(run.status).toBe('succeeded');
    expect(run.tables.map((t) => t.source).sort()).toEqual(['shop.audit_trail', 'shop.customers', 'shop.documents', 'shop.order_lines', 'shop.warehouses']);
    const added = run.tables.find((t) => t.source === 'shop.warehouses')!;
    expect(added.ddl[0]).toMatch(/^CREATE TABLE `/);
    expect(run.tables.filter((t) => t.ddl.length)).toHaveLength(1);

    await expectEqual('warehouses', 140);
    await expectEqual('customers', 1001);
    await expectEqual('order_lines', 1495);
    await expectEqual('documents', 250);
    await expectEqual('audit_trail', 122);
  }, 180_000);
});
