import { isIP } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Client, ClientConfig } from 'pg';
import {
  checkCommonSpec,
  classifyNetworkError,
  type ConnectionSpec,
  ConnectionSpecError,
  type ConnectOptions,
  DbError,
  type Dialect,
  type DataPlane,
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
} from '@dbferry/dialects-core';
import { postgresSqlStyle } from './postgres.sql-style';
import { PostgresClients } from './postgres.clients';
import { createPostgresDataPlane } from './postgres.data-plane';
import { quotePostgresIdentifier } from './postgres.sql';
import { loadPg } from './postgres.load-driver';
import { POSTGRES_SESSION_SETUP_SQL, POSTGRES_SESSION_TYPES } from './postgres.values';

/** SQLSTATEs that mean "try again": serialization, deadlock, shutdown, starting up, too many clients. */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '53300', '08006', '08001']);

export const POSTGRES_LIST_TABLES_SQL = `
SELECT n.nspname::text AS schema_name,
       c.relname::text AS table_name,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::float8 END AS row_estimate,
       COALESCE((
         SELECT array_agg(a.attname::text ORDER BY k.ord)
         FROM pg_index i
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE i.indrelid = c.oid AND i.indisprimary
       ), ARRAY[]::text[]) AS primary_key
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'
  AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND ($1::text IS NULL OR n.nspname = $1::text)
ORDER BY n.nspname, c.relname`;

interface TableRow {
  schema_name: string;
  table_name: string;
  row_estimate: number | null;
  primary_key: string[];
}

/**
 * The column a value error names: the server's `column` field (NOT NULL), else the COPY
 * context line (`COPY t, line 3, column note: "…"`).
 */
export function postgresErrorColumn(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { column, where } = error as { column?: unknown; where?: unknown };
  if (typeof column === 'string' && column) return column;
  if (typeof where !== 'string') return undefined;
  return /^COPY .*?, line \d+, column (.+?)(?::\s|$)/m.exec(where)?.[1];
}

const refusedCleartext = () =>
  new TerminalDbError(
    'authentication-failed',
    'the server asked for the password in plain text (password authentication) without TLS; the password was not sent; set options.sslmode to verify-full (or require)',
  );

/** libpq's sslmode words mapped onto node's TLS options; TLS verifies the host name, not the pinned IP. */
function tlsFor(spec: ResolvedConnectionSpec): ClientConfig['ssl'] {
  const mode = stringOption(spec.options, 'sslmode') ?? 'disable';
  // SNI may not carry an IP address; a literal host is then verified as an IP.
  const servername = spec.host && isIP(spec.host) === 0 ? spec.host : undefined;
  switch (mode) {
    // node-pg cannot fall back from TLS to plain, so allow/prefer behave like its default: plain.
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      return { rejectUnauthorized: false, servername };
    case 'verify-ca':
      return { rejectUnauthorized: true, servername, checkServerIdentity: () => undefined } satisfies TlsOptions;
    case 'verify-full':
      return { rejectUnauthorized: true, servername };
    default:
      throw new ConnectionSpecError('options.sslmode', `unknown sslmode "${mode}"`);
  }
}

class PostgresSession implements DialectSession {
  readonly data: DataPlane;
  private readonly clients: PostgresClients;

  constructor(
    private readonly client: Client,
    readonly serverVersion: string,
    private readonly dialect: PostgresDialect,
    private readonly password: string | undefined,
    openClient: () => Promise<Client>,
  ) {
    this.clients = new PostgresClients(client, openClient);
    this.data = createPostgresDataPlane(this.clients, (work) => this.run(work));
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
      await this.client.query('SELECT 1');
    });
  }

  listTables(schema?: string): Promise<TableSummary[]> {
    return this.run(async () => {
      const result = await this.client.query<TableRow>(POSTGRES_LIST_TABLES_SQL, [schema ?? null]);
      return result.rows.map((row) => ({
        schema: row.schema_name,
        name: row.table_name,
        primaryKey: row.primary_key,
        rowEstimate: row.row_estimate === null ? null : Math.round(row.row_estimate),
      }));
    });
  }

  async close(): Promise<void> {
    await this.clients.closeAll();
    await this.client.end().catch(() => undefined);
  }
}

/** Chunks loading one table at once on a server before 16 (PostgresDialect.tableLoadWriters). */
export const POSTGRES_TABLE_LOAD_WRITERS_BEFORE_16 = 2;

export class PostgresDialect implements Dialect {
  readonly name = 'postgres' as const;
  readonly sql = postgresSqlStyle;
  readonly capabilities: DialectCapabilities = {
    networked: true,
    defaultPort: 5432,
    maxIdentifierLength: 63,
    maxBindParams: 65535,
    supportsCopy: true,
    supportsMerge: true, // MERGE since 15; INSERT … ON CONFLICT before that
    transactionalDdl: true,
    unorderedWrites: true, // heap tables
    deferredKeyBuild: true, // a heap loads faster without its B-tree; ADD PRIMARY KEY then sorts once
  };

  quoteIdentifier(name: string): string {
    return quotePostgresIdentifier(name);
  }

  /**
   * Before 16, PostgreSQL extends a table one page at a time under one relation extension lock:
   * measured here (15, docs/benchmarks.md "Quiet runs at"), four COPYs into one table spent their
   * waits on Lock:extend, WALWrite and BufferContent and the copy took longer than with two, which
   * seldom waited. 16 extends by many pages at once, so it gets no cap.
   */
  tableLoadWriters(serverVersion: string): number | undefined {
    const major = Number.parseInt(serverVersion, 10);
    return Number.isFinite(major) && major < 16 ? POSTGRES_TABLE_LOAD_WRITERS_BEFORE_16 : undefined;
  }

  validateSpec(spec: ConnectionSpec): void {
    checkCommonSpec(spec, true);
    tlsFor(spec);
  }

  async connect(spec: ResolvedConnectionSpec, options: ConnectOptions): Promise<DialectSession> {
    this.validateSpec(spec);
    const startedAt = performance.now();
    const config: ClientConfig = {
      host: spec.address ?? spec.host,
      port: spec.port ?? this.capabilities.defaultPort,
      database: spec.database,
      user: spec.username,
      password: spec.password,
      ssl: tlsFor(spec),
      application_name: stringOption(spec.options, 'application_name') ?? 'dbferry',
      connectionTimeoutMillis: Math.max(1, Math.round(options.timeoutMs)),
      // Per client, never pg's global parsers: exact numbers and temporal values stay text.
      types: POSTGRES_SESSION_TYPES,
    };
    const open = async (): Promise<Client> => {
      // pg answers AuthenticationCleartextPassword with the password as it is: only inside TLS.
      let cleartext = false;
      const client = new (loadPg().Client)({
        ...config,
        password: () => {
          if (cleartext && !config.ssl) throw refusedCleartext();
          return spec.password as string;
        },
      });
      // Attached before pg's own listener (added at connect), so the flag is set when pg asks for the password.
      client.connection.on('authenticationCleartextPassword', () => {
        cleartext = true;
      });
      // An idle client whose server goes away emits 'error'; unheard, it would crash the process.
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query(POSTGRES_SESSION_SETUP_SQL);
        return client;
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
    };
    try {
      const client = await open();
      const version = await client.query<{ server_version: string }>('SHOW server_version').catch(async (error: unknown) => {
        await client.end().catch(() => undefined);
        throw error;
      });
      return new PostgresSession(client, version.rows[0]?.server_version ?? 'unknown', this, spec.password, open);
    } catch (error) {
      throw redactDbError(timeoutIfLate(this.classifyError(error), startedAt, options.timeoutMs), [spec.password]);
    }
  }

  classifyError(error: unknown): DbError {
    if (error instanceof DbError) return error;
    const network = classifyNetworkError(error);
    if (network) return network;
    const sqlState = errorChain(error).find((f) => f.code && /^[0-9A-Z]{5}$/.test(f.code))?.code;
    if (sqlState) {
      const detail = detailOf(error);
      if (sqlState === '28P01' || sqlState === '28000') {
        return new TerminalDbError('authentication-failed', detail, { cause: error });
      }
      if (sqlState === '3D000') return new TerminalDbError('unknown-database', detail, { cause: error });
      if (sqlState === '42501') return new TerminalDbError('permission-denied', detail, { cause: error });
      if (sqlState === '57014') return makeDbError('timeout', true, detail, error);
      if (sqlState.startsWith('23')) return new TerminalDbError('constraint', detail, { cause: error, column: postgresErrorColumn(error) });
      if (sqlState.startsWith('22')) return new TerminalDbError('data', detail, { cause: error, column: postgresErrorColumn(error) });
      if (TRANSIENT_SQLSTATES.has(sqlState)) return makeDbError('unknown', true, detail, error);
      return new TerminalDbError('unknown', detail, { cause: error });
    }
    const message = detailOf(error);
    if (/timeout|timed out/i.test(message)) return makeDbError('timeout', true, message, error);
    if (/server does not support SSL/i.test(message)) return new TerminalDbError('tls', message, { cause: error });
    // node-pg refuses every query on a client whose socket failed earlier (a reset), with no code.
    if (/Connection terminated unexpectedly|encountered a connection error and is not queryable/i.test(message)) return makeDbError('unknown', true, message, error);
    return fallbackDbError(error);
  }
}
