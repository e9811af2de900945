import IORedis, { Redis } from 'ioredis';

/** A connection as BullMQ wants it: commands wait for reconnection instead of failing. */
export function createRedis(url: string, connectionName: string): Redis {
  return new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, connectionName });
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
