import { join } from 'node:path';
import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { Database } from 'sqlite3';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase, spawnWorker, WorkerProcess } from '@dbferry/testing';
import { ApiHarness, runJobToEnd, saveConnection, startApi } from './harness';

/**
 * Transform expressions (issue 15 item 4): `set.expr` evaluated by the source in its read, typed
 * by the source at plan time, previewed, landed as previewed; refused when it is not a read-only
 * scalar over the table's columns; a run-time failure fails the table naming the column.
 */
const ROWS = 40;
const LINES = 450;

function sqliteFile(path: string, sql: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new Database(path, (error) => {
      if (error) return reject(error);
      db.exec(sql.join(';\n'), (e) => db.close(() => (e ? reject(e) : resolve())));
    });
  });
}

interface Mapping {
  column: string;
  sourceType: string;
  neutralType: string;
  targetType: string;
  transform?: string;
}

describe('transform expressions (e2e)', () => {
  let api: ApiHarness;
  let admin: string;
  let operator: string;
  let pg: EphemeralDatabase;
  let maria: EphemeralDatabase;
  let worker: WorkerProcess | undefined;
  let pgId: string;
  let mariaId: string;
  let sqliteId: string;
  const auth = () => ({ Authorization: `Bearer ${operator}` });
  const job = (sourceId: string, source: string, target: string, transforms: unknown[], { table, ...extra }: Record<string, unknown> = {}) => ({
    name: `expr ${target} ${Math.random().toString(36).slice(2, 8)}`,
    sourceId,
    targetId: mariaId,
    mode: 'full',
    writeMode: 'upsert',
    ...extra,
    tables: [{ source, target: `${maria.name}.${target}`, transforms, ...(table as object) }],
  });
  const mariaQuery = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const db = await createConnection({ uri: maria.url, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
    try {
      return (await db.query(sql, params))[0] as T[];
    } finally {
      await db.end();
    }
  };
  const targetTypes = async (table: string): Promise<Record<string, string>> => {
    const rows = await mariaQuery<{ c: string; t: string }>('SELECT column_name AS c, column_type AS t FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position', [maria.name, table]);
    return Object.fromEntries(rows.map((r) => [r.c, r.t.replace(/^(tinyint|smallint|mediumint|int|bigint)\(\d+\)/, '$1')]));
  };
  const preview = async (body: unknown): Promise<Record<string, Mapping>> => {
    const res = await request(api.http).post('/api/jobs/preview').set(auth()).send(body as object).expect(200);
    return Object.fromEntries((res.body.tables[0].mapping as Mapping[]).map((m) => [m.column, m]));
  };
  const expectTypesAsPreviewed = async (table: string, mapping: Record<string, Mapping>) => {
    const types = await targetTypes(table);
    expect(Object.keys(types)).toEqual(Object.keys(mapping));
    for (const [column, m] of Object.entries(mapping)) expect(`${column} ${types[column]}`).toBe(`${column} ${m.targetType}`);
  };

  beforeAll(async () => {
    api = await startApi();
    admin = await api.adminToken();
    operator = await api.tokenFor('operator');
    pg = await createPostgresDatabase('dbferry_expr_src');
    maria = await createMysqlDatabase('dbferry_expr_dst');
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query(`
      CREATE TABLE orders (
        id int PRIMARY KEY, first_name varchar(40) NOT NULL, last_name varchar(40), price numeric(10,2) NOT NULL, qty int NOT NULL,
        ordered_on date NOT NULL, changed_at timestamp(6) NOT NULL)`);
    await client.query(`
      INSERT INTO orders
      SELECT g, 'First' || g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'Last' || g END, g * 1.25, g % 7, date '2026-01-01' + g,
             timestamp '2026-01-01 00:00:00' + g * interval '1 minute'
        FROM generate_series(1, ${ROWS}) g`);
    await client.query(`CREATE TABLE lines (id int PRIMARY KEY, sku text NOT NULL, qty int NOT NULL)`);
    await client.query(`INSERT INTO lines SELECT g, 'sku-' || g, g % 5 FROM generate_series(1, ${LINES}) g`);
    await client.end();
    await sqliteFile(join(api.env.SQLITE_ROOT, 'expr.db'), [
      'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2) NOT NULL, qty INTEGER NOT NULL)',
      ...Array.from({ length: ROWS }, (_, i) => `INSERT INTO items VALUES (${i + 1}, 'item ${i + 1}', ${((i + 1) * 0.5).toFixed(2)}, ${(i + 1) % 4})`),
    ]);
    worker = await spawnWorker({ WORKER_CONCURRENCY: '2', LOG_LEVEL: 'warn' });
    await worker.ready();
    pgId = await saveConnection(api, admin, 'expr-pg', 'postgres', pg);
    mariaId = await saveConnection(api, admin, 'expr-maria', 'mysql', maria);
    sqliteId = (await request(api.http).post('/api/connections').set('Authorization', `Bearer ${admin}`).send({ name: 'expr-sqlite', dialect: 'sqlite', database: 'expr.db' }).expect(201)).body.id as string;
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api.close();
    await pg.drop();
    await maria.drop();
  }, 60_000);

  it('PostgreSQL → MariaDB: expression columns typed by the source, previewed, and landed as previewed', async () => {
    const transforms = [
      { column: 'full_name', set: { expr: "first_name || ' ' || last_name" } },
      { column: 'total', set: { expr: 'price * qty' } },
      { column: 'qty', rename: 'size', set: { expr: "CASE WHEN qty > 3 THEN 'bulk' ELSE 'single' END" } },
      { column: 'code', set: { expr: "upper(left(first_name, 3)) || '-' || id", type: 'text' } },
      { column: 'due_on', set: { expr: 'ordered_on + 30' } },
    ];
    const body = job(pgId, 'public.orders', 'orders_a', transforms);
    const mapping = await preview(body);
    expect(Object.keys(mapping)).toEqual(['id', 'first_name', 'last_name', 'price', 'size', 'ordered_on', 'changed_at', 'full_name', 'total', 'code', 'due_on']);
    expect(mapping['full_name']).toMatchObject({ sourceType: 'text', neutralType: 'text', transform: `new column, set to the source's expression "first_name" || ' ' || "last_name"` });
    expect(mapping['total']).toMatchObject({ sourceType: 'numeric', transform: expect.stringContaining('"price" * "qty"') });
    expect(mapping['size']).toMatchObject({ sourceType: 'text', transform: expect.stringMatching(/^renamed from qty; set to the source's expression CASE WHEN "qty" > 3/) });
    expect(mapping['due_on']).toMatchObject({ sourceType: 'date', targetType: 'date' });

    const created = (await request(api.http).post('/api/jobs').set(auth()).send(body).expect(201)).body;
    const run = await runJobToEnd(api, operator, created.id, { context: () => worker?.output() ?? '' });
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: ROWS, rowsWritten: ROWS });
    await expectTypesAsPreviewed('orders_a', mapping);
    const rows = await mariaQuery<Record<string, string | null>>('SELECT * FROM orders_a ORDER BY id');
    expect(rows).toHaveLength(ROWS);
    for (const row of rows) {
      const g = Number(row.id);
      expect(row.full_name).toBe(g % 10 === 0 ? null : `First${g} Last${g}`);
      expect(Number(row.total)).toBeCloseTo(g * 1.25 * (g % 7), 6);
      expect(row.size).toBe(g % 7 > 3 ? 'bulk' : 'single');
      expect(row.code).toBe(`FIR-${g}`);
      const due = new Date(Date.UTC(2026, 0, 1 + g + 30)).toISOString().slice(0, 10);
      expect(row.due_on).toBe(due);
    }
  }, 180_000);

  it('SQLite source: an inferred and a declared type land as previewed', async () => {
    const transforms = [
      { column: 'label', set: { expr: "name || ' x' || qty" } },
      { column: 'line_total', set: { expr: 'price * qty', type: 'decimal' } },
      { column: 'double_qty', set: { expr: 'qty * 2' } },
    ];
    // Seven rows per batch: the SQLite reader pages by key (WHERE key > last … LIMIT 7) with the expressions in each page.
    const body = job(sqliteId, 'main.items', 'items_s', transforms, { batchSize: 7 });
    const mapping = await preview(body);
    expect(mapping['label']).toMatchObject({ neutralType: 'text', transform: `new column, set to the source's expression "name" || ' x' || "qty"` });
    expect(mapping['double_qty']).toMatchObject({ neutralType: 'int64', targetType: 'bigint' });
    const created = (await request(api.http).post('/api/jobs').set(auth()).send(body).expect(201)).body;
    const run = await runJobToEnd(api, operator, created.id, { context: () => worker?.output() ?? '' });
    expect(run).toMatchObject({ status: 'succeeded', rowsWritten: ROWS });
    await expectTypesAsPreviewed('items_s', mapping);
    const rows = await mariaQuery<Record<string, string>>('SELECT * FROM items_s ORDER BY id');
    for (const row of rows) {
      const g = Number(row.id);
      expect(row.label).toBe(`item ${g} x${g % 4}`);
      expect(Number(row.line_total)).toBeCloseTo(g * 0.5 * (g % 4), 6);
      expect(String(row.double_qty)).toBe(String((g % 4) * 2));
    }
  }, 180_000);

  it('copies an expression column in several key-range chunks', async () => {
    const body = job(pgId, 'public.lines', 'lines_c', [{ column: 'label', set: { expr: "sku || ' x ' || qty" } }], { chunkRows: 100, batchSize: 7 });
    const created = (await request(api.http).post('/api/jobs').set(auth()).send(body).expect(201)).body;
    const run = await runJobToEnd(api, operator, created.id, { context: () => worker?.output() ?? '' });
    expect(run).toMatchObject({ status: 'succeeded', rowsWritten: LINES });
    expect(run.tables[0].chunksTotal).toBeGreaterThan(1);
    const rows = await mariaQuery<{ id: number; label: string }>('SELECT id, label FROM lines_c ORDER BY id');
    expect(rows.map((r) => `${r.id}:${r.label}`)).toEqual(Array.from({ length: LINES }, (_, i) => `${i + 1}:sku-${i + 1} x ${(i + 1) % 5}`));
  }, 180_000);

  it('runs incremental and verified with an expression column (left out of the verify)', async () => {
    const body = job(pgId, 'public.orders', 'orders_inc', [{ column: 'full_name', set: { expr: "first_name || ' ' || coalesce(last_name, '?')" } }], {
      mode: 'incremental',
      verify: true,
      table: { incrementalColumn: 'changed_at' },
    });
    const created = (await request(api.http).post('/api/jobs').set(auth()).send(body).expect(201)).body;
    const first = await runJobToEnd(api, operator, created.id, { context: () => worker?.output() ?? '' });
    expect(first).toMatchObject({ status: 'succeeded', rowsWritten: ROWS, drift: 0, verifyError: null });
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query(`UPDATE orders SET first_name = 'Changed', changed_at = timestamp '2026-06-01 00:00:00' WHERE id = 5`);
    await client.end();
    const second = await runJobToEnd(api, operator, created.id, { context: () => worker?.output() ?? '' });
    expect(second).toMatchObject({ status: 'succeeded', drift: 0, verifyError: null });
    expect(second.rowsRead).toBeLessThan(ROWS);
    const [row] = await mariaQuery<{ full_name: string }>('SELECT full_name FROM orders_inc WHERE id = 5');
    expect(row.full_name).toBe('Changed Last5');
  }, 180_000);

  it('fails the table naming the column when the source cannot evaluate the expression for a row', async () => {
    // Two expressions: the one that fails is found (each read again alone) and named.
    const body = job(pgId, 'public.orders', 'orders_bad', [{ column: 'fine', set: { expr: 'qty + 1' } }, { column: 'qty', rename: 'ratio', set: { expr: 'price / qty' } }]);
    const created = (await request(api.http).post('/api/jobs').set(auth()).send(body).expect(201)).body;
    const run = await runJobToEnd(api, operator, created.id, { context: () => worker?.output() ?? '' });
    expect(run.status).toBe('failed');
    expect(JSON.stringify(run)).toMatch(/column ratio: the source failed to evaluate its expression: .*division by zero/);
  }, 180_000);

  it.each([
    ['a sleeping function', { expr: 'pg_sleep(10)' }, /function pg_sleep is not allowed/],
    ['a file-reading function', { expr: "pg_read_file('/etc/passwd')" }, /function pg_read_file is not allowed/],
    ['a sequence function', { expr: "nextval('s')" }, /function nextval is not allowed/],
    ['a second statement', { expr: 'qty; DROP TABLE orders' }, /';' is not allowed/],
    ['a comment', { expr: 'qty -- x' }, /comments/],
    ['a subquery', { expr: '(SELECT max(id) FROM orders)' }, /subqueries/],
    ['an unknown column', { expr: 'password' }, /unknown column "password"/],
    ['an expression the source cannot type', { expr: 'first_name + 1' }, /the source cannot evaluate it: .*operator does not exist/],
    ['value and expr together', { expr: 'qty', value: 1 }, /not both/],
    ['an unknown type', { expr: 'qty', type: 'money' }, /type/],
  ])('refuses %s with a 400 naming set.expr', async (_what, set, reason) => {
    const res = await request(api.http).post('/api/jobs').set(auth()).send(job(pgId, 'public.orders', 'orders_x', [{ column: 'extra', set }]));
    expect(res.status).toBe(400);
    expect(res.body.details).toContainEqual(expect.objectContaining({ field: expect.stringMatching(/^tables\[0\]\.transforms\[0\]\.set/) }));
    expect(res.body.message).toMatch(reason);
  });
});
