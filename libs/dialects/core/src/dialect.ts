import type { DataPlane } from './data-plane';
import type { DbError } from './errors';
import type { SqlStyle } from './sql-style';

export const DIALECT_NAMES = ['postgres', 'mysql', 'mssql', 'oracle', 'sqlite'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];

/** What an operator registers. `password` is only ever held in memory, never logged. */
export interface ConnectionSpec {
  dialect: DialectName;
  host?: string;
  port?: number;
  /** Database name; for Oracle the service name; for SQLite a path under SQLITE_ROOT. */
  database: string;
  username?: string;
  password?: string;
  options?: Record<string, string | number | boolean>;
  readOnly?: boolean;
}

/**
 * A spec that passed the egress policy: `address` is the IP the host resolved to, and the
 * driver must connect to it (never re-resolve `host`, which may be kept for TLS SNI).
 * For SQLite, `database` is the absolute, checked file path.
 */
export interface ResolvedConnectionSpec extends ConnectionSpec {
  address?: string;
}

/** Facts the engine branches on, instead of on the dialect's name. */
export interface DialectCapabilities {
  /** Whether the dialect talks to a server (host/port) rather than a local file. */
  networked: boolean;
  defaultPort?: number;
  maxIdentifierLength: number;
  maxBindParams: number;
  supportsCopy: boolean;
  supportsMerge: boolean;
  transactionalDdl: boolean;
  /**
   * Tables are heaps (rows kept where they land, not clustered by key), so a bulk write is as
   * fast with its rows in any order, and a copy into this dialect may read its source unordered
   * (ReadRequest.unordered). Absent: false, rows go in key order (clustered tables such as
   * InnoDB's are slower to fill out of order).
   */
  unorderedWrites?: boolean;
  /**
   * The upsert matches a row by ANY unique key of the table, not only the one it was given
   * (MySQL's ON DUPLICATE KEY UPDATE): a row whose value collides with another row's in a second
   * unique index overwrites that other row. Absent: false, such a write is refused instead.
   */
  upsertMatchesAnyUniqueKey?: boolean;
  /**
   * A table the run creates itself may be created without its primary key and indexes, loaded,
   * and keyed afterwards (DdlBuilder.createTable's `deferKey`): cheaper for a heap than keeping a
   * B-tree up to date under concurrent writers. A dialect declaring it also runs a DdlPlan's
   * `deferred` statements in one transaction (transactionalDdl), counts rows with
   * Reader.countRows, and honours WriteRequest.verifyStored. Absent: false. MySQL/MariaDB (InnoDB
   * clusters rows on the key: adding it rebuilds the table), SQLite (cannot add a primary key to
   * a table), SQL Server and Oracle (not measured) leave it off.
   */
  deferredKeyBuild?: boolean;
}

export interface TableSummary {
  schema: string;
  name: string;
  primaryKey: string[];
  /** Cheap estimate from the catalogue; null when the database keeps none. */
  rowEstimate: number | null;
}

export interface ConnectOptions {
  /** Upper bound for establishing the session; the driver's own timeout is set from it. */
  timeoutMs: number;
  /**
   * Whether a file-based database may be created when missing (SQLite: the file and its
   * parents, under SQLITE_ROOT, mode 0600). Unset: the spec's own `create` option decides;
   * false: never (a connection test); true: create (a run that may create tables).
   */
  create?: boolean;
  /**
   * A file-based database that does not exist yet (and is not created) opens as an empty
   * in-memory one instead of failing: what a run that may create it would find. Only for
   * reading catalogues (a preview); nothing written there is kept.
   */
  missingAsEmpty?: boolean;
}

/**
 * One open session to a database. `data` is the data plane (issue 3); it is optional only
 * while dialects are being brought up, and the engine refuses a dialect without it.
 */
export interface DialectSession {
  readonly data?: DataPlane;
  readonly serverVersion: string;
  /** Runs a trivial round-trip query (SELECT 1 or the dialect's equivalent). */
  ping(): Promise<void>;
  listTables(schema?: string): Promise<TableSummary[]>;
  close(): Promise<void>;
}

export interface Dialect {
  readonly name: DialectName;
  readonly capabilities: DialectCapabilities;
  /** The SQL the engine needs from this dialect (filters, literals, key sets, staging swap, enum types). */
  readonly sql: SqlStyle;
  quoteIdentifier(name: string): string;
  /** Throws ConnectionSpecError when the spec cannot be used as given (before any I/O). */
  validateSpec(spec: ConnectionSpec): void;
  /** Opens a session. Rejects with a DbError (see errors.ts), never a raw driver error. */
  connect(spec: ResolvedConnectionSpec, options: ConnectOptions): Promise<DialectSession>;
  /** Sorts a driver error into the taxonomy; used by connect and by every later operation. */
  classifyError(error: unknown): DbError;
  /**
   * How many chunks may load one table of this server at once before they slow each other down
   * (absent or undefined: no cap of its own, only the connection's parallel-chunk limit). Frozen
   * into a run's snapshot at plan time from the target session's version.
   */
  tableLoadWriters?(serverVersion: string): number | undefined;
}
