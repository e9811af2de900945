import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { Database } from 'sqlite3';
import { applyTestEnv, createPostgresDatabase, EphemeralDatabase, freePort, randomQueuePrefix, TEST_ADMIN_PASSWORD, waitFor } from '@dbferry/testing';
import { DEMO } from './demo-seed';

const ROOT = join(__dirname, '..');
/** An answer's JSON, typed as the test reads it. */
const body = <T>(response: Response) => response.json() as Promise<T>;
type Page = { items: { id: string; name: string }[] };
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * `npm start`'s services step (tools/services.js) on a machine with no PostgreSQL and no Redis at
 * the configured ports: an embedded PostgreSQL and a redis-server start with their data in a clean
 * directory, migrations run, the demo is seeded, the API answers /health/ready, the demo job copies
 * every row, a signed demo event lands, and a Ctrl-C stops everything it started.
 */
describe('npm start on a fresh machine (tools/services.js)', () => {
  let dir: string;
  const leftovers: number[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dbferry-fresh-'));
  });

  afterAll(() => {
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts embedded PostgreSQL and redis-server, seeds the demo once, runs it, and stops them all', async () => {
    const [pgPort, redisPort, apiPort, workerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env = {
      ...process.env,
      ...applyTestEnv({ databaseUrl: `postgres://postgres@127.0.0.1:${pgPort}/dbferry`, queuePrefix: randomQueuePrefix() }),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      SQLITE_ROOT: join(dir, 'sqlite'),
      PORT: String(apiPort),
      WORKER_PORT: String(workerPort),
      DEMO: 'true',
      LOG_LEVEL: 'warn',
    };
    const register = join(ROOT, 'tools/register.js');
    const services = spawn(
      process.execPath,
      // Behind a shell, as npm runs start:services: a Ctrl-C must reach the api and worker, which sh does not pass on.
      [join(ROOT, 'tools/services.js'), '--data-dir', join(dir, 'data'), '--', '/bin/sh', '-c',
        `${join(ROOT, 'node_modules/.bin/concurrently')} -k --raw "node -r ${register} apps/api/src/main.ts" "node -r ${register} apps/worker/src/main.ts"`],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    services.stdout.on('data', (d) => (output += d));
    services.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => services.once('exit', (code) => resolve(code)));
    const api = `http://127.0.0.1:${apiPort}`;
    const pidOf = (re: RegExp) => Number(re.exec(output)?.[1]);
    let pgPid = 0;
    let redisPid = 0;
    try {
      await waitFor(() => fetch(`${api}/health/ready`).then((r) => r.ok, () => false), 240_000, `API ready\n${output.slice(-3000)}`);
      pgPid = pidOf(/embedded PostgreSQL started on port \d+ \(pid (\d+)/);
      redisPid = pidOf(/redis-server started on port \d+ \(pid (\d+)/);
      leftovers.push(pgPid, redisPid);
      expect(output).toContain(`no PostgreSQL answers at 127.0.0.1:${pgPort}: initialising an embedded one in ${join(dir, 'data', 'pg')}`);
      expect(alive(pgPid) && alive(redisPid)).toBe(true);
      expect(output).toMatch(/applied: Foundation\d+/);
      expect(output).toContain('demo: wrote the shop (106,000 rows');
      await waitFor(async () => output.includes('run the demo job:'), 30_000, `first steps printed\n${output.slice(-2000)}`);
      expect(output).toContain(`dbferry is up: the console is at http://localhost:${apiPort}/`);

      // The redis-server runs with noeviction, as BullMQ needs.
      const redis = await promisify(execFile)('redis-cli', ['-p', String(redisPort), 'config', 'get', 'maxmemory-policy']).catch(() => null);
      if (redis) expect(redis.stdout).toContain('noeviction');

      // Seeding again (a second start) creates nothing.
      const again = await promisify(execFile)(process.execPath, ['-r', register, 'tools/demo-seed.ts'], { cwd: ROOT, env });
      expect(again.stdout).toMatch(/demo: in place \(job demo-shop-copy, [0-9a-f-]{36}\)/);

      // The demo event source: made once; its secret in a file of mode 0600 under the data directory, never in a log.
      expect(output.match(/demo: created the event source "demo-catalog" \([0-9a-f-]{36}\): product → public\.catalog_products, category → public\.catalog_categories/g)).toHaveLength(1);
      expect(again.stdout).not.toContain('created the event source');
      const secretFile = join(dir, 'data', DEMO.eventSecretFile);
      expect(statSync(secretFile).mode & 0o777).toBe(0o600);
      const secret = readFileSync(secretFile, 'utf8').trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(output).toContain(`npm run demo:event -- --data-dir ${join(dir, 'data')}`);
      expect(`${output}${again.stdout}${again.stderr}`).not.toContain(secret);

      const json = { 'content-type': 'application/json' };
      const login = await fetch(`${api}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) }).then(body<{ accessToken: string }>);
      const changed = await fetch(`${api}/api/auth/password`, {
        method: 'POST',
        headers: { ...json, authorization: `Bearer ${login.accessToken}` },
        body: JSON.stringify({ currentPassword: TEST_ADMIN_PASSWORD, newPassword: 'a fresh demo passphrase' }),
      }).then(body<{ accessToken: string }>);
      const auth = { authorization: `Bearer ${changed.accessToken}` };
      const jobs = await fetch(`${api}/api/jobs`, { headers: auth }).then(body<Page>);
      const connections = await fetch(`${api}/api/connections`, { headers: auth }).then(body<Page>);
      expect(jobs.items.map((j) => j.name)).toEqual([DEMO.jobName]);
      expect(connections.items.map((c) => c.name).sort()).toEqual([DEMO.sourceName, `${DEMO.targetName} (PostgreSQL)`, DEMO.groupConnectionName].sort());
      const job = jobs.items[0];

      // The demo replica group writes one row to both members (the demo PostgreSQL database and a SQLite file).
      expect(output).toContain(`write one row to every member of the demo replica group ${DEMO.groupName}`);
      const groups = await fetch(`${api}/api/groups`, { headers: auth }).then(body<Page>);
      expect(groups.items.map((g) => g.name)).toEqual([DEMO.groupName]);
      const write = await fetch(`${api}/api/groups/${groups.items[0].id}/rows`, {
        method: 'POST',
        headers: { ...json, ...auth },
        body: JSON.stringify({ row: { customer_id: 7, points: 120, tier: 'gold ⭐', updated_at: '2026-12-05 01:00:00.123456' } }),
      }).then(body<{ written: string[]; pending: string[]; failed: string[] }>);
      expect({ written: write.written.length, pending: write.pending, failed: write.failed }).toEqual({ written: 2, pending: [], failed: [] });
      const read = await fetch(`${api}/api/groups/${groups.items[0].id}/rows/7`, { headers: auth }).then(body<{ consistent: boolean }>);
      expect(read.consistent).toBe(true);

      // `npm run demo:event` signs a sample product with the secret file's key: 202, applied to catalog_products; DELETED removes it.
      const sources = await fetch(`${api}/api/event-sources`, { headers: auth }).then(body<Page>);
      expect(sources.items.map((s) => s.name)).toEqual([DEMO.eventSourceName]);
      const sendEvent = (...args: string[]) =>
        promisify(execFile)(process.execPath, [join(ROOT, 'tools/demo-event.js'), '--data-dir', join(dir, 'data'), '--url', api, ...args], { cwd: ROOT, env });
      const demoTarget = new Client({ connectionString: `postgres://postgres@127.0.0.1:${pgPort}/${DEMO.targetDatabase}` });
      await demoTarget.connect();
      try {
        const product = async () =>
          (await demoTarget.query(`SELECT name, price::text AS price, currency, attributes->>'grams' AS grams FROM public.catalog_products WHERE id = 'p-7'`)).rows[0] as Record<string, string> | undefined;
        const created = await sendEvent('--id', 'p-7');
        expect(created.stdout).toContain('→ 202 {"accepted":1,"duplicates":0}');
        expect(created.stdout + created.stderr).not.toContain(secret);
        expect(await waitFor(product, 30_000, 'the demo event applied')).toEqual({ name: 'Matcha 抹茶 tin', price: '12.50', currency: 'EUR', grams: '80' });
        const inbox = await fetch(`${api}/api/events?source=${DEMO.eventSourceName}`, { headers: auth }).then(body<{ items: { status: string; entityId: string }[] }>);
        expect(inbox.items).toEqual([expect.objectContaining({ status: 'applied', entityId: 'p-7' })]);
        expect((await sendEvent('DELETED', '--id', 'p-7')).stdout).toContain('→ 202 {"accepted":1,"duplicates":0}');
        await waitFor(async () => (await product()) === undefined || undefined, 30_000, 'the demo DELETED event applied');
      } finally {
        await demoTarget.end();
      }

      const { runId } = await fetch(`${api}/api/jobs/${job.id}/run`, { method: 'POST', headers: auth }).then(body<{ runId: string }>);
      const run = await waitFor(
        async () => {
          const r = await fetch(`${api}/api/runs/${runId}`, { headers: auth }).then(body<{ status: string }>);
          return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
        },
        180_000,
        'demo run finished',
      );
      expect(run.status).toBe('succeeded');

      // Every row landed in dbferry_demo on the embedded server, exactly, and the values as the source holds them.
      const target = new Client({ connectionString: `postgres://postgres@127.0.0.1:${pgPort}/${DEMO.targetDatabase}` });
      await target.connect();
      try {
        for (const table of DEMO.tables) {
          const { rows } = await target.query(`SELECT count(*)::int AS n FROM "${table}"`);
          expect({ table, rows: rows[0].n }).toEqual({ table, rows: DEMO.counts[table] });
        }
        const source = new Database(join(dir, 'sqlite', DEMO.sourceFile));
        const sourceRow = await new Promise<Record<string, string>>((resolve, reject) =>
          source.get('SELECT name, price, created_at FROM products WHERE id = 5', (e, row) => (e ? reject(e) : resolve(row as Record<string, string>))),
        );
        const sourceTotal = await new Promise<string>((resolve, reject) =>
          source.get('SELECT total FROM orders WHERE id = 777', (e, row) => (e ? reject(e) : resolve((row as { total: string }).total))),
        );
        source.close();
        const { rows: [product] } = await target.query(`SELECT name, price::text AS price, to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.US') AS created_at FROM products WHERE id = 5`);
        expect(product).toEqual(sourceRow);
        expect(product.name).toMatch(/\p{Extended_Pictographic}/u);
        const { rows: [order] } = await target.query('SELECT total::text AS total FROM orders WHERE id = 777');
        expect(order.total).toBe(sourceTotal);
      } finally {
        await target.end();
      }
    } finally {
      if (services.exitCode === null) process.kill(services.pid as number, 'SIGINT');
      const timer = setTimeout(() => services.kill('SIGKILL'), 60_000);
      const code = await exited;
      clearTimeout(timer);
      expect(code).toBe(0);
    }
    // Nothing it started is left: the API and worker, PostgreSQL and redis-server are gone.
    expect(output).toContain('[services] redis stopped');
    expect(output).toContain('[services] postgres stopped');
    expect([pgPid, redisPid].filter(alive)).toEqual([]);
    expect(await fetch(`http://127.0.0.1:${apiPort}/health`).then(() => true, () => false)).toBe(false);
    expect(await fetch(`http://127.0.0.1:${workerPort}/health`).then(() => true, () => false)).toBe(false);
  }, 420_000);

  describe('with a real PostgreSQL and no redis-server installed', () => {
    let db: EphemeralDatabase;
    beforeAll(async () => {
      db = await createPostgresDatabase('dbferry_fresh');
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('uses that PostgreSQL as it is and stops with the command that installs Redis', async () => {
      const redisPort = await freePort();
      const env = {
        ...process.env,
        ...applyTestEnv({ databaseUrl: db.url, queuePrefix: randomQueuePrefix() }),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        PATH: join(dir, 'empty-path'),
      };
      const result = await promisify(execFile)(process.execPath, [join(ROOT, 'tools/services.js'), '--data-dir', join(dir, 'data2'), '--', 'true'], { cwd: ROOT, env }).then(
        () => ({ code: 0, stdout: '', stderr: '' }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/PostgreSQL answers at \S+: using it/);
      expect(result.stderr).toContain(`no Redis answers at 127.0.0.1:${redisPort} and redis-server is not installed; install it with:\n\n    sudo apt-get install -y redis-server\n`);
    }, 60_000);
  });
});
