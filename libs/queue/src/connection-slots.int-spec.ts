import { Redis } from 'ioredis';
import { deleteRedisPrefix, randomQueuePrefix, requiredEnv } from '@dbferry/testing';
import { ConnectionSlots } from './connection-slots';

describe('ConnectionSlots (real Redis)', () => {
  const prefix = randomQueuePrefix();
  const clients: Redis[] = [];
  /** Two "workers": separate clients, one shared count in Redis. */
  const slotsOf = () => {
    const redis = new Redis(requiredEnv('TEST_REDIS_URL'), { maxRetriesPerRequest: null });
    clients.push(redis);
    return new ConnectionSlots(redis, { prefix, redisUrl: '', role: 'worker' });
  };

  afterAll(async () => {
    await deleteRedisPrefix(prefix);
    await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
  });

  it('never lets more than the limit hold a connection across processes', async () => {
    const [a, b] = [slotsOf(), slotsOf()];
    const want = [{ connectionId: 'src-1', limit: 2 }];
    const first = await a.acquire(want);
    const second = await b.acquire(want);
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(await a.acquire(want)).toBeNull();
    expect(await b.holders('src-1')).toBe(2);
    await first!.release();
    await first!.release(); // idempotent: must not free someone else's slot
    expect(await b.holders('src-1')).toBe(1);
    const third = await a.acquire(want);
    expect(third).not.toBeNull();
    await second!.release();
    await third!.release();
    expect(await a.holders('src-1')).toBe(0);
  });

  it('takes the source and target slots all or none', async () => {
    const slots = slotsOf();
    const target = await slots.acquire([{ connectionId: 'dst-1', limit: 1 }]);
    // The source is free but the target is full: nothing may stay taken on the source.
    expect(await slots.acquire([{ connectionId: 'src-2', limit: 1 }, { connectionId: 'dst-1', limit: 1 }])).toBeNull();
    expect(await slots.holders('src-2')).toBe(0);
    await target!.release();
    const both = await slots.acquire([{ connectionId: 'src-2', limit: 1 }, { connectionId: 'dst-1', limit: 1 }]);
    expect(both).not.toBeNull();
    expect(await slots.holders('src-2')).toBe(1);
    expect(await slots.holders('dst-1')).toBe(1);
    await both!.release();
  });

  it('counts one slot when source and target are the same connection', async () => {
    const slots = slotsOf();
    const hold = await slots.acquire([{ connectionId: 'same', limit: 1 }, { connectionId: 'same', limit: 1 }]);
    expect(hold).not.toBeNull();
    await hold!.release();
  });

  it('frees the slot of a holder that died when its expiry passes, and renews a live one', async () => {
    const live = slotsOf();
    const dead = slotsOf();
    const deadClient = clients.at(-1)!;
    const other = slotsOf();
    const kept = await live.acquire([{ connectionId: 'renewed', limit: 1 }], 1200);
    // A "dead" holder: takes a slot, then its process vanishes (its renew timer never runs again).
    const lost = await dead.acquire([{ connectionId: 'expiring', limit: 1 }], 1200);
    expect(lost).not.toBeNull();
    deadClient.disconnect();
    expect(await other.acquire([{ connectionId: 'expiring', limit: 1 }])).toBeNull();
    await new Promise((r) => setTimeout(r, 2500));
    const taken = await other.acquire([{ connectionId: 'expiring', limit: 1 }]);
    expect(taken).not.toBeNull();
    // The live holder renewed every ~400 ms, so after 2.5 s its slot is still its own.
    expect(await other.acquire([{ connectionId: 'renewed', limit: 1 }])).toBeNull();
    await kept!.release();
    await taken!.release();
  }, 10_000);
});
