import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { type DialectName, type NeutralColumn, normalizeValue, type ResolvedConnectionSpec, type TableRef } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import {
  applyTestEnv,
  createPostgresDatabase,
  deleteRedisPrefix,
  EphemeralDatabase,
  LogCapture,
  randomQueuePrefix,
  waitFor,
} from '@dbferry/testing';
import type { RunView } from '../src/modules/runs/run.dto';
import { createApiApp } from '../src/app.factory';

export const ADMIN_PASSWORD = 'root-passphrase-after-change';

/**
 * argon2id hashes (the library's defaults, as PasswordService makes them) of ADMIN_PASSWORD and of
 * each role's password, stored straight into the control store: creating a user and changing a
 * password through the API cost four argon2 runs (~0.5 s each on the CI machine) per user in every
 * suite. auth.e2e-spec.ts goes through those routes itself.
 */
const PASSWORD_HASHES = {
  admin: '$argon2id$v=19$m=65536,p=4,t=3$4aFKkrIurHsBVSIKXiM6Bg$xMwX2+fJyQqsmNUpkNsuulmGGpAz0b5/xVA5CVC44rg',
  operator: '$argon2id$v=19$m=65536,p=4,t=3$DdLZsK8/mWzkczaj6D/0Ug$cPHa3UxHUXDyjc7e1vg/OszkPlxfWLFSlpMIAVMElYc',
  viewer: '$argon2id$v=19$m=65536,p=4,t=3$oA97lg/1LqifOePjOoH/4w$2HA+VqoFJCAyujsfpCJ8kjczNTTWKxDY3AOoQi7amog',
};
const rolePassword = (role: 'operator' | 'viewer') => `${role}-password-changed`;

export interface ApiHarness {
  app: NestExpressApplication;
  http: ReturnType<NestExpressApplication['getHttpServer']>;
  env: Record<string, string>;
  logs: LogCapture;
  db: EphemeralDatabase;
  /** Logs in as the admin (its initial password replaced by ADMIN_PASSWORD the first time) and returns a token. */
  adminToken(): Promise<string>;
  /** Stores a user with the role and a changed password (`<role>-user`), and returns its token. */
  tokenFor(role: 'admin' | 'operator' | 'viewer'): Promise<string>;
  close(): Promise<void>;
}

/** A real API on a fresh control-store database and a private BullMQ prefix. */
export async function startApi(overrides: Record<string, string | undefined> = {}): Promise<ApiHarness> {
  const db = await createPostgresDatabase('dbferry_api');
  const prefix = randomQueuePrefix();
  const env = applyTestEnv({ databaseUrl: db.url, queuePrefix: prefix, overrides });
  const logs = new LogCapture();
  let app: NestExpressApplication;
  try {
    app = await createApiApp({ logStream: logs });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const http = app.getHttpServer();
  let adminToken: string | undefined;
  const roleTokens = new Map<string, string>();

  const login = async (username: string, password: string) => {
    const res = await request(http).post('/api/auth/login').send({ username, password }).expect(200);
    return res.body.accessToken as string;
  };

  /** The admin's initial password changed to ADMIN_PASSWORD, as POST /api/auth/password would leave it (unless a test changed it already). */
  const initialPasswordChanged = () =>
    app.get(DataSource).query(`UPDATE app_user SET password_hash = $1, must_change_password = false WHERE username = 'admin' AND must_change_password`, [PASSWORD_HASHES.admin]);

  const harness: ApiHarness = {
    app,
    http,
    env,
    logs,
    db,
    async adminToken() {
      if (adminToken) return adminToken;
      await initialPasswordChanged();
      adminToken = await login('admin', ADMIN_PASSWORD);
      return adminToken;
    },
    async tokenFor(role) {
      if (role === 'admin') return harness.adminToken();
      const cached = roleTokens.get(role);
      if (cached) return cached;
      // The admin would have made this user, so its initial password is changed by now too.
      await initialPasswordChanged();
      const username = `${role}-user`;
      // As POST /api/users then the user's own password change would leave it.
      await app.get(DataSource).query(`INSERT INTO app_user (username, password_hash, role, must_change_password) VALUES ($1, $2, $3, false)`, [username, PASSWORD_HASHES[role], role]);
      const token = await login(username, rolePassword(role));
      roleTokens.set(role, token);
      return token;
    },
    async close() {
      await app.close();
      await db.drop();
      await deleteRedisPrefix(prefix);
    },
  };
  return harness;
}

/**
 * Triggers a run of the job and waits until it ends (succeeded, failed or cancelled). On a
 * timeout the error carries `context()` as it is then (e.g. the worker's latest output).
 */
export async function runJobToEnd(api: ApiHarness, token: string, jobId: string, options: { context?: () => string; timeoutMs?: number } = {}): Promise<RunView> {
  const auth = { Authorization: `Bearer ${token}` };
  const { runId } = (await request(api.http).post(`/api/jobs/${jobId}/run`).set(auth).expect(202)).body as { runId: string };
  try {
    return await waitFor(async () => {
      const res = await request(api.http).get(`/api/runs/${runId}`).set(auth);
      return ['succeeded', 'failed', 'cancelled'].includes(res.body.status) && (res.body as RunView);
    }, options.timeoutMs ?? 90_000, `run ${runId} to end`);
  } catch (error) {
    throw new Error(`${(error as Error).message}${options.context ? `\n${options.context().slice(-800)}` : ''}`);
  }
}

/**
 * Saves a test database as a connection (POST /api/connections as `token`, which must be an
 * admin's) and returns its id: host, port and user from the database's URL, no password.
 */
export async function saveConnection(api: ApiHarness, token: string, name: string, dialect: 'postgres' | 'mysql', db: EphemeralDatabase): Promise<string> {
  const url = new URL(db.url);
  const body = { name, dialect, host: url.hostname, port: Number(url.port), database: db.name, username: decodeURIComponent(url.username) };
  return (await request(api.http).post('/api/connections').set('Authorization', `Bearer ${token}`).send(body).expect(201)).body.id as string;
}

/**
 * Every row of a table read through its own dialect (a session opened and closed here), each
 * value normalised by its side's neutral type, so two databases' copies compare as text.
 * `keyColumns` is the read order (default: the table's primary key; [] for a keyless table);
 * `columns` narrows the read to those columns, in that order.
 */
export async function readTableRows(
  dialect: DialectName,
  spec: Omit<ResolvedConnectionSpec, 'dialect'>,
  table: TableRef,
  options: { columns?: string[]; keyColumns?: string[] } = {},
): Promise<string[][]> {
  const session = await dialectFor(dialect).connect({ dialect, ...spec }, { timeoutMs: 10_000 });
  try {
    const data = session.data;
    if (!data) throw new Error(`${dialect} has no data plane`);
    const described = await data.introspector.describeTable(table);
    if (!described) throw new Error(`${table.schema}.${table.name} not found on ${dialect}`);
    const columns = options.columns
      ? options.columns.map((name) => {
          const column = described.columns.find((c) => c.name === name);
          if (!column) throw new Error(`${table.schema}.${table.name} on ${dialect} has no column ${name}`);
          return column;
        })
      : described.columns;
    const rows: string[][] = [];
    for await (const batch of data.reader.read({ table, columns, keyColumns: options.keyColumns ?? described.primaryKey, batchSize: 1000 })) {
      for (const row of batch.rows) rows.push(row.map((value, i) => normalizeValue((columns[i] as NeutralColumn).type, value)));
    }
    return rows;
  } finally {
    await session.close();
  }
}
