import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError, Worker, WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobName, QueueName } from '@dbferry/queue-contracts';
import { HandlerRegistry } from './handler-registry';
import { asError } from './process-guards';
import { failureOutcome, isTerminalError } from './retry-rule';
import { QUEUE_OPTIONS, QUEUE_REDIS, QueueModuleOptions } from './tokens';

export interface ProcessorEvents {
  onCompleted?(job: Job, durationMs: number): void;
  onFailed?(job: Job | undefined, error: Error): void;
}

/**
 * One BullMQ Worker per queue. Subclasses only name their queue; dispatch goes through the
 * handler registry. Shutdown: stop taking jobs, let running ones finish, and past the
 * drain timeout abort their signals so they checkpoint, then close hard (BullMQ re-runs a
 * job whose lock lapses on another worker).
 */
export abstract class QueueProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  abstract readonly queueName: QueueName;
  protected readonly logger = new Logger(this.constructor.name);
  private worker?: Worker;
  private connection?: Redis;
  private draining?: Promise<void>;
  private readonly running = new Map<string, AbortController>();
  protected events: ProcessorEvents = {};
  /** Per-queue BullMQ settings (stall detection, lock length) on top of the defaults. */
  protected workerOptions: Partial<Pick<WorkerOptions, 'concurrency' | 'maxStalledCount' | 'lockDuration' | 'stalledInterval'>> = {};

  constructor(
    private readonly registry: HandlerRegistry,
    @Inject(QUEUE_REDIS) private readonly redis: Redis,
    @Inject(QUEUE_OPTIONS) private readonly options: QueueModuleOptions,
  ) {}

  onApplicationBootstrap(): void {
    for (const name of this.registry.jobsOf(this.queueName)) {
      if (!this.registry.handlerFor(name)) throw new Error(`queue ${this.queueName}: no handler for ${name}`);
    }
    // BullMQ leaves a connection it was given open on close(); a drained shutdown quits this one.
    this.connection = this.redis.duplicate();
    this.worker = new Worker(this.queueName, (job, token) => this.dispatch(job, token), {
      connection: this.connection,
      prefix: this.options.prefix,
      concurrency: this.options.concurrency ?? 1,
      autorun: true,
      ...this.workerOptions,
    });
    this.worker.on('failed', (job, error) => {
      this.logger.warn(`job ${job?.name}#${job?.id} failed (attempt ${job?.attemptsMade}): ${error.message}`);
      this.events.onFailed?.(job, error);
    });
    this.worker.on('error', (error) => this.logger.error(`worker error: ${error.message}`));
  }

  private async dispatch(job: Job, token?: string): Promise<unknown> {
    const handler = this.registry.handlerFor(job.name);
    if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const controller = new AbortController();
    this.running.set(job.id ?? job.name, controller);
    const started = Date.now();
    try {
      // Awaited inside the try, so a handler that throws synchronously fails its job like one that rejects.
      const result = await handler.handle({
        id: job.id ?? '',
        name: job.name as JobName,
        data: job.data,
        attemptsMade: job.attemptsMade,
        attempts: job.opts.attempts ?? 1,
        signal: controller.signal,
        endsJob: (error) => failureOutcome(error, { attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1, aborted: controller.signal.aborted }) === 'fail',
        progress: (value) => job.updateProgress(value),
        postpone: async (delayMs) => {
          await job.moveToDelayed(Date.now() + delayMs, token);
          throw new DelayedError();
        },
      });
      this.events.onCompleted?.(job, Date.now() - started);
      return result;
    } catch (thrown) {
      if (thrown instanceof DelayedError) throw thrown;
      // Anything may be thrown (a string, undefined): BullMQ records an Error either way.
      const error = asError(thrown);
      // The one place a failure becomes a retry or BullMQ's UnrecoverableError (retry-rule.ts).
      // Aborted by our shutdown: the error says nothing about the job, which another worker retries.
      if (!controller.signal.aborted && isTerminalError(error)) throw unrecoverable(error);
      throw error;
    } finally {
      this.running.delete(job.id ?? job.name);
    }
  }

  /** Jobs this process is running right now. */
  get activeCount(): number {
    return this.running.size;
  }

  /**
   * Starts the drain as soon as the application begins to close. Nest awaits the shutdown hooks
   * module by module, so a drain started in beforeApplicationShutdown could begin seconds after
   * SIGTERM (behind other queues' closes) and the WORKER_SHUTDOWN_TIMEOUT bound with it;
   * onModuleDestroy runs for every processor first, and this one returns at once.
   */
  onModuleDestroy(): void {
    this.draining ??= this.drain();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await (this.draining ??= this.drain());
  }

  private async drain(): Promise<void> {
    if (!this.worker) return;
    const timeoutMs = this.options.shutdownTimeoutMs ?? 30_000;
    this.logger.log(`draining ${this.running.size} running job(s), up to ${timeoutMs} ms`);
    const drained = this.worker.close().then(() => true);
    const timedOut = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
    if (!(await Promise.race([drained, timedOut]))) {
      this.logger.warn(`drain timeout: aborting ${this.running.size} job(s); another worker will resume them`);
      // Named AbortError so the dialects pass it through unsorted: a shutdown is not a database
      // failure, and the handler leaves its chunk for a retry instead of failing it.
      for (const controller of this.running.values()) controller.abort(new DOMException('worker shutting down', 'AbortError'));
      await this.worker.close(true);
      // The aborted jobs still settle through this connection (moved to failed, which releases
      // their chunks); the process is ending, so it is left to close with it.
      return;
    }
    await this.connection?.quit().catch(() => this.connection?.disconnect());
  }
}

/**
 * BullMQ's marker for "no more attempts", keeping the original error: its message and stack
 * (what BullMQ records), and the error itself as `cause` with its class, code and cause.
 */
function unrecoverable(error: Error): UnrecoverableError {
  const wrapped = new UnrecoverableError(error.message);
  Object.defineProperty(wrapped, 'cause', { value: error, enumerable: false, configurable: true, writable: true });
  if (error.stack) wrapped.stack = error.stack;
  return wrapped;
}
