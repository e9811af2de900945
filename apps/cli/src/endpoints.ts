import type { ConnectionSpec, DataPlane, DialectName, DialectSession } from '@dbferry/dialects-core';
import { EgressPolicy, parseConnectionUrl } from '@dbferry/dialects-core';
import { defaultSchema, dialectFor, prepareConnection } from '@dbferry/dialects';
import { UsageError } from './cli-error';
import { addSecret } from './redact';

const SCHEMES: Record<string, DialectName> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  mssql: 'mssql',
  sqlserver: 'mssql',
  oracle: 'oracle',
  sqlite: 'sqlite',
};

const CONNECT_TIMEOUT_MS = 15_000;

/** A database named by a URL on the command line, parsed (its password registered for redaction). */
export interface Endpoint {
  /** The argument's name, for messages: `SOURCE_URL`, `connections.src`… */
  role: string;
  /** As given (holding its password, if any): show it only through safeUrl. */
  url: string;
  spec: ConnectionSpec;
  defaultSchema: string;
}

export function parseEndpoint(role: string, url: string | undefined): Endpoint {
  if (!url) throw new UsageError(`${role}: a connection URL is required (postgres://, mysql://, sqlite:///path, mssql://, oracle://)`);
  const scheme = url.slice(0, Math.max(0, url.indexOf(':'))).toLowerCase();
  const dialect = SCHEMES[scheme];
  if (!dialect) throw new UsageError(`${role}: unknown scheme "${scheme || '(none)'}:"; use postgres://, mysql://, mariadb://, sqlite:///path, mssql:// or oracle://`);
  let parsed: ReturnType<typeof parseConnectionUrl>;
  try {
    parsed = parseConnectionUrl(dialect, url);
  } catch (error) {
    throw new UsageError(`${role}: ${(error as Error).message}`);
  }
  addSecret(parsed.password);
  const spec: ConnectionSpec = { dialect, ...parsed };
  return { role, url, spec, defaultSchema: defaultSchema(spec) };
}

const list = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/**
 * The worker's egress policy, from the same variables (DB_HOSTS_ALLOW, DB_HOSTS_DENY), so a
 * one-shot copy reaches only the hosts a run may. SQLite files may lie anywhere unless
 * SQLITE_ROOT confines them, as it does the server's.
 */
function environment() {
  return {
    egress: new EgressPolicy({ allow: list(process.env.DB_HOSTS_ALLOW), deny: list(process.env.DB_HOSTS_DENY) }),
    sqliteRoot: process.env.SQLITE_ROOT ?? '/',
  };
}

export interface OpenEndpoint {
  session: DialectSession;
  data: DataPlane;
}

/** Connects (egress policy applied); `create` makes a missing SQLite file, for a target. */
export async function openEndpoint(endpoint: Endpoint, options: { create?: boolean } = {}): Promise<OpenEndpoint> {
  const resolved = await prepareConnection(endpoint.spec, environment());
  const session = await dialectFor(endpoint.spec.dialect).connect(resolved, { timeoutMs: CONNECT_TIMEOUT_MS, ...(options.create && { create: true }) });
  if (!session.data) {
    await session.close().catch(() => undefined);
    throw new UsageError(`${endpoint.role}: ${endpoint.spec.dialect} connections cannot move rows`);
  }
  return { session, data: session.data };
}

/**
 * `--tables` entries as the engine takes them: a bare name (`orders`, `ord*`) is a table of the
 * endpoint's own namespace (PostgreSQL public, the MySQL database, SQLite main…), as sling and
 * pgloader read it; `schema.table`, `schema.*` and quoted names pass unchanged.
 */
export function qualifyTables(patterns: string[], endpoint: Endpoint): string[] {
  const schema = /^[^."]+$/.test(endpoint.defaultSchema) ? endpoint.defaultSchema : `"${endpoint.defaultSchema.replace(/"/g, '""')}"`;
  return patterns.map((p) => (p.includes('.') || p.includes('"') ? p : `${schema}.${p}`));
}
