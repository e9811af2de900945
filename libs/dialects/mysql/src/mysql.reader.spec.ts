import { EventEmitter } from 'node:events';
import type { NeutralValue, RowBatch } from '@dbferry/dialects-core';
import { equalIntervalCuts, histogramSql, isDenseKey, type KeyBucket, type KeyHistogram, keyQuantiles, rangesBetween, ResultBatches } from './mysql.reader';

/** A KeyHistogram over sorted keys in memory, counting its calls and the rows each one reads. */
function memoryHistogram(keys: bigint[]): KeyHistogram & { calls: number; rowsRead: number } {
  const fn = (async (low: bigint, high: bigint, buckets: number) => {
    fn.calls++;
    const width = (high - low) / BigInt(buckets) + 1n;
    const out = new Map<bigint, KeyBucket>();
    for (const k of keys) {
      if (k < low || k > high) continue;
      fn.rowsRead++;
      const b = (k - low) / width;
      const bucket = out.get(b) ?? { rows: 0, min: k, max: k };
      bucket.rows++;
      if (k < bucket.min) bucket.min = k;
      if (k > bucket.max) bucket.max = k;
      out.set(b, bucket);
    }
    return [...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, v]) => v);
  }) as KeyHistogram & { calls: number; rowsRead: number };
  fn.calls = 0;
  fn.rowsRead = 0;
  return fn;
}

/** Rows per range for the cuts. */
function counts(keys: bigint[], cuts: bigint[]): number[] {
  const out = Array<number>(cuts.length + 1).fill(0);
  for (const k of keys) {
    const i = cuts.findIndex((c) => k <= c);
    out[i === -1 ? cuts.length : i]++;
  }
  return out;
}

const range = (from: bigint, count: number, step = 1n) => Array.from({ length: count }, (_, i) => from + BigInt(i) * step);

describe('keyQuantiles', () => {
  it('cuts skewed keys (1…1000, then 10^12…) into ranges of about equal row counts', async () => {
    const keys = [...range(1n, 1000), ...range(10n ** 12n, 99_000)];
    const histogram = memoryHistogram(keys);
    const cuts = await keyQuantiles(histogram, keys[0] as bigint, keys[keys.length - 1] as bigint, 8);
    expect(cuts).toHaveLength(7);
    const mean = keys.length / 8;
    for (const n of counts(keys, cuts)) expect(Math.abs(n - mean)).toBeLessThanOrEqual(mean / 8 + 1);
    // The top level reads every key once; refinement only the heavy bucket's (min/max-tight).
    expect(histogram.calls).toBeLessThanOrEqual(3);
    expect(histogram.rowsRead).toBeLessThanOrEqual(keys.length * 2);
  });

  it('takes one grouped count for dense keys', async () => {
    const keys = range(1000n, 150_000, 3n);
    const histogram = memoryHistogram(keys);
    const cuts = await keyQuantiles(histogram, keys[0] as bigint, keys[keys.length - 1] as bigint, 6);
    expect(histogram.calls).toBe(1);
    const mean = keys.length / 6;
    for (const n of counts(keys, cuts)) expect(Math.abs(n - mean)).toBeLessThanOrEqual(mean / 8 + 1);
  });

  it('handles exponentially spread keys and the full signed 64-bit span', async () => {
    const keys = [-(2n ** 63n), ...range(0n, 62).map((i) => 2n ** i), ...range(2n ** 62n, 5000), 2n ** 63n - 1n];
    keys.sort((a, b) => (a < b ? -1 : 1));
    const cuts = await keyQuantiles(memoryHistogram(keys), keys[0] as bigint, keys[keys.length - 1] as bigint, 4);
    expect(cuts).toHaveLength(3);
    const mean = keys.length / 4;
    for (const n of counts(keys, cuts)) expect(Math.abs(n - mean)).toBeLessThanOrEqual(mean / 8 + 1);
  });

  it('gives fewer ranges when there are fewer keys than parts, never an empty one', async () => {
    const keys = [5n, 6n, 7n];
    const cuts = await keyQuantiles(memoryHistogram(keys), 5n, 7n, 8);
    expect(cuts).toEqual([5n, 6n]);
    expect(counts(keys, cuts)).toEqual([1, 1, 1]);
    expect(await keyQuantiles(memoryHistogram([5n]), 5n, 5n, 4)).toEqual([]);
    expect(await keyQuantiles(memoryHistogram([]), 5n, 9n, 4)).toEqual([]);
  });
});

describe('rangesBetween', () => {
  it('opens the first range below and the last above', () => {
    expect(rangesBetween([[25], [50]])).toEqual([{ upper: [25] }, { lower: [25], upper: [50] }, { lower: [50] }]);
    expect(rangesBetween([])).toEqual([{}]);
  });
});

describe('histogramSql', () => {
  it('groups an index range into equal-width buckets, in DECIMAL only for a span past BIGINT', () => {
    expect(histogramSql({ schema: 'db', name: 't' }, 'id', -(2n ** 63n), 2n ** 63n - 1n, 2)).toBe(
      'SELECT (CAST(`id` AS DECIMAL(20,0)) - (-9223372036854775808)) DIV 9223372036854775808 AS `_dbferry_bucket`, COUNT(*), MIN(`id`), MAX(`id`)' +
        ' FROM `db`.`t` WHERE `id` >= -9223372036854775808 AND `id` <= 9223372036854775807 GROUP BY 1 ORDER BY 1',
    );
    expect(histogramSql({ schema: 'db', name: 't' }, 'id', -5n, 994n, 100, '`kind` <> 3')).toBe(
      'SELECT (`id` - (-5)) DIV 10 AS `_dbferry_bucket`, COUNT(*), MIN(`id`), MAX(`id`) FROM `db`.`t`' +
        ' WHERE `id` >= -5 AND `id` <= 994 AND (`kind` <> 3) GROUP BY 1 ORDER BY 1',
    );
  });
});

describe('dense keys take equal key intervals', () => {
  it('calls keys dense only when the estimate covers 90% of the span', () => {
    expect(isDenseKey(1_000_000, 1n, 1_000_000n)).toBe(true);
    expect(isDenseKey(900_000, 1n, 1_000_000n)).toBe(true);
    expect(isDenseKey(899_999, 1n, 1_000_000n)).toBe(false);
    // 1…1000 then 10^12…: the skewed table of the live split test is not dense.
    expect(isDenseKey(150_000, 1n, 10n ** 12n + 149_000n)).toBe(false);
  });

  it('cuts [min, max] into equal intervals, exactly and across the signed 64-bit span', () => {
    expect(equalIntervalCuts(1n, 100n, 4)).toEqual([25n, 50n, 75n]);
    expect(equalIntervalCuts(1n, 3n, 8)).toEqual([1n, 2n]);
    const full = equalIntervalCuts(-(2n ** 63n), 2n ** 63n - 1n, 2);
    expect(full).toEqual([-1n]);
  });
});

describe('ResultBatches', () => {
  /** A query that emits rows as mysql2 does, and a connection that records pause/resume. */
  const setup = (batchRows: number) => {
    const query = new EventEmitter();
    const calls: string[] = [];
    let held: (() => void)[] = [];
    const connection = Object.assign(new EventEmitter(), {
      pause: () => calls.push('pause'),
      resume: () => {
        calls.push('resume');
        // mysql2 parses the packets it held while paused, which may pause it again.
        const now = held;
        held = [];
        now.forEach((emit) => emit());
      },
    });
    const cut = (rows: NeutralValue[][]): RowBatch => ({ columns: [], rows });
    const result = new ResultBatches(connection, query, (rows) => rows.length >= batchRows, cut);
    const row = (n: number) => query.emit('result', [n]);
    return { query, connection, calls, result, row, hold: (emit: () => void) => held.push(emit) };
  };

  it('cuts batches as rows arrive, pauses while two wait and resumes as they are taken, ends with the last part', async () => {
    const { query, calls, result, row } = setup(2);
    for (let n = 1; n <= 5; n++) row(n);
    query.emit('end');
    // 1-2 and 3-4 made two batches: paused once; 5 is the last part.
    expect(calls).toEqual(['pause']);
    const seen: number[][] = [];
    for await (const batch of result.batches()) seen.push(batch.rows.map((r) => r[0] as number));
    expect(seen).toEqual([[1, 2], [3, 4], [5]]);
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('waits for rows that arrive later, and parses held packets on resume', async () => {
    const { query, calls, result, row, hold } = setup(1);
    const batches = result.batches();
    const first = batches.next();
    row(1);
    row(2);
    expect(calls).toEqual(['pause']);
    hold(() => row(3));
    hold(() => query.emit('end'));
    expect((await first).value?.rows).toEqual([[1]]);
    const rest: NeutralValue[][] = [];
    for (let next = await batches.next(); !next.done; next = await batches.next()) rest.push(...next.value.rows);
    expect(rest).toEqual([[2], [3]]);
    expect(calls[1]).toBe('resume');
  });

  it('throws the query error, and a failure given first wins', async () => {
    const { query, result, row } = setup(10);
    row(1);
    result.fail(new Error('aborted'));
    query.emit('error', new Error('connection lost'));
    await expect(result.batches().next()).rejects.toThrow('aborted');
  });

  it('throws a connection lost mid-result, which mysql2 emits on the connection only; not one after the end', async () => {
    const lost = setup(10);
    lost.row(1);
    const pending = lost.result.batches().next();
    lost.connection.emit('error', new Error('Connection lost: The server closed the connection.'));
    await expect(pending).rejects.toThrow('Connection lost');

    const done = setup(10);
    done.row(1);
    done.query.emit('end');
    done.connection.emit('error', new Error('closed later'));
    const seen: NeutralValue[][] = [];
    for await (const batch of done.result.batches()) seen.push(...batch.rows);
    expect(seen).toEqual([[1]]);
  });
});
