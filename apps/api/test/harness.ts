import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import {
  applyTestEnv,
  createPostgresDatabase,
  deleteRedisPrefix,
  EphemeralDatabase,
  LogCapture,
  randomQueuePrefix,
  TEST_ADMIN_PASSWORD,
  waitFor,
} from '@dbferry/testing';
import type { RunView } from '../src/modules/runs/run.dto';
import { createApiApp } from '../src/app.factory';

export const ADMIN_PASSWORD = 'root-passphrase-after-change';

export interface ApiHarness {
  app: NestExpressApplication;
  http: ReturnType<NestExpressApplication['getHttpServer']>;
  env: Record<string, string>;
  logs: LogCapture;
  db: EphemeralDatabase;
  /** Logs in as the admin (changing the initial password the first time) and returns a token. */
  adminToken(): Promise<string>;
  /** Creates a user with the role and a changed password, and returns its token. */
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

  const harness: ApiHarness = {
    app,
    http,
    env,
    logs,
    db,
    async adminToken() {
      if (adminToken) return adminToken;
      const changed = await request(http).post('/api/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD });
      if (changed.status === 200) return (adminToken = changed.body.accessToken as string);
      const first = await login('admin', TEST_ADMIN_PASSWORD);
      await request(http)
        .post('/api/auth/password')
        .set('Authorization', `Bearer ${first}`)
        .send({ currentPassword: TEST_ADMIN_PASSWORD, newPassword: ADMIN_PASSWORD })
        .expect(200);
      adminToken = await login('admin', ADMIN_PASSWORD);
      return adminToken;
    },
    async tokenFor(role) {
      if (role === 'admin') return harness.adminToken();
      const cached = roleTokens.get(role);
      if (cached) return cached;
      const admin = await harness.adminToken();
      const username = `${role}-user`;
      await request(http)
        .post('/api/users')
        .set('Authorization', `Bearer ${admin}`)
        .send({ username, password: 'temporary-password-1', role })
        .expect(201);
      const first = await login(username, 'temporary-password-1');
      await request(http)
        .post('/api/auth/password')
        .set('Authorization', `Bearer ${first}`)
        .send({ currentPassword: 'temporary-password-1', newPassword: `${role}-password-changed` })
        .expect(200);
      const token = await login(username, `${role}-password-changed`);
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
