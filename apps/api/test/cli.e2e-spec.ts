import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { parseConnectionUrl } from '@dbferry/dialects-core';
import { createPostgresDatabase, type EphemeralDatabase, spawnWorker, type WorkerProcess } from '@dbferry/testing';
import { Client } from 'pg';
import { spawn } from 'node:child_process';
import { ADMIN_PASSWORD, type ApiHarness, readTableRows, saveConnection, startApi } from './harness';

const ROOT = join(__dirname, '..', '..', '..');

/** `dbferry …` as a user runs it: node on the CLI's launcher (apps/cli/bin), no TTY, bounded in time. */
function runCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'apps', 'cli', 'bin', 'dbferry.js'), ...args], { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dbferry ${args.join(' ')} did not end in time; stderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * `dbferry` (apps/cli) server commands against a real API (listening on a port) and a real worker: login saves a
 * 0600 token, connections ls/test, jobs run --wait follows the run over SSE to its exit code,
 * jobs logs, runs watch, and jobs apply -f creating then updating the same jobs by name.
 */
describe('dbferry against a server', () => {
  let api: ApiHarness;
  let worker: WorkerProcess;
  let source: EphemeralDatabase;
  let target: EphemeralDatabase;
  let server: string;
  let configDir: string;
  let token: string;
  let sourceId: string;
  let targetId: string;
  const env = () => ({ DBFERRY_CONFIG_DIR: configDir, DBFERRY_PASSWORD: ADMIN_PASSWORD });

  beforeAll(async () => {
    source = await createPostgresDatabase('dbferry_cli_src');
    target = await createPostgresDatabase('dbferry_cli_dst');
    const client = new Client({ connectionString: source.url });
    await client.connect();
    await client.query("CREATE TABLE public.orders (id int PRIMARY KEY, amount numeric(12,2), note text); INSERT INTO public.orders SELECT g, g * 2.5, 'order ' || g FROM generate_series(1, 2000) g");
    await client.query("CREATE TABLE public.broken (id int PRIMARY KEY, v text); INSERT INTO public.broken VALUES (1, repeat('x', 50))");
    await client.end();
    const dst = new Client({ connectionString: target.url });
    await dst.connect();
    // A target the broken table cannot fit into: its run fails.
    await dst.query('CREATE TABLE public.broken (id int PRIMARY KEY, v varchar(5))');
    await dst.end();
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    server = `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
    token = await api.adminToken();
    sourceId = await saveConnection(api, token, 'cli-source', 'postgres', source);
    targetId = await saveConnection(api, token, 'cli-target', 'postgres', target);
    worker = await spawnWorker({ WORKER_CONCURRENCY: '2', LOG_LEVEL: 'warn' });
    await worker.ready();
    configDir = mkdtempSync(join(tmpdir(), 'dbferry-cli-config-'));
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await source?.drop();
    await target?.drop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  const createJob = async (name: string, tables: { source: string }[], extra: Record<string, unknown> = {}) =>
    (
      await request(api.http)
        .post('/api/jobs')
        .set('Authorization', `Bearer ${token}`)
        .send({ name, sourceId, targetId, tables, mode: 'full', writeMode: 'replace', createTables: true, ...extra })
        .expect(201)
    ).body.id as string;

  it('logs in with DBFERRY_PASSWORD and keeps the token in a 0600 file without the password', async () => {
    const run = await runCli(['login', server, '--username', 'admin', '--json'], { env: env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ server, username: 'admin', role: 'admin' });
    const file = join(configDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = readFileSync(file, 'utf8');
    expect(saved).not.toContain(ADMIN_PASSWORD);
    expect(JSON.parse(saved)).toMatchObject({ server, username: 'admin' });
    expect(run.stdout).not.toContain(JSON.parse(saved).accessToken);

    const wrong = await runCli(['login', server, '--username', 'admin'], { env: { ...env(), DBFERRY_PASSWORD: 'not-the-password' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);

  it('lists and tests connections', async () => {
    const ls = await runCli(['connections', 'ls', '--json'], { env: env() });
    expect(ls.code).toBe(0);
    const names = (JSON.parse(ls.stdout).items as { name: string }[]).map((c) => c.name).sort();
    expect(names).toEqual(['cli-source', 'cli-target']);
    const test = await runCli(['connections', 'test', sourceId, '--json'], { env: env() });
    expect(test.code).toBe(0);
    expect(JSON.parse(test.stdout)).toMatchObject({ ok: true });
    const missing = await runCli(['connections', 'test', '00000000-0000-4000-8000-000000000000'], { env: env() });
    expect(missing.code).toBe(2);
  }, 60_000);

  it('jobs run --wait follows the run to its end: exit 0 with the rows copied, exit 1 for a failed run', async () => {
    const jobId = await createJob('cli orders', [{ source: 'public.orders' }]);
    const run = await runCli(['jobs', 'run', jobId, '--wait', '--json'], { env: env(), timeoutMs: 120_000 });
    expect(run.code).toBe(0);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; status: string; rowsWritten: string | number });
    const last = events[events.length - 1];
    expect(last.status).toBe('succeeded');
    expect(Number(last.rowsWritten)).toBe(2000);
    const spec = parseConnectionUrl('postgres', target.url);
    const rows = await readTableRows('postgres', spec, { schema: 'public', name: 'orders' });
    expect(rows).toHaveLength(2000);
    expect(rows[1999]).toEqual(['2000', '5000', 'order 2000']);

    const logs = await runCli(['jobs', 'logs', jobId], { env: env() });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/info\s+planned 1 table\(s\) in \d+ chunk\(s\)/);

    const watched = await runCli(['runs', 'watch', last.id], { env: env() });
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain(`run ${last.id}: succeeded, 2000 rows written`);

    const brokenId = await createJob('cli broken', [{ source: 'public.broken' }], { writeMode: 'insert' });
    const failed = await runCli(['jobs', 'run', brokenId, '--wait'], { env: env(), timeoutMs: 120_000 });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/: failed/);
  }, 300_000);

  it('jobs apply -f creates the jobs once and updates them by name after', async () => {
    const file = join(configDir, 'replication.yaml');
    writeFileSync(
      file,
      ['name: cli-apply', 'source: cli-source', 'target: cli-target', 'defaults:', '  writeMode: upsert', 'tables:', '  public.orders:', '    where: "id > 10"', '  public.broken:', '    writeMode: replace', ''].join('\n'),
    );
    // The connections exist on the server under these names; the variables still give their URLs.
    const fileEnv = { ...env(), 'cli-source': source.url, 'cli-target': target.url };
    const first = await runCli(['jobs', 'apply', '-f', file, '--json'], { env: fileEnv });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const created = JSON.parse(first.stdout);
    expect(created.connections.source).toMatchObject({ id: sourceId, action: 'kept' });
    expect(created.jobs.map((j: { name: string; action: string }) => [j.name, j.action])).toEqual([
      ['cli-apply', 'created'],
      ['cli-apply/public.broken', 'created'],
    ]);
    const second = JSON.parse((await runCli(['jobs', 'apply', '-f', file, '--json'], { env: fileEnv })).stdout);
    expect(second.jobs.map((j: { id: string; action: string }) => [j.id, j.action])).toEqual(created.jobs.map((j: { id: string }) => [j.id, 'updated']));
    const job = (await request(api.http).get(`/api/jobs/${created.jobs[0].id}`).set('Authorization', `Bearer ${token}`).expect(200)).body;
    expect(job).toMatchObject({ writeMode: 'upsert', tables: [{ source: 'public.orders', where: '"id" > 10' }] });
  }, 120_000);
});
