import { generateKeyPairSync } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { ConnectionSpecError, DbError, type ResolvedConnectionSpec, testConnection } from '@dbferry/dialects-core';
import { connectError, fakeServerSpec, type FakeMysqlMode, type FakeMysqlServer, startFakeMysql } from '@dbferry/testing';
import { MysqlDialect } from './mysql.dialect';

const PASSWORD = 'stored-Secret-9c1e4b';
const dialect = new MysqlDialect();
const specFor = (port: number, options: ResolvedConnectionSpec['options'] = {}) => fakeServerSpec('mysql', port, PASSWORD, options);

/** What the fake server saw holds no form of the password it could read. */
function expectNothingReadable(fake: FakeMysqlServer) {
  expect(fake.connections).toBeGreaterThan(0);
  expect(fake.lures).toBeGreaterThan(0);
  expect(fake.recovered).toEqual([]);
  expect(fake.received().includes(Buffer.from(PASSWORD))).toBe(false);
}

describe('MySQL authentication against a server that asks for the password', () => {
  const fakes: FakeMysqlServer[] = [];
  const fake = async (mode: FakeMysqlMode) => {
    const server = await startFakeMysql(mode);
    fakes.push(server);
    return server;
  };
  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
  });

  // The fake really can read a password from plain mysql2, so its silence below means something.
  it.each<[FakeMysqlMode, object]>([
    ['sha256-switch', {}],
    ['caching-sha2-full', {}],
    ['clear-switch', { enableCleartextPlugin: true }],
  ])('recovers the password from mysql2 with its own plugins (%s)', async (mode, extra) => {
    const server = await fake(mode);
    await expect(createConnection({ host: '127.0.0.1', port: server.port, user: 'dbferry', password: PASSWORD, database: 'sales', ...extra })).rejects.toThrow();
    expect(server.recovered).toContain(PASSWORD);
  });

  it.each<FakeMysqlMode>(['sha256-switch', 'caching-sha2-full', 'clear-switch', 'sha256-hello'])(
    'the dialect never sends it (%s)',
    async (mode) => {
      const server = await fake(mode);
      const error = await connectError(dialect, specFor(server.port), 5000);
      expect(error).toBeInstanceOf(DbError);
      expect((error as DbError).code).toBe('authentication-failed');
      expect((error as Error).message).toMatch(/password was not sent/);
      expect((error as Error).message).not.toContain(PASSWORD);
      expectNothingReadable(server);
    },
  );

  it('a connection test reports the refusal without the password', async () => {
    const server = await fake('sha256-switch');
    const result = await testConnection(dialect, specFor(server.port), 5000);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/sha256_password/);
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
    expectNothingReadable(server);
  });

  it('encrypts only with a pinned key, which the impostor cannot read', async () => {
    const pinned = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const mode of ['sha256-switch', 'caching-sha2-full'] as const) {
      const server = await fake(mode);
      await expect(dialect.connect(specFor(server.port, { serverPublicKey: pinned }), { timeoutMs: 5000 })).rejects.toThrow(/Access denied/);
      // The client answered with an RSA block, never asking for the server's key.
      expect(server.received().length).toBeGreaterThan(256);
      expectNothingReadable(server);
    }
  });

  it('refuses an option that is not an RSA public key, naming it', () => {
    expect(() => dialect.validateSpec(specFor(3306, { serverPublicKey: 'not a key' }))).toThrow(ConnectionSpecError);
    try {
      dialect.validateSpec(specFor(3306, { serverPublicKey: 'not a key' }));
    } catch (error) {
      expect((error as ConnectionSpecError).field).toBe('options.serverPublicKey');
    }
  });
});
