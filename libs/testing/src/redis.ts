import { requiredEnv } from './env';
import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';

/** A BullMQ prefix no other test uses. */
export const randomQueuePrefix = () => `dbft_${randomBytes(5).toString('hex')}`;

/** Deletes every key under a prefix (queues, schedulers, throttle counters). */
export async function deleteRedisPrefix(prefix: string, url = requiredEnv('TEST_REDIS_URL')): Promise<void> {
  const redis = new IORedis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
