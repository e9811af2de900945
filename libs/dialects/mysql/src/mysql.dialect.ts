import type { Connection as CoreConnection } from 'mysql2';
import type { Connection, ConnectionOptions, RowDataPacket } from 'mysql2/promise';
import {
  booleanOption,
  checkCommonSpec,
  classifyNetworkError,
  type ConnectionSpec,
  ConnectionSpecError,
  type ConnectOptions,
  DbError,
  type Dialect,
  type DialectCapabilities,
  type DialectSession,
  detailOf,
  errorChain,
  fallbackDbError,
  makeDbError,
  redactDbError,
  type ResolvedConnectionSpec,
  stringOption,
  type TableSummary,
  TerminalDbError,
  timeoutIfLate,
  type DataPlane,
} from '@dbferry/dialects-core';
import { mysqlSqlStyle } from './mysql.sql-style';

import { guardedAuthPlugins, MysqlAuthRefusedError, pinnedServerKey } from './mysql.auth';
import { applySessionSetup, MYSQL_DRIVER_OPTIONS, MysqlDataPlane } from './mysql.data-plane';
import { loadMysql, loadMysqlPromise } from './mysql.load-driver';
import { identifierCanExist, MYSQL_SYSTEM_SCHEMAS, type MysqlFlavor, quoteMysqlIdentifier } from './mysql.sql';

export { MYSQL_SYSTEM_SCHEMAS, type MysqlFlavor };

const SYSTEM_LIST = MYSQL_SYSTEM_SCHEMAS.map((s) => `'${s}'`).join(', ');

/** TABLE_ROWS is InnoDB's estimate (and MySQL 8 caches it for information_schema_stats_expiry). */
export const MYSQL_LIST_TABLES_SQL = `
SELECT t.TABLE_SCHEMA AS table_schema, t.TABLE_NAME AS table_name, t.TABLE_ROWS AS table_rows
FROM information_schema.TABLES t
WHERE t.TABLE_TYPE = 'BASE TABLE'
  AND t.TABLE_SCHEMA = COALESCE(?, DATABASE())
  AND t.TABLE_SCHEMA NOT IN (${SYSTEM_LIST})
ORDER BY t.TABLE_NAME`;

export const MYSQL_PRIMARY_KEYS_SQL = `
SELECT s.TABLE_NAME AS table_name, s.COLUMN_NAME AS column_name
FROM information_schema.STATISTICS s
WHERE s.INDEX_NAME = 'PRIMARY'
  AND s.TABLE_SCHEMA = COALESCE(?, DATABASE())
ORDER BY s.TABLE_NAME, s.SEQ_IN_INDEX`;

/** A value the column cannot hold (strict mode): out of range, truncated, bad date/number/string, too long. */
const DATA_ERRNOS = new Set([1264, 1265, 1292, 1366, 1367, 1406, 1411, 3140]);

/**
 * The column a value error names: "Data too long for column 'c' at row 3", MariaDB's
 * "… for column `db`.`t`.`c` at row 1", "Column 'c' cannot be null".
 */
export function mysqlErrorColumn(message: string): string | undefined {
  const value = /for column (?:`(?:[^`]|``)*`\.)*(?:'([^']*)'|`((?:[^`]|``)*)`) at row \d+/.exec(message);
  if (value) return value[1] ?? value[2]?.replaceAll('``', '`');
  return /^Column '([^']*)' cannot be null/.exec(message)?.[1];
}

/** errno values worth retrying: deadlock, lock wait timeout, server gone away, lost connection, too many connections. */
const TRANSIENT_ERRNOS = new Set([1213, 1205, 2006, 2013, 1040, 1053]);


/** `VERSION()` → flavour and a display string (`MariaDB 10.11.19`, `MySQL 8.4.2`). */
export function describeMysqlVersion(raw: string): { flavor: MysqlFlavor; serverVersion: string } {
  const flavor: MysqlFlavor = /mariadb/i.test(raw) ? 'mariadb' : 'mysql';
  // MariaDB before 11 may prefix "5.5.5-" for old clients' sake.
  const bare = raw.replace(/^5\.5\.5-/, '');
  const number = /^\d+(?:\.\d+){0,2}/.exec(bare)?.[0] ?? bare;
  return { flavor, serverVersion: `${flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${number}` };
}

interface TableRow extends RowDataPacket {
  table_schema: string;
  table_name: string;
  table_rows: number | string | null;
}
interface KeyRow extends RowDataPacket {
  table_name: string;
  column_name: string;
}

function tlsFor(spec: ConnectionSpec): ConnectionOptions['ssl'] {
  const value = spec.options?.['ssl'];
  if (value === 'skip-verify' || value === 'no-verify') return { rejectUnauthorized: false };
  // With the pinned IP, mysql2 cannot check the host name; the certificate chain is still verified.
  return booleanOption(spec.options, 'ssl', false) ? { rejectUnauthorized: true } : undefined;
}

export class MysqlSession implements DialectSession {
  constructor(
    private readonly connection: Connection,
    readonly serverVersion: string,
    readonly flavor: MysqlFlavor,
    readonly rawVersion: string,
    private readonly dialect: MysqlDialect,
    private readonly password: string | undefined,
    /** The data plane (mysql.data-plane.ts); absent only for sessions built without one in tests. */
    readonly data?: DataPlane,
  ) {}

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw redactDbError(this.dialect.classifyError(error), [this.password]);
    }
  }

  ping(): Promise<void> {
    return this.run(async () => {
      await this.connection.query('SELECT 1');
    });
  }

  listTables(schema?: string): Promise<TableSummary[]> {
    return this.run(async () => {
      if (schema !== undefined && !identifierCanExist(schema)) return [];
      const [tables] = await this.connection.query<TableRow[]>(MYSQL_LIST_TABLES_SQL, [schema ?? null]);
      const [keys] = await this.connection.query<KeyRow[]>(MYSQL_PRIMARY_KEYS_SQL, [schema ?? null]);
      const pk = new Map<string, string[]>();
      for (const key of keys) pk.set(key.table_name, [...(pk.get(key.table_name) ?? []), key.column_name]);
      return tables.map((t) => ({
        schema: t.table_schema,
        name: t.table_name,
        primaryKey: pk.get(t.table_name) ?? [],
        rowEstimate: t.table_rows === null ? null : Number(t.table_rows),
      }));
    });
  }

  async close(): Promise<void> {
    try {
      await this.connection.end();
    } catch {
      this.connection.destroy();
    }
  }
}

export class MysqlDialect implements Dialect {
  readonly name = 'mysql' as const;
  readonly sql = mysqlSqlStyle;
  readonly capabilities: DialectCapabilities = {
    networked: true,
    defaultPort: 3306,
    maxIdentifierLength: 64,
    maxBindParams: 65535,
    supportsCopy: true, // LOAD DATA LOCAL INFILE
    supportsMerge: false, // INSERT … ON DUPLICATE KEY UPDATE instead
    transactionalDdl: false,
    upsertMatchesAnyUniqueKey: true, // ON DUPLICATE KEY UPDATE fires on every unique index
    deferredKeyBuild: false, // InnoDB clusters rows on the primary key: adding it afterwards rebuilds the table
  };

  quoteIdentifier(name: string): string {
    return quoteMysqlIdentifier(name);
  }

  validateSpec(spec: ConnectionSpec): void {
    checkCommonSpec(spec, true);
    tlsFor(spec);
    pinnedServerKey(spec);
    const charset = stringOption(spec.options, 'charset');
    if (charset !== undefined && !/^[a-z0-9_]+$/i.test(charset)) {
      throw new ConnectionSpecError('options.charset', 'is not a charset name');
    }
  }

  async connect(spec: ResolvedConnectionSpec, options: ConnectOptions): Promise<DialectSession> {
    this.validateSpec(spec);
    const startedAt = performance.now();
    let connection: Connection | undefined;
    const connectionOptions: ConnectionOptions = {
      host: spec.address ?? spec.host,
      port: spec.port ?? this.capabilities.defaultPort,
      database: spec.database,
      user: spec.username,
      password: spec.password,
      charset: stringOption(spec.options, 'charset') ?? 'utf8mb4',
      ssl: tlsFor(spec),
      connectTimeout: Math.max(1, Math.round(options.timeoutMs)),
      ...MYSQL_DRIVER_OPTIONS,
      // Never a readable password outside TLS, never a key the server hands over (mysql.auth.ts).
      authPlugins: guardedAuthPlugins(pinnedServerKey(spec)),
    };
    try {
      connection = await loadMysqlPromise().createConnection(connectionOptions);
      // A fatal error with no query waiting is emitted; unheard, it would crash the process.
      connection.on('error', () => undefined);
      const [rows] = await connection.query<RowDataPacket[]>('SELECT VERSION() AS version');
      const raw = String(rows[0]?.['version'] ?? '');
      const { flavor, serverVersion } = describeMysqlVersion(raw);
      await applySessionSetup(connection);
      const mapError = (error: unknown) => redactDbError(this.classifyError(error), [spec.password]);
      // Readers and writers each get their own connection: a stream or a transaction holds it.
      const connect = async (): Promise<CoreConnection> => {
        const data = loadMysql().createConnection({ ...connectionOptions, charset: 'utf8mb4' });
        data.on('error', () => undefined);
        try {
          await applySessionSetup(data.promise());
        } catch (error) {
          data.destroy();
          throw error;
        }
        return data;
      };
      const data = new MysqlDataPlane(connection, connect, { flavor, rawVersion: raw }, this.capabilities.maxBindParams, mapError);
      return new MysqlSession(connection, serverVersion, flavor, raw, this, spec.password, data);
    } catch (error) {
      connection?.destroy();
      throw redactDbError(timeoutIfLate(this.classifyError(error), startedAt, options.timeoutMs), [spec.password]);
    }
  }

  classifyError(error: unknown): DbError {
    if (error instanceof DbError) return error;
    if (error instanceof MysqlAuthRefusedError) return error.toDbError();
    const chain = errorChain(error);
    const errno = chain.find((f) => f.errno !== undefined && f.errno > 1000)?.errno;
    const code = chain.find((f) => f.code?.startsWith('ER_'))?.code;
    const detail = detailOf(error);
    if (errno === 1045 || code === 'ER_ACCESS_DENIED_ERROR' || errno === 1698) {
      return new TerminalDbError('authentication-failed', detail, { cause: error });
    }
    if (errno === 1049 || code === 'ER_BAD_DB_ERROR') {
      return new TerminalDbError('unknown-database', detail, { cause: error });
    }
    if (errno === 1044 || errno === 1142 || errno === 1143) {
      return new TerminalDbError('permission-denied', detail, { cause: error });
    }
    if (errno !== undefined && TRANSIENT_ERRNOS.has(errno)) return makeDbError('unknown', true, detail, error);
    if (errno === 1062 || errno === 1451 || errno === 1452 || errno === 1048 || errno === 3819 || errno === 4025) {
      return new TerminalDbError('constraint', detail, { cause: error, column: mysqlErrorColumn(detail) });
    }
    if (errno !== undefined && DATA_ERRNOS.has(errno)) return new TerminalDbError('data', detail, { cause: error, column: mysqlErrorColumn(detail) });
    const network = classifyNetworkError(error);
    if (network) return network;
    // After a reset mysql2 refuses every later command on that connection, with no code at all.
    if (chain.some((f) => f.code === 'PROTOCOL_CONNECTION_LOST' || /^Can't (add new command|write) .*in closed state/.test(f.message))) {
      return makeDbError('unknown', true, detail, error);
    }
    if (/timeout|timed out/i.test(detail)) return makeDbError('timeout', true, detail, error);
    return fallbackDbError(error);
  }
}
