import type { ConnectOptions, Dialect, DialectSession, ResolvedConnectionSpec, TableSummary } from './dialect';
import { fallbackDbError } from './error-facts';
import { DbError, TerminalDbError } from './errors';
import { testConnection } from './test-connection';

class FakeSession implements DialectSession {
  closed = false;
  constructor(
    readonly serverVersion: string,
    private readonly pingImpl: () => Promise<void> = async () => undefined,
  ) {}
  ping(): Promise<void> {
    return this.pingImpl();
  }
  async listTables(): Promise<TableSummary[]> {
    return [];
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A dialect whose connect does whatever the test says. */
class FakeDialect implements Omit<Dialect, 'sql'> {
  readonly name = 'postgres' as const;
  readonly capabilities = {
    networked: true,
    maxIdentifierLength: 63,
    maxBindParams: 10,
    supportsCopy: false,
    supportsMerge: false,
    transactionalDdl: true,
  };
  seenOptions: ConnectOptions | undefined;
  constructor(private readonly connectImpl: () => Promise<DialectSession>) {}
  quoteIdentifier(name: string): string {
    return name;
  }
  validateSpec(): void {
    return undefined;
  }
  connect(_spec: ResolvedConnectionSpec, options: ConnectOptions): Promise<DialectSession> {
    this.seenOptions = options;
    return this.connectImpl();
  }
  classifyError(error: unknown): DbError {
    if (error instanceof Error && /password authentication/.test(error.message)) {
      return new TerminalDbError('authentication-failed', error.message, { cause: error });
    }
    return fallbackDbError(error);
  }
}

const PASSWORD = 'hunter2!@#';
const spec: ResolvedConnectionSpec = {
  dialect: 'postgres',
  host: 'db',
  address: '10.0.0.1',
  database: 'x',
  username: 'u',
  password: PASSWORD,
};
const never = (): Promise<never> => new Promise<never>(() => undefined);

describe('testConnection', () => {
  it('connects, pings, closes and reports the server version', async () => {
    const session = new FakeSession('16.2');
    const dialect = new FakeDialect(async () => session);
    const result = await testConnection(dialect, spec, 1000);
    expect(result).toEqual({ ok: true, latencyMs: expect.any(Number), serverVersion: '16.2' });
    expect(session.closed).toBe(true);
    // A test never creates anything (a missing SQLite file stays missing).
    expect(dialect.seenOptions).toEqual({ timeoutMs: 1000, create: false });
  });

  it('scrubs the password (raw and percent-encoded) from a driver message', async () => {
    const dialect = new FakeDialect(async () => {
      throw new Error(`password authentication failed: got ${PASSWORD} / ${encodeURIComponent(PASSWORD)}`);
    });
    const result = await testConnection(dialect, spec, 1000);
    expect(result.ok).toBe(false);
    expect(result.errorCode).toBe('authentication-failed');
    expect(result.error).toMatch(/^authentication failed: /);
    expect(result.error).not.toContain(PASSWORD);
    expect(result.error).not.toContain(encodeURIComponent(PASSWORD));
    expect(result.error).toContain('***');
  });

  it('scrubs the password from an already-sorted DbError too', async () => {
    const dialect = new FakeDialect(async () => {
      throw new TerminalDbError('unknown', `bad dsn user=u password=${PASSWORD}`);
    });
    const result = await testConnection(dialect, spec, 1000);
    expect(result.errorCode).toBe('unknown');
    expect(result.error).not.toContain(PASSWORD);
  });

  it('answers within the time bound when connect never settles', async () => {
    const started = Date.now();
    const result = await testConnection(new FakeDialect(never), spec, 300);
    const took = Date.now() - started;
    expect(result).toMatchObject({ ok: false, errorCode: 'timeout', error: 'timed out: no answer within 300 ms' });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(400);
  });

  it('closes a session that opens after the deadline', async () => {
    const late = new FakeSession('1');
    const dialect = new FakeDialect(() => new Promise((resolve) => setTimeout(() => resolve(late), 150)));
    const result = await testConnection(dialect, spec, 50);
    expect(result.errorCode).toBe('timeout');
    expect(late.closed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(late.closed).toBe(true);
  });

  it('times out on a ping that never answers, and closes the session', async () => {
    const session = new FakeSession('1', never);
    const started = Date.now();
    const result = await testConnection(new FakeDialect(async () => session), spec, 200);
    expect(result.errorCode).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(300);
    expect(session.closed).toBe(true);
  });

  it('never throws, even when connect throws synchronously', async () => {
    const dialect = new FakeDialect(() => {
      throw new Error('boom');
    });
    await expect(testConnection(dialect, spec, 100)).resolves.toMatchObject({
      ok: false,
      errorCode: 'unknown',
      error: 'database error: boom',
    });
  });
});
