import { Inject, Injectable, INestApplicationContext, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { storeConfig } from '@dbferry/config';
import { ConnectionSpecError, IdentifierError, RowCountMismatchError, TerminalDbError, TransientDbError } from '@dbferry/dialects-core';
import { FilterError, PlanError, RejectLimitError } from '@dbferry/engine';
import { HandlerRegistry, JobContext, JobHandler, JobHandlerOf, Queue, QUEUE_OPTIONS, QUEUE_REDIS, QueueModule, QueueModuleOptions, QueueProcessor } from '@dbferry/queue';
import { JobName, QueueName } from '@dbferry/queue-contracts';
import { applyTestEnv, deleteRedisPrefix, randomQueuePrefix, waitFor } from '@dbferry/testing';
import { RunFailedError } from '../handlers/plan-run.handler';

/** What each job's handler throws, by index (carried as the job's olderThanDays). */
const THROWN: [string, () => unknown][] = [
  ['TransientDbError', () => new TransientDbError('connection-refused', 'ECONNREFUSED 127.0.0.1:1')],
  ['TerminalDbError', () => new TerminalDbError('authentication-failed', 'password authentication failed for user "app"')],
  ['ConnectionSpecError', () => new ConnectionSpecError('port', 'must be 1-65535')],
  ['RowCountMismatchError', () => new RowCountMismatchError(5, 4, 'range holds 4 of 5')],
  ['PlanError', () => new PlanError('tables[0].columns', 'column "gone" does not exist in public.t')],
  ['IdentifierError', () => new IdentifierError('x'.repeat(70), 'is longer than 63 characters')],
  ['FilterError', () => new FilterError('syntax', 'unexpected end of input')],
  ['RejectLimitError', () => new RejectLimitError([], 0, new TerminalDbError('data', 'value too long'))],
  ['RunFailedError', () => new RunFailedError('the job was deleted')],
  ['a plain Error', () => new Error('something odd')],
  ['a string', () => 'not even an Error'],
];
const TERMINAL = new Set(['TerminalDbError', 'ConnectionSpecError', 'RowCountMismatchError', 'PlanError', 'IdentifierError', 'FilterError', 'RejectLimitError', 'RunFailedError']);
const ATTEMPTS = 3;

/** Attempts each job index saw, and what endsJob answered on each. */
const calls = new Map<number, boolean[]>();
/** Index of a job that waits for the worker's shutdown, then throws a terminal error. */
const ABORTED = 100;
let abortedSeen = false;

@Injectable()
@JobHandler(JobName.PruneAuditLog)
class ThrowingHandler implements JobHandlerOf<JobName.PruneAuditLog> {
  async handle(job: JobContext<JobName.PruneAuditLog>) {
    const index = job.data.olderThanDays;
    if (index === ABORTED) {
      await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve()));
      abortedSeen = true;
      const error = new PlanError('tables[0]', 'thrown while the worker shuts down');
      calls.set(index, [...(calls.get(index) ?? []), job.endsJob(error)]);
      throw error;
    }
    const thrown = THROWN[index][1]();
    calls.set(index, [...(calls.get(index) ?? []), job.endsJob(thrown)]);
    throw thrown;
  }
}

/** The registry wants one handler per job name; the other jobs get ones that do nothing. */
const otherHandlers = Object.values(JobName)
  .filter((name) => name !== JobName.PruneAuditLog)
  .map((name) => {
    class IdleHandler {
      async handle() {
        return null;
      }
    }
    Object.defineProperty(IdleHandler, 'name', { value: `Idle${name}Handler` });
    JobHandler(name)(IdleHandler);
    Injectable()(IdleHandler);
    return IdleHandler;
  });

@Injectable()
class TestProcessor extends QueueProcessor {
  readonly queueName = QueueName.Maintenance;
  constructor(registry: HandlerRegistry, @Inject(QUEUE_REDIS) redis: Redis, @Inject(QUEUE_OPTIONS) options: QueueModuleOptions) {
    super(registry, redis, options);
  }
}

async function boot(shutdownTimeoutMs: number): Promise<INestApplicationContext> {
  @Module({
    imports: [
      ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [storeConfig] }),
      QueueModule.forRoot({ role: 'worker', concurrency: 4, shutdownTimeoutMs }),
    ],
    providers: [ThrowingHandler, ...otherHandlers, TestProcessor],
  })
  class ErrorRuleModule {}
  const app = await NestFactory.createApplicationContext(ErrorRuleModule, { logger: false });
  await app.init();
  return app;
}

/**
 * The one error rule (issue 10, item 5), through a real BullMQ worker on real Redis: a terminal
 * error class fails its job on the first attempt, anything else is attempted up to the job's
 * attempts, and a worker shutting down never fails a job for good.
 */
describe('the error rule: each error class → retry or fail at once', () => {
  let prefix: string;
  let queue: Queue;
  let app: INestApplicationContext | undefined;

  beforeEach(() => {
    prefix = randomQueuePrefix();
    applyTestEnv({ databaseUrl: 'postgres://unused@127.0.0.1/unused', queuePrefix: prefix });
    calls.clear();
    queue = new Queue(QueueName.Maintenance, { connection: { url: process.env.TEST_REDIS_URL }, prefix });
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await queue.close();
    await deleteRedisPrefix(prefix);
  });

  it('attempts terminal errors exactly once and the others up to attempts, keeping class and message', async () => {
    app = await boot(5000);
    const jobs = await Promise.all(THROWN.map((_, i) => queue.add(JobName.PruneAuditLog, { v: 1, olderThanDays: i }, { attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 10 } })));
    await waitFor(async () => (await Promise.all(jobs.map((j) => queue.getJobState(j.id as string)))).every((s) => s === 'failed'), 20_000, 'every job to fail');

    const outcome = await Promise.all(
      jobs.map(async (j, i) => {
        const job = await queue.getJob(j.id as string);
        return { thrown: THROWN[i][0], attemptsMade: job?.attemptsMade, endsJob: calls.get(i), failedReason: job?.failedReason };
      }),
    );
    expect(outcome).toEqual(
      THROWN.map(([name, make]) => {
        const thrown = make();
        const terminal = TERMINAL.has(name);
        return {
          thrown: name,
          attemptsMade: terminal ? 1 : ATTEMPTS,
          // The handler's own view of the same rule: the failure ends the job on the first attempt, or only on the last.
          endsJob: terminal ? [true] : [false, false, true],
          failedReason: thrown instanceof Error ? thrown.message : `non-Error thrown: ${String(thrown)}`,
        };
      }),
    );
    // BullMQ keeps the original stack: the class shows, not a plain Error made from the message.
    const planJob = await queue.getJob(jobs[THROWN.findIndex(([n]) => n === 'PlanError')].id as string);
    expect(planJob?.stacktrace?.[0]).toMatch(/^PlanError: tables\[0\]\.columns: column "gone"/);
  }, 40_000);

  it('never fails a job for good when the worker shut down under it, even on a terminal error', async () => {
    app = await boot(300);
    const job = await queue.add(JobName.PruneAuditLog, { v: 1, olderThanDays: ABORTED }, { attempts: ATTEMPTS });
    await waitFor(async () => (await queue.getJobState(job.id as string)) === 'active', 10_000, 'the job to start');
    await app.close();
    app = undefined;
    expect(abortedSeen).toBe(true);
    expect(calls.get(ABORTED)).toEqual([false]);
    // Left for another worker: back in the queue with attempts to spare, not failed.
    const state = await waitFor(async () => {
      const s = await queue.getJobState(job.id as string);
      return s === 'waiting' || s === 'delayed' || s === 'failed' ? s : false;
    }, 10_000, 'the aborted job to settle');
    expect(state).not.toBe('failed');
    expect((await queue.getJob(job.id as string))?.attemptsMade).toBe(1);
  }, 30_000);
});
