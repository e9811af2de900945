import { isIP } from 'node:net';
import type { ConnectionPool } from 'mssql';
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
  type DataPlane,
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
} from '@dbferry/dialects-core';
import { mssqlSqlStyle } from './mssql.sql-style';
import { classifyDataPlane } from '@dbferry/dialects-core';
import { createMssqlDataPlane } from './mssql.data-plane';
import { loadMssql } from './mssql.load-driver';
import { quoteMssqlIdentifier } from './mssql.sql';

/** sys.partitions rows of the heap (0) or clustered index (1) add up to the table's row count. */
export const MSSQL_LIST_TABLES_SQL = `
SELECT s.name AS schema_name, t.name AS table_name,
       (SELECT SUM(p.rows) FROM sys.partitions p
        WHERE p.object_id = t.object_id AND p.index_id IN (0, 1)) AS row_estimate
FROM sys.tables t
JOIN sys.schemas s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0 AND (@schema IS NULL OR s.name = @schema)
ORDER BY s.name, t.name`;

export const MSSQL_PRIMARY_KEYS_SQL = `
SELECT s.name AS schema_name, t.name AS table_name, c.name AS column_name
FROM sys.indexes i
JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
JOIN sys.tables t ON t.object_id = i.object_id
JOIN sys.schemas s ON s.schema_id = t.schema_id
WHERE i.is_primary_key = 1 AND t.is_ms_shipped = 0 AND (@schema IS NULL OR s.name = @schema)
ORDER BY s.name, t.name, ic.key_ordinal`;

/** Error numbers worth retrying: deadlock victim, Azure database unavailable, failing over or throttled. */
const TRANSIENT_NUMBERS = new Set([1205, 40613, 40197, 40501, 49918, 49919, 49920, 4221, 10928, 10929]);

interface TableRow {
  schema_name: string;
  table_name: string;
  row_estimate: string | number | null;
}
interface KeyRow {
  schema_name: string;
  table_name: string;
  column_name: string;
}

class MssqlSession implements DialectSession {
  readonly data: DataPlane;

  constructor(
    private readonly pool: ConnectionPool,
    readonly serverVersion: string,
    private readonly dialect: MssqlDialect,
    private readonly password: string | undefined,
    productVersion: string | undefined,
  ) {
    this.data = classifyDataPlane(createMssqlDataPlane(pool, productVersion), (error) =>
      redactDbError(this.dialect.classifyError(error), [this.password]),
    );
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw redactDbError(this.dialect.classifyError(error), [this.password]);
    }
  }

  ping(): Promise<void> {
    return this.run(async () => {
      await this.pool.request().query('SELECT 1 AS one');
    });
  }

  listTables(schema?: string): Promise<TableSummary[]> {
    return this.run(async () => {
      const tables = await this.pool.request().input('schema', schema ?? null).query<TableRow>(MSSQL_LIST_TABLES_SQL);
      const keys = await this.pool.request().input('schema', schema ?? null).query<KeyRow>(MSSQL_PRIMARY_KEYS_SQL);
      const pk = new Map<string, string[]>();
      for (const k of keys.recordset) {
        const id = `${k.schema_name}.${k.table_name}`;
        pk.set(id, [...(pk.get(id) ?? []), k.column_name]);
      }
      return tables.recordset.map((t) => ({
        schema: t.schema_name,
        name: t.table_name,
        primaryKey: pk.get(`${t.schema_name}.${t.table_name}`) ?? [],
        rowEstimate: t.row_estimate === null ? null : Number(t.row_estimate),
      }));
    });
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => undefined);
  }
}

const LOGIN_OUTSIDE_TLS = 'EDBFERRY_LOGIN_OUTSIDE_TLS';
const LOGIN_OUTSIDE_TLS_MESSAGE =
  'the server did not take TLS before the login (encryption off or not supported), so the password was not sent; use a server with TLS (options.encrypt true, the default)';

/**
 * tedious sends the LOGIN7 packet, whose password is only obfuscated (a reversible nibble swap
 * and XOR), outside TLS whenever the server's PRELOGIN answer says encryption is off or not
 * supported, even with `encrypt: true`. The packet is stopped here unless TLS was negotiated.
 */
function refuseLoginOutsideTls(connection: unknown): void {
  const tedious = connection as { sendLogin7Packet: () => void; messageIo?: { tlsNegotiationComplete?: boolean } };
  const send = tedious.sendLogin7Packet.bind(tedious);
  tedious.sendLogin7Packet = () => {
    if (!tedious.messageIo?.tlsNegotiationComplete) throw Object.assign(new Error(LOGIN_OUTSIDE_TLS_MESSAGE), { code: LOGIN_OUTSIDE_TLS });
    send();
  };
}

export class MssqlDialect implements Dialect {
  readonly name = 'mssql' as const;
  readonly sql = mssqlSqlStyle;
  readonly capabilities: DialectCapabilities = {
    networked: true,
    defaultPort: 1433,
    maxIdentifierLength: 128,
    maxBindParams: 2100,
    supportsCopy: true, // TDS bulk load
    supportsMerge: true,
    transactionalDdl: true,
  };

  quoteIdentifier(name: string): string {
    return quoteMssqlIdentifier(name);
  }

  validateSpec(spec: ConnectionSpec): void {
    checkCommonSpec(spec, true);
    booleanOption(spec.options, 'encrypt', true);
    booleanOption(spec.options, 'trustServerCertificate', false);
    const instance = stringOption(spec.options, 'instanceName');
    if (instance !== undefined && !/^[A-Za-z0-9_$#-]{1,16}$/.test(instance)) {
      throw new ConnectionSpecError('options.instanceName', 'is not an instance name');
    }
  }

  async connect(spec: ResolvedConnectionSpec, options: ConnectOptions): Promise<DialectSession> {
    this.validateSpec(spec);
    const startedAt = performance.now();
    const instanceName = stringOption(spec.options, 'instanceName');
    const host = spec.host && isIP(spec.host) === 0 ? spec.host : undefined;
    const pool = new (loadMssql().ConnectionPool)({
      server: spec.address ?? spec.host ?? '',
      // With an instance name the port comes from the SQL Browser on the same address.
      port: instanceName ? undefined : (spec.port ?? this.capabilities.defaultPort),
      user: spec.username,
      password: spec.password,
      database: spec.database,
      connectionTimeout: Math.max(1, Math.round(options.timeoutMs)),
      // One session, one connection: later transactions and bulk loads rely on it.
      pool: { min: 0, max: 1 },
      options: {
        encrypt: booleanOption(spec.options, 'encrypt', true),
        trustServerCertificate: booleanOption(spec.options, 'trustServerCertificate', false),
        instanceName,
        // TLS checks the certificate against the name the operator gave, not the pinned IP.
        serverName: host,
        appName: 'dbferry',
      },
      ...(spec.password ? { beforeConnect: refuseLoginOutsideTls } : {}),
    });
    pool.on('error', () => undefined);
    try {
      await pool.connect();
      const result = await pool.request().query<{ version: string; banner: string }>(
        "SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS version, @@VERSION AS banner",
      );
      const row = result.recordset[0];
      const banner = row?.banner.split('\n')[0]?.trim();
      return new MssqlSession(pool, banner || row?.version || 'unknown', this, spec.password, row?.version);
    } catch (error) {
      await pool.close().catch(() => undefined);
      throw redactDbError(timeoutIfLate(this.classifyError(error), startedAt, options.timeoutMs), [spec.password]);
    }
  }

  classifyError(error: unknown): DbError {
    if (error instanceof DbError) return error;
    const chain = errorChain(error);
    const detail = detailOf(error);
    const number = chain.find((f) => f.number !== undefined)?.number;
    if (number === 4060 || chain.some((f) => /Cannot open database/i.test(f.message))) {
      return new TerminalDbError('unknown-database', detail, { cause: error });
    }
    if (chain.some((f) => f.code === LOGIN_OUTSIDE_TLS)) return new TerminalDbError('authentication-failed', LOGIN_OUTSIDE_TLS_MESSAGE, { cause: error });
    if (number === 18456 || chain.some((f) => f.code === 'ELOGIN')) {
      return new TerminalDbError('authentication-failed', detail, { cause: error });
    }
    const network = classifyNetworkError(error);
    if (network) return network;
    if (chain.some((f) => f.code === 'ETIMEOUT')) return makeDbError('timeout', true, detail, error);
    // The SQL Browser does not know the named instance: the target, not the network, is wrong.
    if (chain.some((f) => f.code === 'EINSTLOOKUP')) return new TerminalDbError('unknown-database', detail, { cause: error });
    if (number !== undefined) {
      if (number === 229 || number === 230 || number === 262) {
        return new TerminalDbError('permission-denied', detail, { cause: error });
      }
      if (number === 2627 || number === 2601 || number === 547 || number === 515) {
        return new TerminalDbError('constraint', detail, { cause: error });
      }
      if (TRANSIENT_NUMBERS.has(number)) return makeDbError('unknown', true, detail, error);
    }
    if (chain.some((f) => f.code === 'ESOCKET' || f.code === 'ECONNCLOSED')) {
      return makeDbError('unknown', true, detail, error);
    }
    return fallbackDbError(error);
  }
}
