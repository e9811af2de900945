import { CappedQueue } from './capped-queue';

const chunk = (table: number, id: number) => ({ table, id });

describe('CappedQueue', () => {
  it('hands chunks out in order when no table has a cap', async () => {
    const queue = new CappedQueue([chunk(0, 1), chunk(0, 2), chunk(1, 3)], () => undefined);
    expect([await queue.take(), await queue.take(), await queue.take(), await queue.take()]).toEqual([chunk(0, 1), chunk(0, 2), chunk(1, 3), undefined]);
  });

  it('never has more chunks of a capped table out than its cap, taking another table’s meanwhile', async () => {
    const queue = new CappedQueue([chunk(0, 1), chunk(0, 2), chunk(0, 3), chunk(1, 4)], (table) => (table === 0 ? 2 : undefined));
    const first = await queue.take();
    const second = await queue.take();
    // Table 0 is at its cap: the next slot gets table 1's chunk, the one after waits.
    expect([first, second, await queue.take()]).toEqual([chunk(0, 1), chunk(0, 2), chunk(1, 4)]);
    let fourth: unknown = 'waiting';
    const taking = queue.take().then((item) => (fourth = item));
    await new Promise((resolve) => setImmediate(resolve));
    expect(fourth).toBe('waiting');
    queue.giveBack(first as { table: number; id: number });
    await taking;
    expect(fourth).toEqual(chunk(0, 3));
    expect(await queue.take()).toBeUndefined();
  });

  it('lets every slot waiting on a full table end once the last chunk is taken', async () => {
    const queue = new CappedQueue([chunk(0, 1), chunk(0, 2)], () => 1);
    const a = await queue.take();
    const waiters = [queue.take(), queue.take()];
    queue.giveBack(a as { table: number; id: number });
    let timer: NodeJS.Timeout | undefined;
    const got = await Promise.race([Promise.all(waiters), new Promise((resolve) => (timer = setTimeout(() => resolve('stuck'), 1000)))]);
    clearTimeout(timer);
    // One waiter gets the last chunk, the other learns there is none left instead of waiting forever.
    expect(got).toEqual([chunk(0, 2), undefined]);
  });
});
