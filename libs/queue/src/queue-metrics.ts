import { Gauge, type Registry } from 'prom-client';
import type { JobProducer } from './job-producer';

/** BullMQ 6's states that make a queue's depth (completed is history, not depth). */
export const QUEUE_DEPTH_STATES = ['waiting', 'prioritized', 'waiting-children', 'active', 'delayed', 'failed'] as const;

/** A scrape that waits on a lost Redis (commands queue until it is back) gives up after this. */
const COUNT_TIMEOUT_MS = 5000;

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
        let timer: NodeJS.Timeout | undefined;
        const counts = await Promise.race([
          Promise.all(producer.all().map(async (queue) => [queue.name, await queue.getJobCounts(...QUEUE_DEPTH_STATES)] as const)),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('queue counts timed out')), COUNT_TIMEOUT_MS))),
        ]).finally(() => clearTimeout(timer));
        this.reset();
        for (const [queue, byState] of counts) {
          for (const state of QUEUE_DEPTH_STATES) this.set({ queue, state }, byState[state] ?? 0);
        }
      } catch {
        this.reset();
      }
    },
  });
}
