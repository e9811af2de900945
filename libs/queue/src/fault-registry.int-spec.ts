import { Redis } from 'ioredis';
import { deleteRedisPrefix, randomQueuePrefix, requiredEnv, waitFor } from '@dbferry/testing';
import { FaultRegistry } from './fault-registry';

describe('FaultRegistry (real Redis)', () => {
  const prefix = randomQueuePrefix();
  const url = requiredEnv('TEST_REDIS_URL');
  const clients: Redis[] = [];
  const registries: FaultRegistry[] = [];
  /** One "process": its own client, subscriber and no-fault cache, the faults shared in Redis. */
  const processOf = async (enabled = true) => {
    const redis = new Redis(url, { maxRetriesPerRequest: null });
    clients.push(redis);
    const registry = new FaultRegistry(redis, { prefix, redisUrl: url }, { enabled }, { noFaultCacheMs: 60_000 });
    await registry.onModuleInit();
    registries.push(registry);
    return registry;
  };

  afterAll(async () => {
    await Promise.all(registries.map((r) => r.onApplicationShutdown()));
    await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
    await deleteRedisPrefix(prefix, url);
  });

  it('gives a counted fault exactly its count of hits across processes racing for them, then it is gone', async () => {
    const [api, worker1, worker2] = [await processOf(), await processOf(), await processOf()];
    const fault = await api.create({ connectionId: 'c-count', operation: 'write', count: 3, createdBy: 'u-1' });
    expect(fault).toMatchObject({ connectionId: 'c-count', operation: 'write', count: 3, remaining: 3, seconds: null, expiresAt: null, createdBy: 'u-1' });
    const hits = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? worker1 : worker2).hit('c-count', 'write')));
    expect(hits.filter((id) => id === fault.id)).toHaveLength(3);
    expect(hits.filter((id) => id === null)).toHaveLength(37);
    expect(await api.get(fault.id)).toBeNull();
    expect((await api.list()).map((f) => f.id)).not.toContain(fault.id);
  });

  it('fails only its connection and operation; a look that does not consume leaves the count alone', async () => {
    const registry = await processOf();
    const fault = await registry.create({ connectionId: 'c-scope', operation: 'read', count: 1 });
    expect(await registry.hit('c-scope', 'write')).toBeNull();
    expect(await registry.hit('c-other', 'read')).toBeNull();
    expect(await registry.hit('c-scope', 'read', false)).toBe(fault.id);
    expect((await registry.get(fault.id))?.remaining).toBe(1);
    expect(await registry.hit('c-scope', 'read')).toBe(fault.id);
    expect(await registry.hit('c-scope', 'read')).toBeNull();
  });

  it('ends a timed fault by itself when its seconds pass, in the listing too', async () => {
    const registry = await processOf();
    const fault = await registry.create({ connectionId: 'c-timed', operation: 'connect', seconds: 1 });
    expect(fault.seconds).toBe(1);
    expect(Date.parse(fault.expiresAt ?? '') - Date.parse(fault.createdAt)).toBe(1000);
    expect(await registry.hit('c-timed', 'connect')).toBe(fault.id);
    expect(await registry.hit('c-timed', 'connect')).toBe(fault.id);
    expect((await registry.list()).map((f) => f.id)).toContain(fault.id);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await registry.hit('c-timed', 'connect')).toBeNull();
    expect(await registry.get(fault.id)).toBeNull();
    expect((await registry.list()).map((f) => f.id)).not.toContain(fault.id);
  });

  it('ends a fault with both a count and seconds at whichever comes first', async () => {
    const registry = await processOf();
    const fault = await registry.create({ connectionId: 'c-both', operation: 'write', count: 100, seconds: 1 });
    expect(await registry.hit('c-both', 'write')).toBe(fault.id);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await registry.hit('c-both', 'write')).toBeNull();
  });

  it('caches "no fault" without a Redis round trip, and a fault created elsewhere clears the cache at once', async () => {
    const [api, worker] = [await processOf(), await processOf()];
    expect(await worker.hit('c-cache', 'read')).toBeNull();
    const before = worker.stats.lookups;
    for (let i = 0; i < 50; i++) expect(await worker.hit('c-cache', 'read')).toBeNull();
    expect(worker.stats.lookups).toBe(before);
    // The cache lasts a minute here: only the creation's message can make the worker see it.
    const fault = await api.create({ connectionId: 'c-cache', operation: 'read', seconds: 60 });
    await waitFor(async () => (await worker.hit('c-cache', 'read')) === fault.id, 5000, 'the worker to see the new fault');
  });

  it('removes a fault for every process at once', async () => {
    const [api, worker] = [await processOf(), await processOf()];
    const fault = await api.create({ connectionId: 'c-remove', operation: 'write', seconds: 60 });
    await waitFor(async () => (await worker.hit('c-remove', 'write')) === fault.id, 5000, 'the worker to see the fault');
    expect(await api.remove(fault.id)).toMatchObject({ id: fault.id });
    expect(await worker.hit('c-remove', 'write')).toBeNull();
    expect(await api.remove(fault.id)).toBeNull();
  });

  it('opens no subscription when fault injection is off', async () => {
    const off = await processOf(false);
    expect(off.enabled).toBe(false);
    expect((off as unknown as { subscriber?: unknown }).subscriber).toBeUndefined();
  });
});
