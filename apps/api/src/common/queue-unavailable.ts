import { ServiceUnavailableException } from '@nestjs/common';
import { isRedisUnavailable, JobProducer } from '@dbferry/queue';
import { QueueName } from '@dbferry/queue-contracts';

/**
 * The 503 for a write that needs Redis while Redis is out of reach (down, frozen,
 * reconnecting); any other error is returned unchanged, for the caller to throw.
 */
export function asQueueUnavailable(error: unknown, consequence: string): unknown {
  if (!isRedisUnavailable(error)) return error;
  return new ServiceUnavailableException(`the queue (Redis) is unavailable: ${consequence}; send the request again when Redis is back`);
}

/**
 * Asks Redis before slow work (a job's checks open its connections): a write that will need
 * the queue answers 503 at once instead of after its checks and a command timeout.
 */
export async function assertQueueAnswers(producer: JobProducer, consequence: string): Promise<void> {
  try {
    // One small read (HEXISTS on the queue's meta key) through the producer's own connection.
    await producer.queue(QueueName.Sync).isPaused();
  } catch (error) {
    throw asQueueUnavailable(error, consequence);
  }
}
