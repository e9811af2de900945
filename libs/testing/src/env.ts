import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEST_ADMIN_PASSWORD = 'initial-admin-password-1';

export interface TestEnvOptions {
  databaseUrl: string;
  queuePrefix: string;
  overrides?: Record<string, string | undefined>;
}

/**
 * A complete, valid environment for api and worker under test, written into process.env
 * (config is read from there at boot). Returns the values so tests can assert on them.
 */
export function applyTestEnv({ databaseUrl, queuePrefix, overrides = {} }: TestEnvOptions): Record<string, string> {
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.TEST_REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    PORT: '0',
    WORKER_PORT: '0',
    JWT_SECRET: randomBytes(48).toString('base64'),
    JWT_EXPIRES_IN: '1h',
    SECRETS_KEY: `t1:${randomBytes(32).toString('base64')}`,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    DB_HOSTS_ALLOW: '127.0.0.0/8,::1,localhost',
    DB_HOSTS_DENY: '',
    SQLITE_ROOT: mkdtempSync(join(tmpdir(), 'dbferry-sqlite-')),
    CONNECTION_TEST_TIMEOUT_MS: '3000',
    LOG_LEVEL: 'info',
    SMTP_URL: '',
    ALERT_EMAILS: '',
    LOGIN_RATE_LIMIT: '1000',
    LOGIN_RATE_WINDOW_SECONDS: '60',
    // Many tests log in as admin many times (and the fuzz test sends it bad passwords): the
    // per-username limit is tested where a test sets it.
    LOGIN_USER_LIMIT: '1000',
    WORKER_CONCURRENCY: '2',
    WORKER_SHUTDOWN_TIMEOUT: '5000',
    ...overrides,
  };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return env as Record<string, string>;
}

/** A variable the test setup (tools/jest/integration-env.ts) must have provided. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run tests through jest's integration project`);
  return value;
}
