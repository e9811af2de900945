
import { join } from 'node:path';
import { Database } from 'sqlite3';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { ApiHarness, startApi } from './harness';

/** A password that must never be seen outside the sealed column. */
const CANARY = 'canary-Pa55w0rd-7f3a9c';

describe('connections (e2e)', () => {
  let api: ApiHarness;
  let admin: string;
  const auth = () => ({ Authorization: `Bearer ${admin}` });
  const mysqlUser = `dbf_${Date.now().toString(36)}`;
  const mysqlPassword = 'mysql-user-secret-42';
  let mysqlDb: EphemeralDatabase;
  /** A live PostgreSQL database to list (the control store itself is refused as a connection). */
  let pgDb: EphemeralDatabase;
  const pgQuery = async (sql: string) => {
    const client = new Client({ connectionString: pgDb.url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    api = await startApi({ DB_HOSTS_DENY: '10.0.0.0/8,192.0.2.0/24' });
    admin = await api.adminToken();
    const root = await createConnection(process.env.TEST_MYSQL_URL!);
    await root.query(`CREATE USER '${mysqlUser}'@'%' IDENTIFIED BY '${mysqlPassword}'`);
    await root.query(`CREATE USER '${mysqlUser}'@'localhost' IDENTIFIED BY '${mysqlPassword}'`);
    mysqlDb = await createMysqlDatabase('dbferry_conn');
    pgDb = await createPostgresDatabase('dbferry_conn');
    for (const host of ['%', 'localhost']) await root.query(`GRANT ALL ON \`${mysqlDb.name}\`.* TO '${mysqlUser}'@'${host}'`);
    await root.end();
  });

  afterAll(async () => {
    const root = await createConnection(process.env.TEST_MYSQL_URL!);
    await root.query(`DROP USER IF EXISTS '${mysqlUser}'@'%'`);
    await root.query(`DROP USER IF EXISTS '${mysqlUser}'@'localhost'`);
    await root.end();
    await mysqlDb.drop();
    await pgDb.drop();
    await api.close();
  });

  const create = (body: object) => request(api.http).post('/api/connections').set(auth()).send(body);

  describe('CRUD with a sealed password', () => {
    let id: string;
    const bodies: string[] = [];
    const keep = (res: request.Response) => {
      bodies.push(res.text);
      return res;
    };

    it('creates a connection and returns it without the password', async () => {
      const res = keep(
        await create({ name: 'pg-main', dialect: 'postgres', host: '127.0.0.1', port: 5432, database: 'postgres', username: 'postgres', password: CANARY, options: { application_name: 'dbferry-e2e' } }).expect(201),
      );
      expect(res.body).toMatchObject({ name: 'pg-main', dialect: 'postgres', host: '127.0.0.1', port: 5432, hasPassword: true, readOnly: false });
      expect(res.body).not.toHaveProperty('password');
      id = res.body.id;
    });

    it('lists, reads and updates it without ever returning the password', async () => {
      keep(await request(api.http).get('/api/connections').set(auth()).expect(200));
      keep(await request(api.http).get(`/api/connections/${id}`).set(auth()).expect(200));
      const patched = keep(await request(api.http).patch(`/api/connections/${id}`).set(auth()).send({ password: `${CANARY}-2`, readOnly: true }).expect(200));
      expect(patched.body).toMatchObject({ readOnly: true, hasPassword: true });
      keep(await request(api.http).get('/api/connections/status').set(auth()).expect(200));
      keep(await request(api.http).post(`/api/connections/${id}/test`).set(auth()).expect(200));
    });

    it('keeps the password only sealed in the table', async () => {
      const rows = await api.app.get(DataSource).query(`SELECT to_jsonb(c)::text AS row, secret_ciphertext FROM connection c WHERE id = $1`, [id]);
      expect(rows[0].row).not.toContain(CANARY);
      expect((rows[0].secret_ciphertext as Buffer).includes(Buffer.from(CANARY))).toBe(false);
      const dump = await api.app.get(DataSource).query(`SELECT string_agg(to_jsonb(a)::text, ' ') AS all FROM audit_log a`);
      expect(dump[0].all).not.toContain(CANARY);
    });

    it('has never sent or logged the password', () => {
      for (const body of bodies) expect(body).not.toContain(CANARY);
      expect(api.logs.lines.length).toBeGreaterThan(0);
      expect(api.logs.text).not.toContain(CANARY);
    });

    it('removes a stored password with null', async () => {
      const res = await request(api.http).patch(`/api/connections/${id}`).set(auth()).send({ password: null }).expect(200);
      expect(res.body.hasPassword).toBe(false);
    });

    it('refuses a duplicate name with 409 and deletes with 204', async () => {
      await create({ name: 'PG-MAIN', dialect: 'postgres', host: '127.0.0.1', database: 'postgres' }).expect(409);
      await request(api.http).delete(`/api/connections/${id}`).set(auth()).expect(204);
      await request(api.http).get(`/api/connections/${id}`).set(auth()).expect(404);
    });

    it('accepts a URL and seals the password it carries', async () => {
      const res = await create({ name: 'pg-url', dialect: 'postgres', url: `postgres://postgres:${CANARY}@127.0.0.1:5432/postgres?application_name=x` }).expect(201);
      expect(res.body).toMatchObject({ host: '127.0.0.1', port: 5432, database: 'postgres', username: 'postgres', hasPassword: true });
      expect(res.text).not.toContain(CANARY);
      expect(api.logs.text).not.toContain(CANARY);
    });
  });

  describe('connection test', () => {
    const testOf = async (body: object) => {
      const created = await create(body).expect(201);
      const started = Date.now();
      const res = await request(api.http).post(`/api/connections/${created.body.id}/test`).set(auth()).expect(200);
      return { ...res.body, elapsedMs: Date.now() - started, text: res.text };
    };

    it('succeeds on the live PostgreSQL', async () => {
      const r = await testOf({ name: 't-pg', dialect: 'postgres', host: '127.0.0.1', database: 'postgres', username: 'postgres' });
      expect(r).toMatchObject({ ok: true });
      expect(r.serverVersion).toMatch(/^\d+/);
      expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    });

    it('succeeds on the live MariaDB with a password', async () => {
      const r = await testOf({ name: 't-maria', dialect: 'mysql', host: '127.0.0.1', database: mysqlDb.name, username: mysqlUser, password: mysqlPassword });
      expect(r.ok).toBe(true);
      expect(r.error).toBeUndefined();
      expect(r.serverVersion).toMatch(/MariaDB/i);
    });

    it('succeeds on a SQLite file under SQLITE_ROOT', async () => {
      const file = join(api.env.SQLITE_ROOT, 'e2e.db');
      await new Promise<void>((resolve, reject) => {
        const db = new Database(file, (err) => (err ? reject(err) : db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)', (e) => (e ? reject(e) : db.close(() => resolve())))));
      });
      const r = await testOf({ name: 't-sqlite', dialect: 'sqlite', database: 'e2e.db' });
      expect(r).toMatchObject({ ok: true });
      expect(r.serverVersion).toMatch(/3\.\d+\.\d+/);
    });

    it('fails fast with "connection refused" on a closed port', async () => {
      const r = await testOf({ name: 't-closed', dialect: 'postgres', host: '127.0.0.1', port: 1, database: 'x', username: 'x' });
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/^connection refused/);
      expect(r.elapsedMs).toBeLessThan(3500);
    });

    it('fails with "authentication failed" on a wrong MariaDB password, without echoing it', async () => {
      const r = await testOf({ name: 't-badpw', dialect: 'mysql', host: '127.0.0.1', database: mysqlDb.name, username: mysqlUser, password: CANARY });
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/^authentication failed/);
      expect(r.error).toContain(mysqlUser);
      // Answered within the test timeout (not hung until the HTTP client gave up), with the clear message.
      expect(r.elapsedMs).toBeLessThan(Number(api.env.CONNECTION_TEST_TIMEOUT_MS) + 1000);
      expect(r.text).not.toContain(CANARY);
      expect(api.logs.text).not.toContain(CANARY);
    });

    it('fails with "unknown database" on a missing PostgreSQL database', async () => {
      const r = await testOf({ name: 't-nodb', dialect: 'postgres', host: '127.0.0.1', database: 'no_such_db_here', username: 'postgres' });
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/^unknown database/);
    });
  });

  describe('egress policy', () => {
    it.each([
      ['cloud metadata address', { host: '169.254.169.254' }, /link-local|metadata|egress/],
      ['IPv6 metadata address', { host: 'fd00:ec2::254' }, /egress/],
      ['a denied CIDR', { host: '10.1.2.3' }, /egress/],
      ['a host outside the allow list', { host: '203.0.113.7' }, /egress/],
    ])('refuses %s with 400 naming host, storing nothing', async (_label, fields, pattern) => {
      const before = (await request(api.http).get('/api/connections').set(auth())).body.total;
      const res = await create({ name: `egress-${Math.random()}`, dialect: 'postgres', database: 'x', ...fields }).expect(400);
      expect(res.body.details[0].field).toBe('host');
      expect(res.body.message).toMatch(pattern);
      expect((await request(api.http).get('/api/connections').set(auth())).body.total).toBe(before);
    });

    it('refuses a URL pointing at the metadata address, naming url', async () => {
      const res = await create({ name: 'egress-url', dialect: 'mysql', url: 'mysql://root@169.254.169.254:3306/x' }).expect(400);
      expect(res.body.details[0].field).toBe('url');
    });

    it('refuses a SQLite path escaping SQLITE_ROOT', async () => {
      const res = await create({ name: 'escape', dialect: 'sqlite', database: '../../etc/passwd' }).expect(400);
      expect(res.body.details[0].field).toBe('database');
    });
  });

  describe('malformed bodies', () => {
    const valid = { name: 'ok-name', dialect: 'postgres', host: '127.0.0.1', database: 'postgres' };
    const cases: [string, object, string][] = (<[string, object, string][]>[
      ['missing name', { ...valid, name: undefined }, 'name'],
      ['name of wrong type', { ...valid, name: 42 }, 'name'],
      ['empty name', { ...valid, name: '' }, 'name'],
      ['oversized name', { ...valid, name: 'n'.repeat(101) }, 'name'],
      ['missing dialect', { ...valid, dialect: undefined }, 'dialect'],
      ['unknown dialect', { ...valid, dialect: 'db2' }, 'dialect'],
      ['dialect of wrong type', { ...valid, dialect: ['postgres'] }, 'dialect'],
      ['missing database', { ...valid, database: undefined }, 'database'],
      ['database of wrong type', { ...valid, database: { x: 1 } }, 'database'],
      ['oversized database', { ...valid, database: 'd'.repeat(1001) }, 'database'],
      ['port as a string', { ...valid, port: '5432' }, 'port'],
      ['port out of range', { ...valid, port: 70000 }, 'port'],
      ['fractional port', { ...valid, port: 54.5 }, 'port'],
      ['host of wrong type', { ...valid, host: 127001 }, 'host'],
      ['oversized host', { ...valid, host: `${'h'.repeat(254)}` }, 'host'],
      ['host that is not a host', { ...valid, host: 'not a host!' }, 'host'],
      ['oversized password', { ...valid, password: 'p'.repeat(1025) }, 'password'],
      ['username of wrong type', { ...valid, username: true }, 'username'],
      ['readOnly as a string', { ...valid, readOnly: 'yes' }, 'readOnly'],
      ['options as an array', { ...valid, options: ['a'] }, 'options'],
      ['option holding an object', { ...valid, options: { ssl: { a: 1 } } }, 'options'],
      ['secret in options', { ...valid, options: { password: 'x' } }, 'options'],
      ['extra field', { ...valid, admin: true }, 'admin'],
      ['url with a wrong scheme', { name: 'u', dialect: 'postgres', url: 'mysql://h/db' }, 'url'],
      ['url together with host', { name: 'u', dialect: 'postgres', url: 'postgres://127.0.0.1/db', host: '127.0.0.1' }, 'host'],
      ['sqlite with a host', { name: 's', dialect: 'sqlite', database: 'a.db', host: '127.0.0.1' }, 'host'],
      ['networked dialect without host', { name: 'n', dialect: 'mysql', database: 'x' }, 'host'],
    ]).map(([label, body, field]) => [`${label} (${field})`, body, field]);

    it.each(cases)('%s → 400 naming the field', async (_label, body, field) => {
      const before = (await request(api.http).get('/api/connections').set(auth())).body.total;
      const res = await create(body).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toContain(field);
      expect((await request(api.http).get('/api/connections').set(auth())).body.total).toBe(before);
    });

    it('names the part of a URL that is wrong, under url', async () => {
      const res = await create({ name: 'u', dialect: 'postgres', url: 'postgres://postgres@127.0.0.1:70000/db' }).expect(400);
      const message = 'url: invalid connection settings: port: must be a number from 1 to 65535';
      expect(res.body).toMatchObject({ message, details: [{ field: 'url', message }] });
    });

    it('answers malformed JSON with 400', async () => {
      const res = await request(api.http).post('/api/connections').set(auth()).set('Content-Type', 'application/json').send('{"name": ').expect(400);
      expect(res.body.statusCode).toBe(400);
    });

    it('answers a non-UUID id with 400 and an unknown one with 404', async () => {
      await request(api.http).get('/api/connections/not-a-uuid').set(auth()).expect(400);
      await request(api.http).get('/api/connections/00000000-0000-4000-8000-000000000000').set(auth()).expect(404);
    });

    it('answers a bad page query with 400 naming limit', async () => {
      const res = await request(api.http).get('/api/connections?limit=0').set(auth()).expect(400);
      expect(res.body.message).toContain('limit');
    });
  });

  describe('tables and status', () => {
    it('lists the tables of a live database with their keys', async () => {
      await pgQuery('CREATE TABLE e2e_orders (region text, id bigint, PRIMARY KEY (region, id))');
      const url = new URL(pgDb.url);
      const created = await create({ name: 'pg-live', dialect: 'postgres', host: '127.0.0.1', port: Number(url.port) || 5432, database: pgDb.name, username: 'postgres' }).expect(201);
      const res = await request(api.http).get(`/api/connections/${created.body.id}/tables?schema=public`).set(auth()).expect(200);
      // A list like every other: {items, total}.
      expect(res.body).toEqual({ items: [expect.objectContaining({ schema: 'public', name: 'e2e_orders', primaryKey: ['region', 'id'] })], total: 1 });
    });

    it('describes a table with native and neutral column types', async () => {
      const list = (await request(api.http).get('/api/connections').set(auth())).body.items;
      const sqlite = list.find((c: { name: string }) => c.name === 't-sqlite');
      const res = await request(api.http).get(`/api/connections/${sqlite.id}/tables/main/t`).set(auth()).expect(200);
      expect(res.body).toMatchObject({ schema: 'main', name: 't', primaryKey: ['id'], indexes: [] });
      expect(res.body.columns).toEqual([expect.objectContaining({ name: 'id', nativeType: 'INTEGER', type: 'int64', nullable: false })]);
      await request(api.http).get(`/api/connections/${sqlite.id}/tables/main/missing`).set(auth()).expect(404);
    });

    it('answers 502 with the reason when the database behind a connection is down', async () => {
      const list = (await request(api.http).get('/api/connections').set(auth())).body.items;
      const closed = list.find((c: { name: string }) => c.name === 't-closed');
      const res = await request(api.http).get(`/api/connections/${closed.id}/tables`).set(auth()).expect(502);
      expect(res.body.message).toMatch(/^connection refused/);
    });

    it('reports every connection as reachable or not, with its tables and their row counts', async () => {
      await pgQuery(`INSERT INTO e2e_orders SELECT 'eu', g FROM generate_series(1, 437) g`);
      await pgQuery('ANALYZE e2e_orders');
      await pgQuery('CREATE TABLE e2e_never_analyzed (id int PRIMARY KEY)');
      const res = await request(api.http).get('/api/connections/status').set(auth()).expect(200);
      const byName = Object.fromEntries(res.body.items.map((s: { name: string }) => [s.name, s]));
      expect(byName['pg-live']).toMatchObject({ reachable: true });
      expect(byName['pg-live'].tables.map((t: { name: string }) => t.name)).toContain('e2e_orders');
      const table = (conn: string, name: string) => byName[conn].tables.find((t: { name: string }) => t.name === name);
      // PostgreSQL: the planner's estimate (pg_class.reltuples), exact for a small analyzed table ...
      expect(table('pg-live', 'e2e_orders')).toMatchObject({ schema: 'public', primaryKey: ['region', 'id'], rowEstimate: 437 });
      // ... and null, not -1 or 0, for a table never vacuumed or analyzed.
      expect(table('pg-live', 'e2e_never_analyzed')).toMatchObject({ rowEstimate: null });
      // SQLite keeps no estimate: an exact count.
      expect(table('t-sqlite', 't')).toMatchObject({ schema: 'main', rowEstimate: 0 });
      expect(byName['t-closed']).toMatchObject({ reachable: false, tables: [] });
      expect(byName['t-closed'].error).toMatch(/connection refused/);
      // How many tables and rows in all, for the console's list: unknown estimates are left out of the sum.
      expect(byName['pg-live']).toMatchObject({ tableCount: 2, rowEstimate: 437 });
      expect(byName['t-closed']).toMatchObject({ tableCount: null, rowEstimate: null });
    });

    it('leaves the tables out with withTables=false but keeps the counts, and names a bad value', async () => {
      const res = await request(api.http).get('/api/connections/status?withTables=false').set(auth()).expect(200);
      const live = res.body.items.find((s: { name: string }) => s.name === 'pg-live');
      expect(live).toMatchObject({ reachable: true, tableCount: 2, rowEstimate: 437, tables: [] });
      const bad = await request(api.http).get('/api/connections/status?withTables=no').set(auth()).expect(400);
      expect(bad.body.details).toEqual([expect.objectContaining({ field: 'withTables' })]);
    });
  });
});

