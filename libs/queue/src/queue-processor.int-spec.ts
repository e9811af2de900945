import { Injectable, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { JobName, QueueName } from '@dbferry/queue-contracts';
import { applyTestEnv, deleteRedisPrefix, randomQueuePrefix, waitFor } from '@dbferry/testing';
import { JobContext, JobHandler, JobHandlerOf } from './job-handler';
import { JobProducer } from './job-producer';
import { maintenanceTestModule } from '../test/maintenance-module';

/** What the slow handler saw, shared with the test. */
const seen = { started: 0, finished: 0, aborted: 0 };

@Injectable()
@JobHandler(JobName.PruneAuditLog)
class SlowHandler implements JobHandlerOf<JobName.PruneAuditLog> {
  async handle(job: JobContext<JobName.PruneAuditLog>) {
    seen.started++;
    // olderThanDays doubles as the work duration in ms for this test.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, job.data.olderThanDays);
      job.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        seen.aborted++;
        resolve();
      });
    });
    if (!job.signal.aborted) seen.finished++;
    return { ok: true };
  }
}

async function boot(shutdownTimeoutMs: number): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(maintenanceTestModule(SlowHandler, { concurrency: 1, shutdownTimeoutMs }), { logger: false });
  await app.init();
  return app;
}

describe('QueueProcessor shutdown', () => {
  let prefix: string;
  beforeEach(() => {
    prefix = randomQueuePrefix();
    applyTestEnv({ databaseUrl: 'postgres://unused@127.0.0.1/unused', queuePrefix: prefix });
    Object.assign(seen, { started: 0, finished: 0, aborted: 0 });
  });
  afterEach(() => deleteRedisPrefix(prefix));

  it('lets a running job finish when it ends within the drain bound', async () => {
    const app = await boot(5000);
    await app.get(JobProducer).enqueue(JobName.PruneAuditLog, { v: 1, olderThanDays: 800 });
    await waitFor(async () => seen.started === 1, 5000, 'job start');
    const closing = Date.now();
    await app.close();
    expect(seen).toEqual({ started: 1, finished: 1, aborted: 0 });
    expect(Date.now() - closing).toBeGreaterThanOrEqual(500);
  });

  it('aborts a running job past the drain bound and closes promptly', async () => {
    const app = await boot(400);
    const producer = app.get(JobProducer);
    await producer.enqueue(JobName.PruneAuditLog, { v: 1, olderThanDays: 60_000 });
    await waitFor(async () => seen.started === 1, 5000, 'job start');
    const closing = Date.now();
    await app.close();
    expect(Date.now() - closing).toBeLessThan(3000);
    expect(seen).toEqual({ started: 1, finished: 0, aborted: 1 });
  });

  it('takes no new job once draining: the next one stays queued for another worker', async () => {
    const app = await boot(5000);
    const producer = app.get(JobProducer);
    await producer.enqueue(JobName.PruneAuditLog, { v: 1, olderThanDays: 500 });
    await producer.enqueue(JobName.PruneAuditLog, { v: 1, olderThanDays: 500 });
    await waitFor(async () => seen.started === 1, 5000, 'job start');
    await app.close();
    expect(seen).toEqual({ started: 1, finished: 1, aborted: 0 });
    const queue = new Queue(QueueName.Maintenance, { connection: { url: process.env.TEST_REDIS_URL }, prefix });
    try {
      expect(await queue.getJobCounts('waiting', 'active', 'completed')).toEqual({ waiting: 1, active: 0, completed: 1 });
    } finally {
      await queue.close();
    }
  });
});
