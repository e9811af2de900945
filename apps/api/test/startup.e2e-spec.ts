import { Client } from 'pg';
import { MIGRATIONS } from '@dbferry/migrations';
import { ADMIN_BOOTSTRAP_LOCK_KEY, MIGRATION_LOCK_KEY } from '@dbferry/control-plane';
import { applyTestEnv, createPostgresDatabase, deleteRedisPrefix, randomQueuePrefix, waitFor } from '@dbferry/testing';
import { ApiProcess, spawnApi } from './api-process';

/** The API as a real process: the first start on an empty store, and the refusal of a bad environment. */

const ONE_TIME = /one-time password: (\S+)/g;
const oneTimePasswords = (output: string) => [...output.matchAll(ONE_TIME)].map((m) => m[1]);

/** Sessions of the store waiting (not granted) for the advisory lock `key`. */
async function waitersOn(client: Client, database: string, key: number): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
     WHERE l.locktype = 'advisory' AND d.datname = $1 AND l.classid = 0 AND l.objid = $2 AND l.objsubid = 1 AND NOT l.granted`,
    [database, key],
  );
  return rows[0].n;
}

async function login(api: ApiProcess, username: string, password: string) {
  const res = await fetch(`${api.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, body: (await res.json()) as { accessToken?: string; user?: { mustChangePassword: boolean } } };
}

describe('API start-up (processes)', () => {
  const procs: ApiProcess[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const start = async (env: Record<string, string | undefined>) => {
    const proc = await spawnApi(env);
    procs.push(proc);
    return proc;
  };
  /** A fresh, empty control store and BullMQ prefix, dropped after the test. */
  const freshStore = async (overrides: Record<string, string | undefined> = {}) => {
    const db = await createPostgresDatabase('dbferry_start');
    const prefix = randomQueuePrefix();
    cleanups.push(() => db.drop(), () => deleteRedisPrefix(prefix));
    return { db, env: applyTestEnv({ databaseUrl: db.url, queuePrefix: prefix, overrides }) };
  };

  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
    // Last in, first out: sessions end before their database is dropped.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('migrates once and creates one admin when two APIs start at the same moment on an empty store', async () => {
    const { db, env } = await freshStore({ ADMIN_PASSWORD: undefined });
    // The test holds both start-up locks until both APIs queue on each, so they really race.
    const holder = new Client({ connectionString: db.url });
    holder.on('error', () => undefined);
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('SELECT pg_advisory_lock($1), pg_advisory_lock($2)', [MIGRATION_LOCK_KEY, ADMIN_BOOTSTRAP_LOCK_KEY]);

    const [a, b] = await Promise.all([start(env), start(env)]);
    const context = () => `\n--- api A:\n${a.output().slice(-1500)}\n--- api B:\n${b.output().slice(-1500)}`;
    const both = (n: number, key: number, what: string) =>
      waitFor(async () => (await waitersOn(holder, db.name, key)) === n, 90_000, what).catch((e: Error) => {
        throw new Error(`${e.message}${context()}`);
      });

    await both(2, MIGRATION_LOCK_KEY, 'both APIs waiting for the migration lock');
    await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    await both(2, ADMIN_BOOTSTRAP_LOCK_KEY, 'both APIs waiting for the admin bootstrap lock');
    await holder.query('SELECT pg_advisory_unlock($1)', [ADMIN_BOOTSTRAP_LOCK_KEY]);
    await Promise.all([a.ready(), b.ready()]);

    const migrations = await holder.query<{ name: string; n: number }>('SELECT name, count(*)::int AS n FROM migrations GROUP BY name ORDER BY name');
    expect(migrations.rows).toEqual(MIGRATIONS.map((m) => ({ name: m.name, n: 1 })).sort((x, y) => x.name.localeCompare(y.name)));
    const applied = [a, b].filter((p) => /applied \d+ migration\(s\)/.test(p.output()));
    expect(applied).toHaveLength(1);
    expect([a, b].filter((p) => p.output().includes('schema up to date'))).toHaveLength(1);

    for (const p of [a, b]) expect((await fetch(`${p.url}/health/ready`)).status).toBe(200);
    const users = await holder.query<{ username: string; role: string }>('SELECT username, role FROM app_user');
    expect(users.rows).toEqual([{ username: 'admin', role: 'admin' }]);
    const passwords = [...oneTimePasswords(a.output()), ...oneTimePasswords(b.output())];
    expect(passwords).toHaveLength(1);
    expect((await login(b, 'admin', passwords[0])).status).toBe(200);
  }, 180_000);

  it('prints a one-time admin password exactly once when ADMIN_PASSWORD is unset, and never again', async () => {
    const { env } = await freshStore({ ADMIN_PASSWORD: undefined });
    const first = await start(env);
    await first.ready();
    const passwords = oneTimePasswords(first.output());
    expect(passwords).toHaveLength(1);
    const password = passwords[0];
    expect(password.length).toBeGreaterThanOrEqual(16);
    const lines = first.output().split('\n');
    expect(lines.filter((line) => line.includes(password))).toHaveLength(1);
    expect(lines.find((line) => line.includes(password))).toMatch(/created admin user \\?"admin\\?" with the one-time password/);

    const res = await login(first, 'admin', password);
    expect(res.status).toBe(200);
    expect(res.body.user?.mustChangePassword).toBe(true);
    const auth = { Authorization: `Bearer ${res.body.accessToken}` };
    expect((await fetch(`${first.url}/api/connections`, { headers: auth })).status).toBe(403);
    expect((await fetch(`${first.url}/api/users`, { headers: auth })).status).toBe(403);
    expect((await fetch(`${first.url}/api/auth/me`, { headers: auth })).status).toBe(200);
    await first.stop();
    // Only the one log line and nothing after it, requests included, carries the password.
    expect(first.output().split('\n').filter((line) => line.includes(password))).toHaveLength(1);

    const second = await start(env);
    await second.ready();
    expect(second.output()).not.toMatch(/one-time password/);
    expect(second.output()).not.toContain(password);
    expect(second.output()).not.toMatch(/created admin user/);
    expect((await login(second, 'admin', password)).status).toBe(200);
  }, 180_000);

  describe('refuses a bad environment', () => {
    const secretsOf = (env: Record<string, string | undefined>) => [env.JWT_SECRET, env.SECRETS_KEY?.split(':')[1]].filter((v): v is string => !!v);

    it('exits non-zero on a JWT_SECRET that is too short, naming it without echoing it', async () => {
      const short = 'short-jwt-value-x9';
      const env = applyTestEnv({ databaseUrl: process.env.TEST_PG_URL!, queuePrefix: randomQueuePrefix(), overrides: { JWT_SECRET: short } });
      const api = await start(env);
      const exit = await api.exited;
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(api.output()).toContain('JWT_SECRET');
      expect(api.output()).not.toContain(short);
      for (const secret of secretsOf(env)) expect(api.output()).not.toContain(secret);
    }, 60_000);

    it('exits non-zero without DATABASE_URL, naming it', async () => {
      const env = applyTestEnv({ databaseUrl: process.env.TEST_PG_URL!, queuePrefix: randomQueuePrefix(), overrides: { DATABASE_URL: undefined } });
      const api = await start(env);
      const exit = await api.exited;
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(api.output()).toContain('DATABASE_URL');
      for (const secret of secretsOf(env)) expect(api.output()).not.toContain(secret);
    }, 60_000);

    it('exits non-zero on a DATABASE_URL that is not postgres, naming it without echoing it', async () => {
      const url = 'mysql://dbuser:db-pass-7q2w@127.0.0.1:3306/x';
      const env = applyTestEnv({ databaseUrl: url, queuePrefix: randomQueuePrefix() });
      const api = await start(env);
      const exit = await api.exited;
      expect(exit.code).not.toBe(0);
      expect(api.output()).toContain('DATABASE_URL');
      expect(api.output()).not.toContain('db-pass-7q2w');
    }, 60_000);
  });
});
