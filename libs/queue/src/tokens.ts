export const QUEUE_REDIS = Symbol('dbferry:queue-redis');
export const QUEUE_OPTIONS = Symbol('dbferry:queue-options');

export interface QueueModuleOptions {
  prefix: string;
  redisUrl: string;
  /** Worker processes check the Redis eviction policy and run processors. */
  role: 'producer' | 'worker';
  concurrency?: number;
  shutdownTimeoutMs?: number;
  /** Sync queue stall detection: how long a job's lock lasts, how often lapsed locks are looked for. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** The same for the maintenance queue (BullMQ's 30 s each when unset). */
  maintenanceLockDurationMs?: number;
  maintenanceStalledIntervalMs?: number;
}
