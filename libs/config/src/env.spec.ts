import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiEnv, WorkerEnv } from './env.dto';
import { ConfigError, envVariableNames, validateEnv } from './validate-env';

const KEY = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
const good = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/dbferry',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SECRETS_KEY: KEY,
  JWT_SECRET: 'x'.repeat(40),
};

const problemsOf = (raw: Record<string, string>, cls: typeof ApiEnv | typeof WorkerEnv = ApiEnv) => {
  try {
    validateEnv<object>(cls, raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected the environment to be refused');
};

describe('validateEnv', () => {
  it('accepts a complete environment and fills defaults', () => {
    const env = validateEnv(ApiEnv, good);
    expect(env.PORT).toBe(3000);
    expect(env.ADMIN_USERNAME).toBe('admin');
    expect(env.DB_HOSTS_ALLOW).toEqual([]);
    const worker = validateEnv(WorkerEnv, { ...good, WORKER_CONCURRENCY: '8', DB_HOSTS_DENY: '10.0.0.0/8, db.evil.test' });
    expect(worker.WORKER_CONCURRENCY).toBe(8);
    expect(worker.GROUPS_CONCURRENCY).toBe(4);
    expect(validateEnv(WorkerEnv, { ...good, GROUPS_CONCURRENCY: '32' }).GROUPS_CONCURRENCY).toBe(32);
    expect(() => validateEnv(WorkerEnv, { ...good, GROUPS_CONCURRENCY: '0' })).toThrow(/GROUPS_CONCURRENCY/);
    expect(worker.DB_HOSTS_DENY).toEqual(['10.0.0.0/8', 'db.evil.test']);
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: '' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x/y' }],
    ['REDIS_URL', { REDIS_URL: 'http://localhost' }],
    ['JWT_SECRET', { JWT_SECRET: 'short' }],
    ['JWT_SECRET', { JWT_SECRET: 'change-me-to-a-random-string-of-at-least-32-bytes' }],
    ['SECRETS_KEY', { SECRETS_KEY: 'k1:bm90MzJieXRlcw==' }],
    ['SECRETS_KEY', { SECRETS_KEY: 'k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }],
    ['PORT', { PORT: 'eighty' }],
    ['JWT_EXPIRES_IN', { JWT_EXPIRES_IN: 'forever' }],
    ['DB_HOSTS_ALLOW', { DB_HOSTS_ALLOW: '10.0.0.0/99' }],
    ['ALERT_EMAILS', { ALERT_EMAILS: 'ops@example.com, not-an-address' }],
    ['SMTP_URL', { SMTP_URL: 'mail.example.com' }],
    ['ADMIN_PASSWORD', { ADMIN_PASSWORD: 'short' }],
    ['FAULTS_ENABLED', { FAULTS_ENABLED: 'yes' }],
  ])('refuses a bad %s, naming it', (name, override) => {
    expect(problemsOf({ ...good, ...override })).toContain(name);
  });

  it('names every missing required variable at once', () => {
    const message = problemsOf({ NODE_ENV: 'production' });
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'SECRETS_KEY', 'JWT_SECRET']) expect(message).toContain(name);
  });

  it('keeps fault injection off unless FAULTS_ENABLED is exactly true', () => {
    expect(validateEnv(WorkerEnv, good).FAULTS_ENABLED).toBe('false');
    expect(validateEnv(WorkerEnv, { ...good, FAULTS_ENABLED: 'true' }).FAULTS_ENABLED).toBe('true');
  });

  it('refuses a bad worker setting', () => {
    expect(problemsOf({ ...good, WORKER_SHUTDOWN_TIMEOUT: '-1' }, WorkerEnv)).toContain('WORKER_SHUTDOWN_TIMEOUT');
  });

  it('never echoes a secret value in its message', () => {
    const secret = 'tiny-secret';
    expect(problemsOf({ ...good, JWT_SECRET: secret })).not.toContain(secret);
    const key = 'k1:c2VjcmV0LWtleS1tYXRlcmlhbA==';
    expect(problemsOf({ ...good, SECRETS_KEY: key })).not.toContain('c2VjcmV0LWtleS1tYXRlcmlhbA');
  });

  it('accepts the placeholder JWT secret only under NODE_ENV=test', () => {
    const placeholder = 'change-me-to-a-random-string-of-at-least-32-bytes';
    expect(() => validateEnv(ApiEnv, { ...good, NODE_ENV: 'test', JWT_SECRET: placeholder })).not.toThrow();
    expect(problemsOf({ ...good, NODE_ENV: 'development', JWT_SECRET: placeholder })).toContain('JWT_SECRET');
  });
});

describe('.env.example', () => {
  const text = readFileSync(join(__dirname, '..', '..', '..', '.env.example'), 'utf8');
  const lines = text.split('\n');
  const listed = lines.map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1]).filter((n): n is string => !!n);
  const declared = [...new Set([...envVariableNames(ApiEnv), ...envVariableNames(WorkerEnv)])];

  it('lists exactly the variables the DTOs declare', () => {
    expect([...listed].sort()).toEqual([...declared].sort());
  });

  it('has a comment line above every variable', () => {
    for (const name of listed) {
      const index = lines.findIndex((line) => line.startsWith(`${name}=`));
      expect({ name, above: lines[index - 1]?.startsWith('#') }).toEqual({ name, above: true });
    }
  });

  it('contains the fixed variable names tools and docs rely on', () => {
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'PORT', 'WORKER_PORT', 'JWT_SECRET', 'JWT_EXPIRES_IN', 'SECRETS_KEY',
      'ADMIN_USERNAME', 'ADMIN_PASSWORD', 'DB_HOSTS_ALLOW', 'DB_HOSTS_DENY', 'SQLITE_ROOT', 'SMTP_URL', 'ALERT_EMAILS',
      'WORKER_CONCURRENCY', 'WORKER_SHUTDOWN_TIMEOUT']) {
      expect(listed).toContain(name);
    }
  });
});
