import { posix } from 'node:path';
import {
  type ConnectionSpec,
  ConnectionSpecError,
  type Dialect,
  DIALECT_NAMES,
  type DialectName,
  type EgressPolicy,
  type NeutralKind,
  type ResolvedConnectionSpec,
  stringOption,
  type TypeMapper,
} from '@dbferry/dialects-core';
import { MSSQL_ORDERED_KEY_KINDS, MssqlDialect, mssqlTypeMapper } from '@dbferry/dialect-mssql';
import { MYSQL_ORDERED_KEY_KINDS, MysqlDialect, mysqlTypeMapper } from '@dbferry/dialect-mysql';
import { ORACLE_ORDERED_KEY_KINDS, OracleDialect, oracleTypeMapper } from '@dbferry/dialect-oracle';
import { POSTGRES_ORDERED_KEY_KINDS, PostgresDialect, postgresTypeMapper } from '@dbferry/dialect-postgres';
import { resolveSqlitePath, SQLITE_ORDERED_KEY_KINDS, SqliteDialect, sqliteTypeMapper } from '@dbferry/dialect-sqlite';

const DIALECTS: Readonly<Record<DialectName, Dialect>> = {
  postgres: new PostgresDialect(),
  mysql: new MysqlDialect(),
  mssql: new MssqlDialect(),
  oracle: new OracleDialect(),
  sqlite: new SqliteDialect(),
};

export const ALL_DIALECTS: readonly Dialect[] = DIALECT_NAMES.map((name) => DIALECTS[name]);

export function dialectFor(name: DialectName): Dialect {
  const dialect = (DIALECTS as Partial<Record<string, Dialect>>)[name];
  if (!dialect) throw new ConnectionSpecError('dialect', `unknown dialect "${String(name)}"`);
  return dialect;
}

const TYPE_MAPPERS: Readonly<Record<DialectName, TypeMapper>> = {
  postgres: postgresTypeMapper,
  mysql: mysqlTypeMapper,
  mssql: mssqlTypeMapper,
  oracle: oracleTypeMapper,
  sqlite: sqliteTypeMapper,
};

/** The native ↔ neutral type rules of a dialect (what previews show per column). */
export const typeMapperFor = (name: DialectName): TypeMapper => TYPE_MAPPERS[name];

const ORDERED_KEY_KINDS: Readonly<Record<DialectName, readonly NeutralKind[]>> = {
  postgres: POSTGRES_ORDERED_KEY_KINDS,
  mysql: MYSQL_ORDERED_KEY_KINDS,
  mssql: MSSQL_ORDERED_KEY_KINDS,
  oracle: ORACLE_ORDERED_KEY_KINDS,
  sqlite: SQLITE_ORDERED_KEY_KINDS,
};

/** The key kinds a dialect's data plane compares in the neutral order (DataPlane.orderedKeyKinds), without opening one. */
export const orderedKeyKindsFor = (name: DialectName): readonly NeutralKind[] => ORDERED_KEY_KINDS[name];

/**
 * Where a table lands when a job names no target schema: the connection's own namespace
 * (PostgreSQL `options.schema` or public, the MySQL database, SQLite main, SQL Server dbo,
 * the Oracle user).
 */
export function defaultSchema(spec: ConnectionSpec): string {
  switch (spec.dialect) {
    case 'postgres':
      return stringOption(spec.options, 'schema') ?? 'public';
    case 'mysql':
      return spec.database;
    case 'sqlite':
      return 'main';
    case 'mssql':
      return stringOption(spec.options, 'schema') ?? 'dbo';
    case 'oracle':
      return (spec.username ?? '').toUpperCase();
  }
}

export interface ConnectionEnvironment {
  egress: EgressPolicy;
  /** Directory every SQLite file must live under (SQLITE_ROOT). */
  sqliteRoot: string;
}

/**
 * Validates a spec and makes it safe to hand to `connect`: networked hosts pass the egress
 * policy (the control store's own database included) and are pinned to the address it
 * resolved; SQLite paths are confined to the root.
 */
export async function prepareConnection(
  spec: ConnectionSpec,
  env: ConnectionEnvironment,
): Promise<ResolvedConnectionSpec> {
  const dialect = dialectFor(spec.dialect);
  dialect.validateSpec(spec);
  if (!dialect.capabilities.networked) {
    return { ...spec, database: await resolveSqlitePath(env.sqliteRoot, spec.database) };
  }
  const { host, address } = await env.egress.resolve(spec.host ?? '');
  // A named SQL Server instance gets its port from the SQL Browser, so none is filled in.
  const namedInstance = spec.dialect === 'mssql' && stringOption(spec.options, 'instanceName') !== undefined;
  const port = spec.port ?? (namedInstance ? undefined : dialect.capabilities.defaultPort);
  await env.egress.refuseProtected({ host, address, port, database: spec.database });
  return { ...spec, host, address, ...(port === undefined ? {} : { port }) };
}

/** Where a connection points, as far as telling two connections apart needs (nulls as stored). */
export interface ConnectionEndpoint {
  /** The stored connection's id, when it has one: the same id is the same database. */
  id?: string;
  dialect: DialectName;
  host?: string | null;
  port?: number | null;
  database: string;
}

/** localhost, 127.0.0.1 and ::1 are one host; names compare without case or a final dot. */
function hostKey(host: string | null | undefined): string {
  const bare = (host ?? '').trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  return bare === 'localhost' || /^127\./.test(bare) || bare === '::1' || bare === '::ffff:127.0.0.1' ? 'loopback' : bare;
}

/**
 * Whether two connections reach the same tables: the same connection, the same SQLite file,
 * or the same server (and, where a database is a namespace of its own, the same database;
 * a MySQL server's databases are the schemas a table reference names).
 */
export function sameDatabase(a: ConnectionEndpoint, b: ConnectionEndpoint): boolean {
  if (a.id !== undefined && a.id === b.id) return true;
  if (a.dialect !== b.dialect) return false;
  if (a.dialect === 'sqlite') return posix.normalize(a.database) === posix.normalize(b.database);
  const port = (c: ConnectionEndpoint) => c.port ?? dialectFor(c.dialect).capabilities.defaultPort;
  if (hostKey(a.host) !== hostKey(b.host) || port(a) !== port(b)) return false;
  return a.dialect === 'mysql' || a.database === b.database;
}

/** Whether the dialect's table and schema names compare without case (MySQL, SQL Server, SQLite); PostgreSQL and Oracle compare them as written (quoted). */
export function tableNamesIgnoreCase(dialect: DialectName): boolean {
  return dialect === 'mysql' || dialect === 'mssql' || dialect === 'sqlite';
}
export { emptyTextIsNull } from './diff-traits';
