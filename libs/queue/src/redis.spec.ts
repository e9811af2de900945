import { createServer, Server, Socket } from 'node:net';
import IORedis from 'ioredis';
import { isRedisUnavailable, QueueUnavailableError } from './redis';

describe('isRedisUnavailable', () => {
  let silent: Server;
  let port: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers: a frozen Redis.
    silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('knows the error of a command given to a client that is not connected, with no offline queue', async () => {
    const redis = new IORedis({ lazyConnect: true, enableOfflineQueue: false });
    const error = await redis.get('k').catch((e: unknown) => e);
    redis.disconnect();
    expect(isRedisUnavailable(error)).toBe(true);
  });

  it('knows the error of a command a frozen Redis never answers', async () => {
    const redis = new IORedis({ port, host: '127.0.0.1', commandTimeout: 100, enableReadyCheck: false, maxRetriesPerRequest: 0 });
    const error = await redis.get('k').catch((e: unknown) => e);
    redis.disconnect();
    expect((error as Error).message).toBe('Command timed out');
    expect(isRedisUnavailable(error)).toBe(true);
  });

  it('wraps and passes through its own error, and leaves other errors alone', () => {
    expect(isRedisUnavailable(new QueueUnavailableError(new Error('Connection is closed.'), 'run-1'))).toBe(true);
    expect(new QueueUnavailableError(new Error('x'), 'run-1').runId).toBe('run-1');
    expect(isRedisUnavailable(new Error('ERR unknown command'))).toBe(false);
    expect(isRedisUnavailable('Command timed out')).toBe(false);
  });
});
