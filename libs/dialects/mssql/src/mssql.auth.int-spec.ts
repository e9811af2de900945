import { ConnectionPool } from 'mssql';
import { DbError, testConnection } from '@dbferry/dialects-core';
import { connectError, fakeServerSpec, type FakeMssqlServer, startFakeMssql } from '@dbferry/testing';
import { MssqlDialect } from './mssql.dialect';

const PASSWORD = 'stored-Secret-tds-8a2f';
const dialect = new MssqlDialect();

/** Its UCS-2 form, as LOGIN7 carries it before obfuscation. */
const ucs2 = Buffer.from(PASSWORD, 'utf16le');

describe('SQL Server login against a server that says it has no TLS', () => {
  let fake: FakeMssqlServer;
  const spec = () => fakeServerSpec('mssql', fake.port, PASSWORD);

  beforeEach(async () => {
    fake = await startFakeMssql();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('plain mssql/tedious would send the login there, even with encrypt on (the fake reads the password)', async () => {
    const pool = new ConnectionPool({
      server: '127.0.0.1',
      port: fake.port,
      user: 'dbferry',
      password: PASSWORD,
      database: 'sales',
      connectionTimeout: 3000,
      options: { encrypt: true, trustServerCertificate: false },
    });
    pool.on('error', () => undefined);
    await expect(pool.connect()).rejects.toThrow();
    await pool.close().catch(() => undefined);
    expect(fake.recovered).toContain(PASSWORD);
  });

  it('the dialect stops the login before it leaves, and says why', async () => {
    const error = await connectError(dialect, spec(), 3000);
    expect(error).toBeInstanceOf(DbError);
    expect((error as DbError).code).toBe('authentication-failed');
    expect((error as Error).message).toMatch(/did not take TLS before the login .* password was not sent/);
    expect(fake.prelogins).toBeGreaterThan(0);
    expect(fake.recovered).toEqual([]);
    expect(fake.received().includes(ucs2)).toBe(false);

    for (const encrypt of [true, false]) {
      const result = await testConnection(dialect, { ...spec(), options: { encrypt } }, 3000);
      expect(result.ok).toBe(false);
      expect(JSON.stringify(result)).not.toContain(PASSWORD);
    }
    expect(fake.recovered).toEqual([]);
  });
});
