import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS } from '@dbferry/migrations';
import {
  applyTestEnv,
  createPostgresDatabase,
  deleteRedisPrefix,
  EphemeralDatabase,
  randomQueuePrefix,
  spawnWorker,
  waitFor,
  WorkerProcess,
} from '@dbferry/testing';

const ROOT = join(__dirname, '..', '..', '..');

/** `npm run migrate` as its own process: "someone else" bringing the schema up to date. */
function runMigrateCli(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(process.execPath, ['-r', './tools/register.js', 'libs/control-plane/src/cli/migrate.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('worker on an empty control store', () => {
  let db: EphemeralDatabase;
  let prefix: string;
  let client: Client;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_wnomig');
    prefix = randomQueuePrefix();
    client = new Client({ connectionString: db.url });
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await client.end().catch(() => undefined);
    await db.drop();
    await deleteRedisPrefix(prefix);
  });

  const tables = async () =>
    (await client.query<{ table_name: string }>(
      `SELECT table_schema || '.' || table_name AS table_name FROM information_schema.tables
       WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    )).rows.map((r) => r.table_name);

  it('never migrates: it creates no table, says it waits, and becomes ready once someone else migrates', async () => {
    const env = applyTestEnv({ databaseUrl: db.url, queuePrefix: prefix });
    worker = await spawnWorker(env);
    const proc = worker;
    await waitFor(async () => proc.output().includes('waiting for the API to migrate the control store'), 60_000, 'the worker saying it waits').catch((e: Error) => {
      throw new Error(`${e.message}\n${proc.output().slice(-3000)}`);
    });
    expect(await tables()).toEqual([]);
    // Several of its one-second polls later: still nothing created, still not healthy.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await tables()).toEqual([]);
    expect(await fetch(`http://127.0.0.1:${proc.port}/health`).then((r) => r.status, () => 'down')).not.toBe(200);
    expect(proc.output().match(/waiting for the API to migrate/g)).toHaveLength(1);

    const migrated = await runMigrateCli(env);
    expect(migrated).toMatchObject({ code: 0 });
    expect(migrated.output).toContain(`applied: ${MIGRATIONS.map((m) => m.name).join(', ')}`);
    await proc.ready(60_000);
    const rows = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM migrations');
    expect(rows.rows[0].n).toBe(MIGRATIONS.length);
    expect(proc.output()).not.toMatch(/applied \d+ migration/);
  }, 120_000);
});
