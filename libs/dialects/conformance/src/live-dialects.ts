import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionSpec, DataPlane, DialectName, DialectSession } from '@dbferry/dialects-core';
import { parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase } from '@dbferry/testing';

/** One live database of a dialect, fresh for a test file, with its session open. */
export interface LiveDatabase {
  dialect: DialectName;
  /** The schema tables are created in (PG 'public', MySQL the database, SQLite 'main', …). */
  schema: string;
  /** How to connect to it, e.g. from a child process. */
  spec: ConnectionSpec;
  session: DialectSession;
  data: DataPlane;
  /** Opens another session on the same database (e.g. to read while another writes). */
  reconnect(): Promise<DialectSession>;
  drop(): Promise<void>;
}

const CONNECT = { timeoutMs: 10_000 };

async function open(spec: ConnectionSpec): Promise<DialectSession> {
  const session = await dialectFor(spec.dialect).connect(spec, CONNECT);
  if (!session.data) {
    await session.close();
    throw new Error(`${spec.dialect} has no data plane yet`);
  }
  return session;
}

async function live(spec: ConnectionSpec, schema: string, drop: () => Promise<void>): Promise<LiveDatabase> {
  const session = await open(spec);
  return {
    dialect: spec.dialect,
    schema,
    spec,
    session,
    data: session.data as DataPlane,
    reconnect: () => open(spec),
    async drop() {
      await session.close();
      await drop();
    },
  };
}

/** The dialects with a live server here; SQL Server and Oracle join when MSSQL_URL / ORACLE_URL are set. */
export function liveDialectNames(): DialectName[] {
  const names: DialectName[] = ['postgres', 'mysql', 'sqlite'];
  if (process.env.MSSQL_URL) names.push('mssql');
  if (process.env.ORACLE_URL) names.push('oracle');
  return names;
}

/** The server URL each shared-server dialect needs, with an example. */
const SERVER_URLS: { dialect: DialectName; variable: string; example: string }[] = [
  { dialect: 'mssql', variable: 'MSSQL_URL', example: 'mssql://sa:pw@127.0.0.1:1433/master?trustServerCertificate=true' },
  { dialect: 'oracle', variable: 'ORACLE_URL', example: 'oracle://system:pw@127.0.0.1:1521/FREEPDB1' },
];

/** The dialects left out because their URL is not set: a suite says so instead of leaving them out silently. */
export function skippedLiveDialects(): { dialect: DialectName; variable: string; example: string }[] {
  return SERVER_URLS.filter((s) => !process.env[s.variable]);
}

export async function openLiveDatabase(dialect: DialectName): Promise<LiveDatabase> {
  switch (dialect) {
    case 'postgres': {
      const db = await createPostgresDatabase('dbferry_live');
      return live({ dialect, ...parseConnectionUrl('postgres', db.url) }, 'public', db.drop);
    }
    case 'mysql': {
      const db = await createMysqlDatabase('dbferry_live');
      return live({ dialect, ...parseConnectionUrl('mysql', db.url) }, db.name, db.drop);
    }
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'dbferry-live-'));
      const spec: ConnectionSpec = { dialect, database: join(dir, 'live.db'), options: { create: true } };
      return live(spec, 'main', async () => rmSync(dir, { recursive: true, force: true }));
    }
    case 'mssql':
    case 'oracle': {
      const url = process.env[dialect === 'mssql' ? 'MSSQL_URL' : 'ORACLE_URL'] as string;
      const spec: ConnectionSpec = { dialect, ...parseConnectionUrl(dialect, url) };
      // A shared server: tests use their own table names and drop them; the schema is the login's.
      const schema = dialect === 'mssql' ? 'dbo' : (spec.username ?? '').toUpperCase();
      return live(spec, schema, async () => undefined);
    }
  }
}
