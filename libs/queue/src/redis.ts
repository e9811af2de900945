import IORedis, { Redis } from 'ioredis';

/** How long an API request waits for one Redis command before it answers 503. */
export const PRODUCER_COMMAND_TIMEOUT_MS = 1000;

/**
 * A worker's connection is as BullMQ wants it: commands wait for reconnection instead of
 * failing. A producer's (the API's) fails fast instead: no offline queue, and a command that
 * gets no answer (a frozen or unreachable Redis) is given up after PRODUCER_COMMAND_TIMEOUT_MS,
 * so a request that needs the queue answers 503 rather than hanging until Redis returns.
 */
export function createRedis(url: string, connectionName: string, role: 'producer' | 'worker' = 'worker'): Redis {
  if (role === 'producer') {
    return new IORedis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS, enableReadyCheck: true, connectionName });
  }
  return new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, connectionName });
}

/** Redis could not be reached (down, frozen, reconnecting): the caller answers 503, not 500. */
export class QueueUnavailableError extends Error {
  constructor(
    cause: unknown,
    /** A run already stored as queued when Redis failed: the worker's reconciler enqueues it once Redis is back. */
    readonly runId?: string,
  ) {
    super(`the queue (Redis) is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'QueueUnavailableError';
  }
}

const UNAVAILABLE = /Stream isn't writeable|Command timed out|Connection is closed|Reached the max retries per request|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH/;

/** Whether an error says Redis is out of reach (as opposed to a bad command or a script error). */
export function isRedisUnavailable(error: unknown): boolean {
  if (error instanceof QueueUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  return error.name === 'MaxRetriesPerRequestError' || error.name === 'ConnectionClosedError' || UNAVAILABLE.test(error.message);
}

/**
 * BullMQ keeps job state in Redis keys; an evicting policy silently loses jobs. The worker
 * refuses to run unless the server is set to noeviction.
 */
export async function assertNoEviction(redis: Redis): Promise<void> {
  const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
  const policy = reply[1];
  if (policy !== 'noeviction') {
    throw new Error(
      `Redis maxmemory-policy is "${policy}"; dbferry needs "noeviction" (redis-cli CONFIG SET maxmemory-policy noeviction, and set it in redis.conf)`,
    );
  }
}
