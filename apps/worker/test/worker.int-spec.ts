import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { spawn } from 'node:child_process';
import { DataSource } from 'typeorm';
import { createControlDataSource, migrateUnderLock } from '@dbferry/control-plane';
import { JobProducer } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';
import {
  applyTestEnv,
  createPostgresDatabase,
  deleteRedisPrefix,
  EphemeralDatabase,
  freePort,
  LogCapture,
  randomQueuePrefix,
  spawnWorker,
  waitFor,
  WorkerProcess,
} from '@dbferry/testing';
import { WorkerModule } from '../src/worker.module';


describe('worker', () => {
  let db: EphemeralDatabase;
  let prefix: string;

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_worker');
    const source = createControlDataSource({ url: db.url, applicationName: 'worker-test-migrate' });
    await source.initialize();
    await migrateUnderLock(source);
    await source.destroy();
  });
  afterAll(() => db.drop());
  beforeEach(() => {
    prefix = randomQueuePrefix();
  });
  afterEach(() => deleteRedisPrefix(prefix));

  describe('in process', () => {
    let app: INestApplicationContext;
    let port: number;
    const logs = new LogCapture();

    beforeAll(async () => {
      port = await freePort();
      applyTestEnv({ databaseUrl: db.url, queuePrefix: randomQueuePrefix(), overrides: { WORKER_PORT: String(port) } });
      app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ logStream: logs }), { logger: false });
      await app.init();
    });
    afterAll(async () => {
      const used = process.env.QUEUE_PREFIX!;
      await app.close();
      await deleteRedisPrefix(used);
    });

    it('runs a queued job through its handler and reports it in /metrics', async () => {
      const source = app.get(DataSource);
      await source.query(`INSERT INTO audit_log (at, action) SELECT now() - interval '400 days', 'old' FROM generate_series(1, 7)`);
      await source.query(`INSERT INTO audit_log (action) VALUES ('recent')`);
      await app.get(JobProducer).enqueue(JobName.PruneAuditLog, { v: 1, olderThanDays: 180 });
      await waitFor(async () => (await source.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'old'`))[0].n === 0, 10_000, 'old rows pruned');
      expect((await source.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'recent'`))[0].n).toBe(1);
      const metrics = await waitFor(async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return text.includes('outcome="completed"') && text;
      }, 5000, 'job metric');
      expect(metrics).toMatch(/dbferry_worker_jobs_total\{queue="maintenance",job="prune-audit-log",outcome="completed"\} 1/);
    });

    it('answers /health with both stores up', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', checks: { postgres: { status: 'up' }, redis: { status: 'up' } } });
    });
  });

  describe('as a process', () => {
    let proc: WorkerProcess | undefined;
    afterEach(() => proc?.child.kill('SIGKILL'));
    const start = async (env: Record<string, string>) => (proc = await spawnWorker(env));

    it('stops on SIGTERM within its shutdown timeout, refusing traffic while draining', async () => {
      const env = applyTestEnv({ databaseUrl: db.url, queuePrefix: prefix, overrides: { WORKER_SHUTDOWN_TIMEOUT: '3000' } });
      const proc = await start(env);
      await proc.ready(30_000);
      const sent = Date.now();
      proc.child.kill('SIGTERM');
      const exit = await proc.exited;
      expect(Date.now() - sent).toBeLessThan(3000 + 2000);
      expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
      expect(proc.output()).toContain('draining 0 running job(s)');
    }, 40_000);

    it('refuses to start when Redis may evict keys', async () => {
      const redisPort = await freePort();
      const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru'], { stdio: 'ignore' });
      try {
        const env = applyTestEnv({ databaseUrl: db.url, queuePrefix: prefix, overrides: { REDIS_URL: `redis://127.0.0.1:${redisPort}` } });
        await waitFor(async () => {
          const probe = spawn('redis-cli', ['-p', String(redisPort), 'ping']);
          return new Promise<boolean>((r) => probe.once('exit', (code) => r(code === 0)));
        }, 5000, 'test redis');
        const proc = await start(env);
        const exit = await proc.exited;
        expect(exit.code).toBe(1);
        expect(proc.output()).toContain('maxmemory-policy is "allkeys-lru"');
        expect(proc.output()).toContain('noeviction');
      } finally {
        redis.kill('SIGKILL');
      }
    }, 40_000);

    it('refuses to start on a bad variable, naming it', async () => {
      const env = applyTestEnv({ databaseUrl: db.url, queuePrefix: prefix, overrides: { WORKER_CONCURRENCY: 'lots' } });
      const proc = await start(env);
      const exit = await proc.exited;
      expect(exit.code).toBe(1);
      expect(proc.output()).toContain('WORKER_CONCURRENCY');
    }, 20_000);
  });
});
