import { Queue } from 'bullmq';
import { JobName, QueueName } from '@dbferry/queue-contracts';
import { applyTestEnv, deleteRedisPrefix, randomQueuePrefix, ServiceProcess, spawnService, waitFor } from '@dbferry/testing';
import { FAULTS } from '../test/faults';

/** A real worker process whose handler throws anything: each job fails, the process serves on. */
describe('a handler that throws anything (process)', () => {
  let prefix: string;
  let worker: ServiceProcess;
  let queue: Queue;

  beforeAll(async () => {
    prefix = randomQueuePrefix();
    const env = applyTestEnv({ databaseUrl: 'postgres://unused@127.0.0.1/unused', queuePrefix: prefix });
    worker = await spawnService({ label: 'faulty worker', script: 'libs/queue/test/faulty-worker.ts', portVariable: 'WORKER_PORT', healthPath: '/', env: { ...process.env, ...env } });
    await worker.ready();
    queue = new Queue(QueueName.Maintenance, { connection: { url: process.env.TEST_REDIS_URL }, prefix });
  }, 120_000);

  afterAll(async () => {
    await queue?.close();
    await worker?.stop();
    await deleteRedisPrefix(prefix);
  });

  /** Adds one job (one attempt) and waits for BullMQ to settle it. */
  const settle = async (code: number) => {
    const job = await queue.add(JobName.PruneAuditLog, { v: 1, olderThanDays: code }, { attempts: 1 });
    const state = await waitFor(async () => {
      const s = await queue.getJobState(job.id as string);
      return s === 'completed' || s === 'failed' ? s : false;
    }, 20_000, `job ${code} to settle\n${worker.output().slice(-2000)}`);
    return { state, reason: (await queue.getJob(job.id as string))?.failedReason };
  };

  it.each([
    ['an Error, asynchronously', FAULTS.asyncError, 'async boom'],
    ['a string', FAULTS.string, 'non-Error thrown: a plain string'],
    ['undefined', FAULTS.undefined, 'non-Error thrown: undefined'],
    ['a plain object', FAULTS.plainObject, 'non-Error thrown: {"code":42}'],
    ['a rejected promise it returned', FAULTS.rejectedPromise, 'rejected promise'],
    ['synchronously, before returning a promise', FAULTS.syncThrow, 'thrown before any promise'],
  ])('fails its job when the handler throws %s, and takes the next job', async (_what, code, reason) => {
    expect(await settle(code)).toEqual({ state: 'failed', reason });
    expect(await settle(FAULTS.ok)).toEqual({ state: 'completed', reason: undefined });
    expect(worker.child.exitCode).toBeNull();
  });

  it.each([
    ['an Error', FAULTS.strayRejection, 'stray rejection nobody awaits'],
    ['undefined, later', FAULTS.strayUndefinedLater, 'non-Error thrown: undefined'],
  ])('logs a promise rejected with %s after the handler returned, and serves on', async (_what, code, logged) => {
    expect((await settle(code)).state).toBe('completed');
    await waitFor(async () => worker.output().includes(`unhandled promise rejection (the process serves on): `) && worker.output().includes(logged), 5000, 'the rejection logged');
    expect(await settle(FAULTS.ok)).toEqual({ state: 'completed', reason: undefined });
    expect(worker.child.exitCode).toBeNull();
  });
});
