import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { Client } from 'pg';
import {
  DbError,
  type DialectSession,
  parseConnectionUrl,
  type ResolvedConnectionSpec,
  testConnection,
} from '@dbferry/dialects-core';
import { PostgresDialect } from './postgres.dialect';

const url = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const base: ResolvedConnectionSpec = { dialect: 'postgres', ...parseConnectionUrl('postgres', url) };
const spec: ResolvedConnectionSpec = { ...base, address: base.host };
const schema = `dbferry_it_${randomBytes(4).toString('hex')}`;
const dialect = new PostgresDialect();

describe('PostgresDialect on a live server', () => {
  const admin = new Client({ connectionString: url });
  let session: DialectSession;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    // Key order differs from column order on purpose.
    await admin.query(`CREATE TABLE ${schema}.orders (
      tenant_id int NOT NULL, note text, order_no int NOT NULL, PRIMARY KEY (order_no, tenant_id))`);
    await admin.query(`INSERT INTO ${schema}.orders SELECT g % 7, 'n', g FROM generate_series(1, 500) g`);
    await admin.query(`ANALYZE ${schema}.orders`);
    await admin.query(`CREATE TABLE ${schema}."Mixed Case" (id bigint PRIMARY KEY)`);
    await admin.query(`CREATE TABLE ${schema}.no_key (v text)`);
    session = await dialect.connect(spec, { timeoutMs: 5000 });
  });

  afterAll(async () => {
    await session?.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('reads the server version', async () => {
    const server = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version;
    expect(session.serverVersion).toBe(server);
    expect(session.serverVersion).toMatch(/^\d+(\.\d+)?/);
    await expect(session.ping()).resolves.toBeUndefined();
  });

  it('lists the tables of a schema with keys in key order and estimates', async () => {
    expect(await session.listTables(schema)).toEqual([
      { schema, name: 'Mixed Case', primaryKey: ['id'], rowEstimate: null },
      { schema, name: 'no_key', primaryKey: [], rowEstimate: null },
      { schema, name: 'orders', primaryKey: ['order_no', 'tenant_id'], rowEstimate: 500 },
    ]);
  });

  it('lists every user schema without the catalogue when no schema is given', async () => {
    const all = await session.listTables();
    expect(all.filter((t) => t.schema === schema).map((t) => t.name)).toEqual(['Mixed Case', 'no_key', 'orders']);
    expect(all.some((t) => t.schema === 'pg_catalog' || t.schema === 'information_schema')).toBe(false);
  });

  it('sorts a missing database as unknown-database', async () => {
    const error = await dialect.connect({ ...spec, database: `${schema}_missing` }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbError);
    expect((error as DbError).code).toBe('unknown-database');
    const result = await testConnection(dialect, { ...spec, database: `${schema}_missing` }, 5000);
    expect(result).toMatchObject({ ok: false, errorCode: 'unknown-database' });
    expect(result.error).toMatch(/^unknown database/);
  });

  it('testConnection succeeds and reports the version', async () => {
    await expect(testConnection(dialect, spec, 5000)).resolves.toMatchObject({
      ok: true,
      serverVersion: session.serverVersion,
    });
  });

  it('testConnection to a closed port is refused quickly', async () => {
    const started = Date.now();
    const result = await testConnection(dialect, { ...spec, host: '127.0.0.1', address: '127.0.0.1', port: 1 }, 5000);
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
      expect(result.error).toMatch(/^timed out/);
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

  it('connects to the pinned address, not the host name', async () => {
    const pinned = await dialect.connect({ ...spec, host: 'no-such-host.invalid', address: '127.0.0.1' }, { timeoutMs: 5000 });
    await pinned.close();
  });
});
