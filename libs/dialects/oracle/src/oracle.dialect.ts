import type { Connection } from 'oracledb';
import {
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
  type TableSummary,
  TerminalDbError,
  timeoutIfLate,
} from '@dbferry/dialects-core';
import { loadOracleDb } from './oracle.load-driver';
import { oracleSqlStyle } from './oracle.sql-style';
import { classifyDataPlane } from '@dbferry/dialects-core';
import { createOracleDataPlane } from './oracle.data-plane';
import { oracleVersionProblem, quoteOracleIdentifier } from './oracle.sql';
import { ORACLE_SESSION_SQL } from './oracle.values';

/** NUM_ROWS comes from the last statistics gathering; null when never gathered. */
export const ORACLE_LIST_TABLES_SQL = `
SELECT t.owner AS "owner", t.table_name AS "tableName", t.num_rows AS "numRows"
FROM all_tables t
WHERE t.owner = COALESCE(:owner, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'))
  AND t.nested = 'NO'
  AND t.secondary = 'N'
  AND t.dropped = 'NO'
  AND (t.iot_type IS NULL OR t.iot_type = 'IOT')
ORDER BY t.table_name`;

export const ORACLE_PRIMARY_KEYS_SQL = `
SELECT c.table_name AS "tableName", cc.column_name AS "columnName"
FROM all_constraints c
JOIN all_cons_columns cc
  ON cc.owner = c.owner AND cc.constraint_name = c.constraint_name AND cc.table_name = c.table_name
WHERE c.constraint_type = 'P'
  AND c.owner = COALESCE(:owner, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'))
ORDER BY c.table_name, cc.position`;

/**
 * A service name goes into the Easy Connect string, so anything beyond a plain name could
 * smuggle parameters (a proxy, another host) past the egress policy.
 */
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.$#-]*$/;

/** ORA- numbers worth retrying: deadlock, resource busy, instance shutting down or starting, lost contact. */
const TRANSIENT_ORA = new Set([60, 54, 1033, 1034, 1089, 3113, 3114, 3135, 12516, 12519, 12520, 12528]);

interface TableRow {
  owner: string;
  tableName: string;
  numRows: number | null;
}
interface KeyRow {
  tableName: string;
  columnName: string;
}

/** `ORA-01017` → 1017, `NJS-518` → 518 (with its prefix). */
function oracleCodes(error: unknown): { ora: number[]; njs: number[] } {
  const ora: number[] = [];
  const njs: number[] = [];
  for (const facts of errorChain(error)) {
    for (const text of [facts.code ?? '', facts.message]) {
      for (const m of text.matchAll(/\b(ORA|NJS)-(\d{3,5})\b/g)) {
        (m[1] === 'ORA' ? ora : njs).push(Number(m[2]));
      }
    }
  }
  return { ora, njs };
}

class OracleSession implements DialectSession {
  readonly data: DataPlane;

  constructor(
    private readonly connection: Connection,
    readonly serverVersion: string,
    private readonly dialect: OracleDialect,
    private readonly password: string | undefined,
  ) {
    this.data = classifyDataPlane(createOracleDataPlane(connection), (error) =>
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
      await this.connection.execute('SELECT 1 FROM dual');
    });
  }

  listTables(schema?: string): Promise<TableSummary[]> {
    return this.run(async () => {
      const binds = { owner: schema ?? null };
      const opts = { outFormat: loadOracleDb().OUT_FORMAT_OBJECT };
      const tables = await this.connection.execute<TableRow>(ORACLE_LIST_TABLES_SQL, binds, opts);
      const keys = await this.connection.execute<KeyRow>(ORACLE_PRIMARY_KEYS_SQL, binds, opts);
      const pk = new Map<string, string[]>();
      for (const k of keys.rows ?? []) pk.set(k.tableName, [...(pk.get(k.tableName) ?? []), k.columnName]);
      return (tables.rows ?? []).map((t) => ({
        schema: t.owner,
        name: t.tableName,
        primaryKey: pk.get(t.tableName) ?? [],
        rowEstimate: t.numRows === null ? null : Number(t.numRows),
      }));
    });
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

export class OracleDialect implements Dialect {
  readonly name = 'oracle' as const;
  readonly sql = oracleSqlStyle;
  readonly capabilities: DialectCapabilities = {
    networked: true,
    defaultPort: 1521,
    maxIdentifierLength: 128, // 12.2 and later; 30 before
    maxBindParams: 65535,
    supportsCopy: false, // array DML instead
    supportsMerge: true,
    transactionalDdl: false,
  };

  quoteIdentifier(name: string): string {
    return quoteOracleIdentifier(name);
  }

  validateSpec(spec: ConnectionSpec): void {
    checkCommonSpec(spec, true);
    if (!SERVICE_NAME.test(spec.database)) {
      throw new ConnectionSpecError('database', 'an Oracle service name has only letters, digits and _ . $ # -');
    }
  }

  async connect(spec: ResolvedConnectionSpec, options: ConnectOptions): Promise<DialectSession> {
    this.validateSpec(spec);
    const startedAt = performance.now();
    const server = spec.address ?? spec.host ?? '';
    const hostPart = server.includes(':') ? `[${server}]` : server;
    // oracledb takes whole seconds; testConnection's own timer keeps the finer bound.
    const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    let connection: Connection | undefined;
    try {
      connection = await loadOracleDb().getConnection({
        user: spec.username,
        password: spec.password,
        connectString: `${hostPart}:${spec.port ?? this.capabilities.defaultPort}/${spec.database}`,
        connectTimeout: seconds,
        transportConnectTimeout: seconds,
      });
      // Formats for implicit conversions, UTC, '.' as the decimal point (see oracle.values.ts).
      const tooOld = oracleVersionProblem(connection.oracleServerVersionString);
      if (tooOld) throw new TerminalDbError('unsupported-version', tooOld);
      await connection.execute(ORACLE_SESSION_SQL);
      const version = await this.readVersion(connection);
      return new OracleSession(connection, version, this, spec.password);
    } catch (error) {
      await connection?.close().catch(() => undefined);
      throw redactDbError(timeoutIfLate(this.classifyError(error), startedAt, options.timeoutMs), [spec.password]);
    }
  }

  /** v$version needs a grant many application users lack; the handshake's version always exists. */
  private async readVersion(connection: Connection): Promise<string> {
    try {
      const result = await connection.execute<{ banner: string }>(
        'SELECT banner AS "banner" FROM v$version WHERE ROWNUM = 1',
        {},
        { outFormat: loadOracleDb().OUT_FORMAT_OBJECT },
      );
      const banner = result.rows?.[0]?.banner;
      if (banner) return banner;
    } catch {
      // fall through to the handshake version
    }
    return connection.oracleServerVersionString;
  }

  classifyError(error: unknown): DbError {
    if (error instanceof DbError) return error;
    const { ora, njs } = oracleCodes(error);
    const detail = detailOf(error);
    const has = (list: number[], ...codes: number[]): boolean => codes.some((c) => list.includes(c));
    if (has(ora, 1017, 1005, 28000)) return new TerminalDbError('authentication-failed', detail, { cause: error });
    if (has(ora, 12514, 12505) || has(njs, 518, 519)) {
      return new TerminalDbError('unknown-database', detail, { cause: error });
    }
    if (has(ora, 1031, 942, 1045)) return new TerminalDbError('permission-denied', detail, { cause: error });
    if (has(ora, 1, 2291, 2292, 1400)) return new TerminalDbError('constraint', detail, { cause: error });
    if (has(njs, 510) || has(ora, 12170)) return makeDbError('timeout', true, detail, error);
    if (has(njs, 530)) return new TerminalDbError('host-not-found', detail, { cause: error });
    if (has(njs, 505, 506, 507, 508)) return new TerminalDbError('tls', detail, { cause: error });
    const network = classifyNetworkError(error);
    if (network) return network;
    if (has(njs, 503, 511) || has(ora, 12541)) {
      // NJS-503 carries the socket error only as text.
      if (/ETIMEDOUT|timed out/i.test(detail)) return makeDbError('timeout', true, detail, error);
      if (/ENOTFOUND|EAI_AGAIN/.test(detail)) return makeDbError('host-not-found', false, detail, error);
      return makeDbError('connection-refused', true, detail, error);
    }
    if (has(njs, 500, 501, 521) || ora.some((n) => TRANSIENT_ORA.has(n))) {
      return makeDbError('unknown', true, detail, error);
    }
    return fallbackDbError(error);
  }
}
