import { DbError } from '@dbferry/dialects-core';
import { OracleDialect } from './oracle.dialect';
import { oracleVersionProblem } from './oracle.sql';

const closed: string[] = [];
const executed: string[] = [];
let serverVersion = '19.3.0.0.0';

// A unit test of the version gate only: the handshake is all it reads before refusing.
jest.mock('oracledb', () => ({
  OUT_FORMAT_OBJECT: 4002,
  getConnection: async () => ({
    get oracleServerVersionString() {
      return serverVersion;
    },
    execute: async (sql: string) => {
      executed.push(sql);
      return { rows: [] };
    },
    close: async () => {
      closed.push(serverVersion);
    },
  }),
}));

const spec = { dialect: 'oracle' as const, host: 'db', address: '10.0.0.5', port: 1521, database: 'FREEPDB1', username: 'app', password: 'pw' };

describe('Oracle version gate', () => {
  it.each([
    ['11.2.0.4.0', false],
    ['12.1.0.2.0', false],
    ['12.2.0.1.0', true],
    ['19.3.0.0.0', true],
    ['23.4.0.24.5', true],
  ])('%s supported: %s', (version, ok) => {
    expect(oracleVersionProblem(version) === null).toBe(ok);
  });

  it('refuses a 12.1 server at connect, naming the version, and closes the connection', async () => {
    serverVersion = '12.1.0.2.0';
    executed.length = 0;
    const error = await new OracleDialect().connect(spec, { timeoutMs: 5000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DbError);
    expect((error as DbError).code).toBe('unsupported-version');
    expect((error as DbError).transient).toBe(false);
    expect((error as DbError).message).toContain('12.1.0.2.0');
    expect(closed).toContain('12.1.0.2.0');
    expect(executed).toHaveLength(0);
  });

  it('opens a session on 19c', async () => {
    serverVersion = '19.3.0.0.0';
    const session = await new OracleDialect().connect(spec, { timeoutMs: 5000 });
    expect(session.serverVersion).toBe('19.3.0.0.0');
    expect(executed.length).toBeGreaterThan(0);
    await session.close();
  });
});
