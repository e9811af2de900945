import { Client } from 'pg';
import { DbError, testConnection } from '@dbferry/dialects-core';
import { connectError, fakeServerSpec, type FakePostgresServer, startFakePostgres } from '@dbferry/testing';
import { PostgresDialect } from './postgres.dialect';

const PASSWORD = 'stored-Secret-pg-51d2';
const dialect = new PostgresDialect();

describe('PostgreSQL authentication against a server that asks for the password in plain text', () => {
  let fake: FakePostgresServer;
  const spec = () => fakeServerSpec('postgres', fake.port, PASSWORD);

  beforeEach(async () => {
    fake = await startFakePostgres();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('plain pg would send it (the fake can read it)', async () => {
    const client = new Client({ host: '127.0.0.1', port: fake.port, user: 'dbferry', database: 'sales', password: PASSWORD });
    await expect(client.connect()).rejects.toThrow(/fake server/);
    expect(fake.received().includes(Buffer.from(PASSWORD))).toBe(true);
  });

  it('the dialect refuses without TLS and never sends it', async () => {
    const error = await connectError(dialect, spec(), 5000);
    expect(error).toBeInstanceOf(DbError);
    expect((error as DbError).code).toBe('authentication-failed');
    expect((error as Error).message).toMatch(/plain text .* the password was not sent/);
    expect(fake.asked).toBe(1);
    expect(fake.received().includes(Buffer.from(PASSWORD))).toBe(false);

    const result = await testConnection(dialect, spec(), 5000);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
    expect(fake.received().includes(Buffer.from(PASSWORD))).toBe(false);
  });
});
