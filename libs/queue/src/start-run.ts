import { JobName, syncJobId } from '@dbferry/queue-contracts';
import type { JobProducer } from './job-producer';
import { isRedisUnavailable, QueueUnavailableError } from './redis';

/** Enqueues a run's plan under its stable id: a second add (a reconciler, a race) is a no-op. */
export async function enqueuePlanRun(producer: JobProducer, runId: string): Promise<void> {
  await producer.enqueue(JobName.PlanRun, { v: 1, runId }, { jobId: syncJobId.plan(runId) });
}

/**
 * Starts a run the one way every trigger (manual, schedule) shares: the run row first (Postgres
 * is the truth; a flushed Redis loses no run), then its plan-run job. `insertRun` stores the
 * row and returns its id, or null when the job already has an active run; then nothing is
 * enqueued and null is returned. The store side stays a callback so this library needs no
 * control-plane import and the control plane no bullmq.
 */
export async function startRun(producer: JobProducer, insertRun: () => Promise<string | null>): Promise<string | null> {
  const runId = await insertRun();
  if (!runId) return null;
  try {
    await enqueuePlanRun(producer, runId);
  } catch (error) {
    // The row stays queued: the worker's reconciler enqueues its plan once Redis answers again.
    if (isRedisUnavailable(error)) throw new QueueUnavailableError(error instanceof QueueUnavailableError ? error.cause : error, runId);
    throw error;
  }
  return runId;
}
