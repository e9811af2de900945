import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { type Connection, createConnection } from 'mysql2/promise';
import {
  DbError,
  type DialectSession,
  parseConnectionUrl,
  type ResolvedConnectionSpec,
  testConnection,
} from '@dbferry/dialects-core';
import { MysqlDialect, type MysqlSession } from './mysql.dialect';

const url = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql';
const base: ResolvedConnectionSpec = { dialect: 'mysql', ...parseConnectionUrl('mysql', url) };
const suffix = randomBytes(4).toString('hex');
const database = `dbferry_it_${suffix}`;
const user = `dbferry_it_${suffix}`;
const password = `Pw-${randomBytes(6).toString('hex')}-'"\\`;
const spec: ResolvedConnectionSpec = { ...base, address: base.host, database };
const dialect = new MysqlDialect();

describe('MysqlDialect on a live server', () => {
  let admin: Connection;
  let session: DialectSession;

  beforeAll(async () => {
    admin = await createConnection(url);
    await admin.query(`CREATE DATABASE \`${database}\``);
    await admin.query(`CREATE TABLE \`${database}\`.orders (
      tenant_id int NOT NULL, note text, order_no int NOT NULL, PRIMARY KEY (order_no, tenant_id)) ENGINE=InnoDB`);
    const rows = Array.from({ length: 200 }, (_, i) => [i % 7, 'n', i]);
    await admin.query(`INSERT INTO \`${database}\`.orders (tenant_id, note, order_no) VALUES ?`, [rows]);
    await admin.query(`ANALYZE TABLE \`${database}\`.orders`);
    await admin.query(`CREATE TABLE \`${database}\`.\`Mixed Case\` (id bigint PRIMARY KEY)`);
    await admin.query(`CREATE TABLE \`${database}\`.no_key (v text)`);
    await admin.query(`CREATE VIEW \`${database}\`.a_view AS SELECT 1 AS x`);
    await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password]);
    await admin.query(`GRANT SELECT ON \`${database}\`.* TO ?@?`, [user, '%']);
    session = await dialect.connect(spec, { timeoutMs: 5000 });
  });

  afterAll(async () => {
    await session?.close();
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.query('DROP USER IF EXISTS ?@?', [user, '%']);
    await admin.end();
  });

  it('reads the server version and tells MariaDB from MySQL', async () => {
    const [[row]] = await admin.query<[{ v: string }] & never[]>('SELECT VERSION() AS v');
    const mysqlSession = session as MysqlSession;
    expect(mysqlSession.rawVersion).toBe(row?.v);
    expect(mysqlSession.flavor).toBe(/mariadb/i.test(row?.v ?? '') ? 'mariadb' : 'mysql');
    expect(session.serverVersion).toMatch(/^(MariaDB|MySQL) \d+\.\d+\.\d+$/);
  });

  it('lists base tables of the database with keys in key order', async () => {
    const tables = await session.listTables();
    expect(tables.map((t) => [t.schema, t.name, t.primaryKey])).toEqual([
      [database, 'Mixed Case', ['id']],
      [database, 'no_key', []],
      [database, 'orders', ['order_no', 'tenant_id']],
    ]);
    const orders = tables.find((t) => t.name === 'orders');
    // InnoDB's estimate after ANALYZE: close to, not always exactly, the count.
    expect(orders?.rowEstimate).toBeGreaterThan(100);
    expect(orders?.rowEstimate).toBeLessThan(400);
  });

  it('lists another database by name and refuses system schemas', async () => {
    expect((await session.listTables(database)).length).toBe(3);
    expect(await session.listTables('mysql')).toEqual([]);
  });

  it('connects as a user with a password', async () => {
    const result = await testConnection(dialect, { ...spec, username: user, password }, 5000);
    expect(result).toMatchObject({ ok: true });
  });

  it('sorts a wrong password as authentication-failed and never shows it', async () => {
    const wrong = `${password}-wrong`;
    const result = await testConnection(dialect, { ...spec, username: user, password: wrong }, 5000);
    expect(result).toMatchObject({ ok: false, errorCode: 'authentication-failed' });
    expect(result.error).toMatch(/^authentication failed/);
    expect(result.error).not.toContain(wrong);
    expect(result.error).not.toContain(password);
    const error = await dialect.connect({ ...spec, username: user, password: wrong }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbError);
    expect(JSON.stringify(error) + String((error as Error).stack)).not.toContain(wrong);
  });

  it('sorts a missing database as unknown-database', async () => {
    const result = await testConnection(dialect, { ...spec, database: `${database}_missing` }, 5000);
    expect(result).toMatchObject({ ok: false, errorCode: 'unknown-database' });
  });

  it('testConnection to a closed port is refused quickly', async () => {
    const started = Date.now();
    const result = await testConnection(dialect, { ...spec, address: '127.0.0.1', port: 1 }, 5000);
    expect(result).toMatchObject({ ok: false, errorCode: 'connection-refused' });
    expect(result.error).toMatch(/^connection refused/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('testConnection to a server that accepts and never answers times out within the bound', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const result = await testConnection(dialect, { ...spec, address: '127.0.0.1', port }, 1000);
      expect(result).toMatchObject({ ok: false, errorCode: 'timeout' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      silent.close();
    }
  });

  it('testConnection to a non-routable address answers within the time bound', async () => {
    const started = Date.now();
    const result = await testConnection(dialect, { ...spec, host: '10.255.255.1', address: '10.255.255.1' }, 1000);
    expect(result.ok).toBe(false);
    // Normally a timeout; a sandbox that proxies every TCP connect cuts the handshake instead.
    expect(['timeout', 'connection-refused', 'unknown']).toContain(result.errorCode);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
