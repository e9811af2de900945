import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { applyTestEnv, createPostgresDatabase, deleteRedisPrefix, EphemeralDatabase, freePort, randomQueuePrefix, waitFor } from '@dbferry/testing';

const ROOT = join(__dirname, '..');

/**
 * `npm start` as a user runs it (its services part, without dev-setup's .env): the worker is
 * SIGKILLed and the API keeps answering on its port while the supervisor brings the worker back.
 */
describe('npm start supervision (process)', () => {
  let db: EphemeralDatabase;
  let prefix: string;

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_start');
    prefix = randomQueuePrefix();
    // npm start builds before it starts the services: the supervised worker runs the compiled dist/.
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  }, 600_000);

  afterAll(async () => {
    await deleteRedisPrefix(prefix);
    await db?.drop();
  });

  it('keeps the API up when the worker dies, and starts the worker again', async () => {
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    const env = { ...process.env, ...applyTestEnv({ databaseUrl: db.url, queuePrefix: prefix }), PORT: String(apiPort), WORKER_PORT: String(workerPort), LOG_LEVEL: 'warn' };
    let output = '';
    const services = spawn('npm', ['run', 'start:services'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    services.stdout.on('data', (d) => (output += d));
    services.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => services.once('exit', resolve));
    const ok = (url: string) => fetch(url).then((r) => r.status === 200, () => false);
    const api = `http://127.0.0.1:${apiPort}/health`;
    const worker = `http://127.0.0.1:${workerPort}/health`;
    const workerPids = () => [...output.matchAll(/\[supervise\] worker started, pid (\d+)/g)].map((m) => Number(m[1]));
    try {
      await waitFor(async () => (await ok(api)) && (await ok(worker)), 120_000, `api and worker up\n${output.slice(-3000)}`);
      const [first] = workerPids();
      expect(first).toBeGreaterThan(0);

      process.kill(first, 'SIGKILL');
      // The API answers throughout: concurrently -k sees no exit, the supervisor does.
      for (let i = 0; i < 10; i++) {
        expect(await ok(api)).toBe(true);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(output).toContain('[supervise] worker exited (signal SIGKILL); starting it again in 1 s');
      await waitFor(async () => workerPids().length === 2 && (await ok(worker)), 90_000, `worker back\n${output.slice(-3000)}`);
      expect(workerPids()[1]).not.toBe(first);
      expect(await ok(api)).toBe(true);
    } finally {
      process.kill(-(services.pid as number), 'SIGTERM');
      const timer = setTimeout(() => process.kill(-(services.pid as number), 'SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
  }, 240_000);
});
