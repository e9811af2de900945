import { randomBytes } from 'node:crypto';
import { ConnectionPool } from 'mssql';
import { parseConnectionUrl, type ResolvedConnectionSpec, testConnection } from '@dbferry/dialects-core';
import { MssqlDialect } from './mssql.dialect';

const url = process.env.MSSQL_URL;
const dialect = new MssqlDialect();

describe('MssqlDialect on a live server', () => {
  if (!url) {
    it('is skipped without MSSQL_URL', () => {
      console.log('skipped: MSSQL_URL not set — SQL Server live tests need a server (e.g. mssql://sa:pw@127.0.0.1:1433/master?trustServerCertificate=true)');
    });
    return;
  }
  const base: ResolvedConnectionSpec = { dialect: 'mssql', ...parseConnectionUrl('mssql', url) };
  const spec: ResolvedConnectionSpec = { ...base, address: base.host };
  const schema = `dbferry_it_${randomBytes(4).toString('hex')}`;

  const admin = new ConnectionPool({
    server: spec.host ?? '',
    port: spec.port,
    user: spec.username,
    password: spec.password,
    database: spec.database,
    options: { encrypt: spec.options?.['encrypt'] !== false, trustServerCertificate: spec.options?.['trustServerCertificate'] === true },
  });

  beforeAll(async () => {
    await admin.connect();
    await admin.request().query(`CREATE SCHEMA ${schema}`);
    await admin.request().query(`CREATE TABLE ${schema}.orders (
      tenant_id int NOT NULL, note nvarchar(20), order_no int NOT NULL,
      CONSTRAINT pk_orders PRIMARY KEY (order_no, tenant_id))`);
    await admin.request().query(`INSERT INTO ${schema}.orders VALUES (1, 'a', 1), (1, 'b', 2), (2, 'c', 1)`);
    await admin.request().query(`CREATE TABLE ${schema}.no_key (v int)`);
  });

  afterAll(async () => {
    await admin.request().query(`DROP TABLE IF EXISTS ${schema}.orders; DROP TABLE IF EXISTS ${schema}.no_key`);
    await admin.request().query(`DROP SCHEMA IF EXISTS ${schema}`);
    await admin.close();
  });

  it('connects, reads the version and lists a composite key in key order', async () => {
    const session = await dialect.connect(spec, { timeoutMs: 10000 });
    try {
      expect(session.serverVersion).toMatch(/SQL Server/);
      expect(await session.listTables(schema)).toEqual([
        { schema, name: 'no_key', primaryKey: [], rowEstimate: 0 },
        { schema, name: 'orders', primaryKey: ['order_no', 'tenant_id'], rowEstimate: 3 },
      ]);
    } finally {
      await session.close();
    }
  });

  it('sorts a wrong password as authentication-failed without showing it', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const result = await testConnection(dialect, { ...spec, password: wrong }, 10000);
    expect(result).toMatchObject({ ok: false, errorCode: 'authentication-failed' });
    expect(result.error).not.toContain(wrong);
  });

  it('sorts a missing database as unknown-database', async () => {
    const result = await testConnection(dialect, { ...spec, database: `${schema}_missing` }, 10000);
    expect(result).toMatchObject({ ok: false, errorCode: 'unknown-database' });
  });
});
