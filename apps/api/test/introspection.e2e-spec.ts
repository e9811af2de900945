import request from 'supertest';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { ApiHarness, startApi } from './harness';

/**
 * GET /api/connections/:id/tables and /tables/:schema/:table on live PostgreSQL and MariaDB:
 * row estimates, native and neutral types, nullability, defaults, identity, the key, unique
 * and secondary indexes, as API.md names them.
 */
describe('introspection over HTTP (e2e)', () => {
  let api: ApiHarness;
  let token: string;
  let pg: EphemeralDatabase;
  let my: EphemeralDatabase;
  const ids: Record<string, string> = {};
  const auth = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    api = await startApi();
    token = await api.adminToken();
    pg = await createPostgresDatabase('dbferry_intro');
    my = await createMysqlDatabase('dbferry_intro');
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    const mysql = await createConnection({ uri: my.url });
    try {
    await client.query(`CREATE SCHEMA "Sales"`);
    await client.query(`CREATE TABLE "Sales"."Order Lines" (
      id bigint GENERATED ALWAYS AS IDENTITY,
      region text NOT NULL DEFAULT 'eu',
      amount numeric(12,2) NOT NULL DEFAULT 0,
      placed timestamptz(3) DEFAULT now(),
      tags text[],
      sku varchar(32),
      PRIMARY KEY (region, id))`);
    await client.query(`CREATE UNIQUE INDEX order_lines_sku ON "Sales"."Order Lines" (sku)`);
    await client.query(`CREATE INDEX order_lines_placed ON "Sales"."Order Lines" (placed, amount)`);
    await client.query(`INSERT INTO "Sales"."Order Lines" (region, amount, sku) SELECT 'eu', g, 's' || g FROM generate_series(1, 250) g`);
    await client.query(`ANALYZE "Sales"."Order Lines"`);
    // A catalogue as wide as the console's table browser must page: 2,000 small tables in one schema.
    await client.query(`CREATE SCHEMA "Wide"`);
    await client.query(`DO $$ BEGIN FOR i IN 0..1999 LOOP EXECUTE format('CREATE TABLE "Wide".%I (id int PRIMARY KEY)', 't' || lpad(i::text, 4, '0')); END LOOP; END $$`);
    await mysql.query(`CREATE TABLE order_lines (
      id bigint unsigned NOT NULL AUTO_INCREMENT,
      flag tinyint(1) NOT NULL DEFAULT 1,
      made datetime(6) NOT NULL DEFAULT current_timestamp(6),
      sku varchar(32) NULL,
      status enum('new','paid') NOT NULL DEFAULT 'new',
      PRIMARY KEY (id),
      UNIQUE KEY uq_sku (sku),
      KEY ix_made (made, status)) ENGINE=InnoDB`);
    await mysql.query(`INSERT INTO order_lines (sku) SELECT concat('s', seq) FROM seq_1_to_120`);
    await mysql.query('ANALYZE TABLE order_lines');
    } finally {
      await client.end();
      await mysql.end();
    }
    const pgUrl = new URL(pg.url);
    const myUrl = new URL(my.url);
    for (const [name, body] of [
      ['pg', { dialect: 'postgres', host: '127.0.0.1', port: Number(pgUrl.port || 5432), database: pg.name, username: 'postgres' }],
      ['my', { dialect: 'mysql', host: '127.0.0.1', port: Number(myUrl.port || 3306), database: my.name, username: 'root' }],
    ] as const) {
      const res = await request(api.http).post('/api/connections').set(auth()).send({ name: `intro-${name}`, ...body }).expect(201);
      ids[name] = res.body.id;
    }
  });

  afterAll(async () => {
    await api?.close();
    await pg?.drop();
    await my?.drop();
  });

  it('lists PostgreSQL tables of a schema with their key and the planner’s row estimate', async () => {
    const res = await request(api.http).get(`/api/connections/${ids['pg']}/tables?schema=Sales`).set(auth()).expect(200);
    expect(res.body).toEqual({ items: [{ schema: 'Sales', name: 'Order Lines', primaryKey: ['region', 'id'], rowEstimate: 250 }], total: 1 });
  });

  it('describes a PostgreSQL table: types, nullability, defaults, identity and indexes', async () => {
    const res = await request(api.http).get(`/api/connections/${ids['pg']}/tables/Sales/${encodeURIComponent('Order Lines')}`).set(auth()).expect(200);
    expect(res.body).toMatchObject({ schema: 'Sales', name: 'Order Lines', primaryKey: ['region', 'id'], rowEstimate: 250 });
    const columns = Object.fromEntries(res.body.columns.map((c: { name: string }) => [c.name, c]));
    expect(columns['id']).toMatchObject({ nativeType: 'bigint', type: 'int64', nullable: false, identity: true });
    expect(columns['region']).toMatchObject({ nativeType: 'text', type: 'text', nullable: false, identity: false, default: "'eu'::text" });
    expect(columns['amount']).toMatchObject({ nativeType: 'numeric(12,2)', type: 'decimal(12,2)', neutral: { kind: 'decimal', precision: 12, scale: 2 }, default: '0' });
    expect(columns['placed']).toMatchObject({ nativeType: 'timestamp(3) with time zone', type: 'timestamptz(3)', nullable: true, default: 'now()' });
    expect(columns['tags']).toMatchObject({ nativeType: 'text[]', neutral: { kind: 'array', of: { kind: 'text' } } });
    expect(res.body.indexes).toEqual(
      expect.arrayContaining([
        { name: 'order_lines_sku', columns: ['sku'], unique: true },
        { name: 'order_lines_placed', columns: ['placed', 'amount'], unique: false },
      ]),
    );
  });

  it('describes a MariaDB table: unsigned widening, tinyint(1), enum, auto_increment, defaults and indexes', async () => {
    const list = await request(api.http).get(`/api/connections/${ids['my']}/tables`).set(auth()).expect(200);
    expect(list.body).toEqual({ items: [expect.objectContaining({ schema: my.name, name: 'order_lines', primaryKey: ['id'] })], total: 1 });
    expect(list.body.items[0].rowEstimate).toBeGreaterThan(0);
    const res = await request(api.http).get(`/api/connections/${ids['my']}/tables/${my.name}/order_lines`).set(auth()).expect(200);
    const columns = Object.fromEntries(res.body.columns.map((c: { name: string }) => [c.name, c]));
    expect(columns['id']).toMatchObject({ nativeType: 'bigint(20) unsigned', type: 'uint64', nullable: false, identity: true });
    expect(columns['flag']).toMatchObject({ nativeType: 'tinyint(1)', type: 'bool', default: '1' });
    expect(columns['made']).toMatchObject({ type: 'timestamp(6)', nullable: false, default: 'current_timestamp(6)' });
    expect(columns['status']).toMatchObject({ neutral: { kind: 'enum', values: ['new', 'paid'] }, default: "'new'" });
    expect(res.body.indexes).toEqual(
      expect.arrayContaining([
        { name: 'uq_sku', columns: ['sku'], unique: true },
        { name: 'ix_made', columns: ['made', 'status'], unique: false },
      ]),
    );
  });

  it('lists the schemas a connection can see, without the system ones', async () => {
    const res = await request(api.http).get(`/api/connections/${ids['pg']}/schemas`).set(auth()).expect(200);
    const names = res.body.items.map((s: { name: string }) => s.name);
    expect(names).toEqual(expect.arrayContaining(['Sales', 'Wide', 'public']));
    expect(names).not.toContain('pg_catalog');
    expect(names).not.toContain('information_schema');
    expect(res.body.total).toBe(names.length);
    const mysql = await request(api.http).get(`/api/connections/${ids['my']}/schemas`).set(auth()).expect(200);
    expect(mysql.body.items).toContainEqual({ name: my.name });
    expect(mysql.body.items).not.toContainEqual({ name: 'mysql' });
  });

  it('pages 2,000 tables on the server and searches their names', async () => {
    const page = await request(api.http).get(`/api/connections/${ids['pg']}/tables?schema=Wide&limit=50&offset=1950`).set(auth()).expect(200);
    expect(page.body.total).toBe(2000);
    expect(page.body.items).toHaveLength(50);
    expect(page.body.items[0]).toMatchObject({ schema: 'Wide', name: 't1950', primaryKey: ['id'] });
    expect(page.body.items[49]).toMatchObject({ name: 't1999' });
    // Search ignores case and looks at schema.name; total counts the matches, not the page.
    const found = await request(api.http).get(`/api/connections/${ids['pg']}/tables?schema=Wide&search=T123&limit=5`).set(auth()).expect(200);
    expect(found.body.total).toBe(10); // t1230..t1239
    expect(found.body.items.map((t: { name: string }) => t.name)).toEqual(['t1230', 't1231', 't1232', 't1233', 't1234']);
    const bySchema = await request(api.http).get(`/api/connections/${ids['pg']}/tables?search=wide.t000&limit=50`).set(auth()).expect(200);
    expect(bySchema.body.total).toBe(10); // Wide.t0000..t0009
    const none = await request(api.http).get(`/api/connections/${ids['pg']}/tables?search=no-such-table`).set(auth()).expect(200);
    expect(none.body).toEqual({ items: [], total: 0 });
    // Without a limit: every table, as before.
    const all = await request(api.http).get(`/api/connections/${ids['pg']}/tables?schema=Wide`).set(auth()).expect(200);
    expect(all.body.items).toHaveLength(2000);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['offset=-1', 'offset'],
    ['limit=ten', 'limit'],
    [`search=${'x'.repeat(129)}`, 'search'],
  ])('answers a table list with %s by 400 naming %s', async (query, field) => {
    const res = await request(api.http).get(`/api/connections/${ids['pg']}/tables?${query}`).set(auth()).expect(400);
    expect(res.body.details.length).toBeGreaterThan(0);
    expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(res.body.details.map(() => field));
  });

  it('answers 404 for a table that does not exist', async () => {
    await request(api.http).get(`/api/connections/${ids['pg']}/tables/Sales/nope`).set(auth()).expect(404);
  });
});
