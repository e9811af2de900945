import { Gauge, type Registry } from 'prom-client';
import type { JobProducer } from './job-producer';

/** BullMQ 6's states that make a queue's depth (completed is history, not depth). */
export const QUEUE_DEPTH_STATES = ['waiting', 'prioritized', 'waiting-children', 'active', 'delayed', 'failed'] as const;

/** A scrape that waits on a lost Redis (commands queue until it is back) gives up after this. */
const COUNT_TIMEOUT_MS = 5000;

export type QueueDepthState = (typeof QUEUE_DEPTH_STATES)[number];
export interface QueueDepth {
  queue: string;
  counts: Record<QueueDepthState, number>;
}

/**
 * Every queue's jobs by depth state, counted in Redis now. Rejects when Redis does not answer
 * within `timeoutMs` (commands would otherwise queue until it is back).
 */
export async function queueDepths(producer: JobProducer, timeoutMs = COUNT_TIMEOUT_MS): Promise<QueueDepth[]> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.all(
      producer.all().map(async (queue) => {
        const byState = await queue.getJobCounts(...QUEUE_DEPTH_STATES);
        const counts = Object.fromEntries(QUEUE_DEPTH_STATES.map((state) => [state, byState[state] ?? 0])) as Record<QueueDepthState, number>;
        return { queue: queue.name, counts };
      }),
    ),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`queue counts timed out after ${timeoutMs} ms`)), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
}

/**
 * `dbferry_queue_jobs{queue,state}`, counted in Redis at each scrape. When Redis does not
 * answer in time, the series are left out (the scrape still serves every other metric).
 */
export function registerQueueDepthGauge(registry: Registry, producer: JobProducer): Gauge {
  return new Gauge({
    name: 'dbferry_queue_jobs',
    help: 'Jobs in each queue by state, counted at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      try {
        const depths = await queueDepths(producer);
        this.reset();
        for (const { queue, counts } of depths) {
          for (const state of QUEUE_DEPTH_STATES) this.set({ queue, state }, counts[state]);
        }
      } catch {
        this.reset();
      }
    },
  });
}
