import { existsSync, statSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from 'sqlite3';
import { DbError, type DialectSession, testConnection } from '@dbferry/dialects-core';
import { resolveSqlitePath } from './sqlite-path';
import { SqliteDialect } from './sqlite.dialect';

const dialect = new SqliteDialect();

function exec(db: Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}

describe('SqliteDialect on a real file', () => {
  let root: string;
  let file: string;
  let session: DialectSession;

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'dbferry-sqlite-it-')));
    file = join(root, 'app.db');
    const db = new Database(file);
    await exec(
      db,
      `CREATE TABLE orders (tenant_id INTEGER NOT NULL, note TEXT, order_no INTEGER NOT NULL,
         PRIMARY KEY (order_no, tenant_id)) WITHOUT ROWID;
       CREATE TABLE "Mixed Case" (id INTEGER PRIMARY KEY);
       CREATE TABLE sqliteish (v TEXT);
       CREATE INDEX orders_note ON orders(note);
       WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 42)
       INSERT INTO orders SELECT n % 5, 'n', n FROM g;
       CREATE TABLE auto (id INTEGER PRIMARY KEY AUTOINCREMENT);`,
    );
    await new Promise<void>((resolve) => db.close(() => resolve()));
    session = await dialect.connect({ dialect: 'sqlite', database: await resolveSqlitePath(root, 'app.db') }, { timeoutMs: 2000 });
  });

  afterAll(async () => {
    await session?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('reads the library version', () => {
    expect(session.serverVersion).toMatch(/^SQLite 3\.\d+\.\d+$/);
  });

  it('lists tables with keys in key order and exact counts, hiding sqlite_ internals only', async () => {
    expect(await session.listTables()).toEqual([
      { schema: 'main', name: 'Mixed Case', primaryKey: ['id'], rowEstimate: 0 },
      { schema: 'main', name: 'auto', primaryKey: ['id'], rowEstimate: 0 },
      { schema: 'main', name: 'orders', primaryKey: ['order_no', 'tenant_id'], rowEstimate: 42 },
      { schema: 'main', name: 'sqliteish', primaryKey: [], rowEstimate: 0 },
    ]);
  });

  it('does not create a missing file: a typo is an unknown database', async () => {
    const missing = join(root, 'typo.db');
    const error = await dialect.connect({ dialect: 'sqlite', database: missing }, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbError);
    expect((error as DbError).code).toBe('unknown-database');
    expect((error as DbError).message).toMatch(/^unknown database: the SQLite file does not exist yet \(a run of a job with createTables creates it/);
    expect(existsSync(missing)).toBe(false);
    const result = await testConnection(dialect, { dialect: 'sqlite', database: missing }, 2000);
    expect(result).toMatchObject({ ok: false, errorCode: 'unknown-database' });
    expect(result.error).toMatch(/does not exist yet/);
  });

  it('opens a missing file as an empty database for a preview (missingAsEmpty), creating nothing', async () => {
    const later = join(root, 'later', 'target.db');
    const session = await dialect.connect({ dialect: 'sqlite', database: later }, { timeoutMs: 2000, create: false, missingAsEmpty: true });
    expect(await session.listTables()).toEqual([]);
    await session.close();
    expect(existsSync(later)).toBe(false);
    // An existing file is opened as itself.
    const real = await dialect.connect({ dialect: 'sqlite', database: file }, { timeoutMs: 2000, missingAsEmpty: true });
    expect((await real.listTables()).length).toBe(4);
    await real.close();
  });

  it('creates the file only when asked to', async () => {
    const fresh = join(root, 'fresh.db');
    const created = await dialect.connect({ dialect: 'sqlite', database: fresh, options: { create: true } }, { timeoutMs: 2000 });
    await created.close();
    expect(existsSync(fresh)).toBe(true);
  });

  it('creates a missing file and its parents with mode 0600 when the caller says create', async () => {
    const deep = await resolveSqlitePath(root, 'runs/2026/target.db');
    const created = await dialect.connect({ dialect: 'sqlite', database: deep }, { timeoutMs: 2000, create: true });
    await created.data!.execute(['CREATE TABLE t (id INTEGER PRIMARY KEY)']);
    await created.close();
    expect(statSync(deep).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'runs', '2026')).mode & 0o777).toBe(0o700);
    // Opened again with create, the existing file and its table are kept.
    const again = await dialect.connect({ dialect: 'sqlite', database: deep }, { timeoutMs: 2000, create: true });
    expect((await again.listTables()).map((t) => t.name)).toEqual(['t']);
    await again.close();
  });

  it('a connection test never creates the file, even when the spec says create=true', async () => {
    const probe = join(root, 'probe.db');
    const result = await testConnection(dialect, { dialect: 'sqlite', database: probe, options: { create: true } }, 2000);
    expect(result).toMatchObject({ ok: false, errorCode: 'unknown-database' });
    expect(existsSync(probe)).toBe(false);
  });

  it('read-only never creates, even with create=true', async () => {
    const ghost = join(root, 'ghost.db');
    const error = await dialect
      .connect({ dialect: 'sqlite', database: ghost, readOnly: true, options: { create: true } }, { timeoutMs: 2000 })
      .catch((e: unknown) => e);
    expect((error as DbError).code).toBe('unknown-database');
    expect(existsSync(ghost)).toBe(false);
    await dialect.connect({ dialect: 'sqlite', database: ghost, readOnly: true }, { timeoutMs: 2000, create: true }).catch(() => undefined);
    expect(existsSync(ghost)).toBe(false);
    const ro = await dialect.connect({ dialect: 'sqlite', database: file, readOnly: true }, { timeoutMs: 2000 });
    expect((await ro.listTables()).length).toBe(4);
    await ro.close();
  });

  it('sorts a file that is not a database as unknown-database', async () => {
    const error = await dialect
      .connect({ dialect: 'sqlite', database: join(__dirname, 'sqlite.dialect.ts') }, { timeoutMs: 2000 })
      .catch((e: unknown) => e);
    expect((error as DbError).code).toBe('unknown-database');
  });
});
