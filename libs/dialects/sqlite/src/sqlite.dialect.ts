import { stat } from 'node:fs/promises';
import type { Database } from 'sqlite3';
import {
  booleanOption,
  checkCommonSpec,
  type ConnectionSpec,
  type ConnectOptions,
  DbError,
  type Dialect,
  type DialectCapabilities,
  type DialectSession,
  detailOf,
  errorChain,
  fallbackDbError,
  makeDbError,
  type ResolvedConnectionSpec,
  type TableSummary,
  TerminalDbError,
  type DataPlane,
} from '@dbferry/dialects-core';
import { sqliteSqlStyle } from './sqlite.sql-style';
import { createSqliteDataPlane } from './sqlite.data-plane';
import { createSqliteFile } from './sqlite-path';
import { loadSqlite3 } from './sqlite.load-driver';
import { quoteSqliteIdentifier } from './sqlite.sql';

/** `sqlite\_%` with ESCAPE: a plain `_` is a wildcard and would hide tables like `sqliteX`. */
export const SQLITE_LIST_TABLES_SQL = (schemaQuoted: string): string => `
SELECT name FROM ${schemaQuoted}.sqlite_master
WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY name`;

export const SQLITE_PRIMARY_KEY_SQL = `SELECT name FROM pragma_table_info(?1, ?2) WHERE pk > 0 ORDER BY pk`;

function all<T>(db: Database, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    db.all<T>(sql, params, (error, rows) => (error ? reject(error) : resolve(rows)));
  });
}

/** Said for a missing file (SQLITE_CANTOPEN alone does not tell a new user what to do). */
export const SQLITE_FILE_MISSING =
  'the SQLite file does not exist yet (a run of a job with createTables creates it, inside SQLITE_ROOT with mode 0600; a connection test never does)';

async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}

function open(path: string, mode: number): Promise<Database> {
  return new Promise((resolve, reject) => {
    const db: Database = new (loadSqlite3().Database)(path, mode, (error) => (error ? reject(error) : resolve(db)));
  });
}

class SqliteSession implements DialectSession {
  readonly data: DataPlane;

  constructor(
    private readonly db: Database,
    readonly serverVersion: string,
    private readonly dialect: SqliteDialect,
  ) {
    this.data = createSqliteDataPlane(db, dialect);
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.dialect.classifyError(error);
    }
  }

  ping(): Promise<void> {
    return this.run(async () => {
      await all(this.db, 'SELECT 1');
    });
  }

  listTables(schema = 'main'): Promise<TableSummary[]> {
    return this.run(async () => {
      const q = (name: string): string => this.dialect.quoteIdentifier(name);
      const tables = await all<{ name: string }>(this.db, SQLITE_LIST_TABLES_SQL(q(schema)));
      const out: TableSummary[] = [];
      for (const { name } of tables) {
        const keys = await all<{ name: string }>(this.db, SQLITE_PRIMARY_KEY_SQL, [name, schema]);
        // The file is local, so an exact count is cheap enough; SQLite keeps no estimate.
        const [count] = await all<{ n: number }>(this.db, `SELECT count(*) AS n FROM ${q(schema)}.${q(name)}`);
        out.push({ schema, name, primaryKey: keys.map((k) => k.name), rowEstimate: count?.n ?? null });
      }
      return out;
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.db.close(() => resolve()));
  }
}

export class SqliteDialect implements Dialect {
  readonly name = 'sqlite' as const;
  readonly sql = sqliteSqlStyle;
  readonly capabilities: DialectCapabilities = {
    networked: false,
    // SQLite sets no identifier limit (only SQLITE_MAX_SQL_LENGTH); 1024 keeps generated names sane.
    maxIdentifierLength: 1024,
    maxBindParams: 32766, // SQLITE_MAX_VARIABLE_NUMBER since 3.32
    supportsCopy: false,
    supportsMerge: false, // INSERT … ON CONFLICT DO UPDATE instead
    transactionalDdl: true,
    deferredKeyBuild: false, // a primary key cannot be added to an existing SQLite table
  };

  quoteIdentifier(name: string): string {
    return quoteSqliteIdentifier(name);
  }

  validateSpec(spec: ConnectionSpec): void {
    checkCommonSpec(spec, false);
    booleanOption(spec.options, 'create', false);
  }

  /** `spec.database` must already be the checked absolute path from resolveSqlitePath. */
  async connect(spec: ResolvedConnectionSpec, options: ConnectOptions): Promise<DialectSession> {
    this.validateSpec(spec);
    // Only an explicit create may make a file (a typo should read "unknown database"), and a
    // caller that must never create (a connection test) says create: false.
    const create = !spec.readOnly && (options.create ?? booleanOption(spec.options, 'create', false));
    let db: Database | undefined;
    try {
      if (create) await createSqliteFile(spec.database).catch((error: unknown) => this.refuseCreate(error));
      const missing = !create && !(await fileExists(spec.database));
      // A preview of a run that would create the file plans against what it would find: nothing.
      if (missing && options.missingAsEmpty !== true) throw new TerminalDbError('unknown-database', SQLITE_FILE_MISSING);
      db = missing ? await open(':memory:', loadSqlite3().OPEN_READWRITE) : await open(spec.database, spec.readOnly ? loadSqlite3().OPEN_READONLY : loadSqlite3().OPEN_READWRITE);
      db.configure('busyTimeout', Math.max(1, Math.round(options.timeoutMs)));
      const [row] = await all<{ version: string }>(db, 'SELECT sqlite_version() AS version, (SELECT count(*) FROM sqlite_master) AS tables');
      return new SqliteSession(db, `SQLite ${row?.version ?? 'unknown'}`, this);
    } catch (error) {
      db?.close();
      throw this.classifyError(error);
    }
  }

  private refuseCreate(error: unknown): never {
    const code = (error as { code?: unknown }).code;
    const reason = code === 'EACCES' || code === 'EPERM' ? 'permission-denied' : 'unknown-database';
    throw new TerminalDbError(reason, `cannot create the SQLite file: ${detailOf(error)}`, { cause: error });
  }

  classifyError(error: unknown): DbError {
    if (error instanceof DbError) return error;
    const chain = errorChain(error);
    const code = chain.find((f) => f.code?.startsWith('SQLITE_'))?.code;
    const detail = detailOf(error);
    switch (code) {
      case 'SQLITE_CANTOPEN':
      case 'SQLITE_NOTADB':
        return new TerminalDbError('unknown-database', detail, { cause: error });
      case 'SQLITE_BUSY':
      case 'SQLITE_LOCKED':
        return makeDbError('timeout', true, detail, error);
      case 'SQLITE_READONLY':
      case 'SQLITE_PERM':
      case 'SQLITE_AUTH':
        return new TerminalDbError('permission-denied', detail, { cause: error });
      case 'SQLITE_CONSTRAINT':
        return new TerminalDbError('constraint', detail, { cause: error });
      case 'SQLITE_MISMATCH':
      case 'SQLITE_TOOBIG':
        return new TerminalDbError('data', detail, { cause: error });
      default:
        return fallbackDbError(error);
    }
  }
}
