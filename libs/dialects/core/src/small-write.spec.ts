import type { NeutralColumn, RowBatch } from './data-plane';
import { takeSmallWrite } from './small-write';

const columns: NeutralColumn[] = [{ name: 'id', type: { kind: 'int32' }, nativeType: 'int', nullable: false }];

function source(sizes: number[], pulled: { n: number }): AsyncIterable<RowBatch> {
  return (async function* () {
    let id = 0;
    for (const size of sizes) {
      pulled.n += 1;
      yield { columns, rows: Array.from({ length: size }, () => [++id]) };
    }
  })();
}

async function ids(batches: AsyncIterable<RowBatch>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const batch of batches) out.push(...batch.rows.map((r) => r[0]));
  return out;
}

describe('takeSmallWrite', () => {
  it('answers a write of up to the limit with all its rows, in order', async () => {
    const probe = await takeSmallWrite(source([2, 0, 3], { n: 0 }), 5);
    expect(probe).toEqual({ small: true, rows: [[1], [2], [3], [4], [5]] });
    expect(await takeSmallWrite(source([], { n: 0 }), 5)).toEqual({ small: true, rows: [] });
  });

  it('stops reading past the limit and hands back every batch once, the ones read first', async () => {
    const pulled = { n: 0 };
    const probe = await takeSmallWrite(source([3, 3, 4, 1], pulled), 5);
    expect(probe.small).toBe(false);
    expect(pulled.n).toBe(2);
    if (probe.small) throw new Error('unreachable');
    expect(await ids(probe.batches)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(pulled.n).toBe(4);
  });

  it('counts lazy batches by rowCount without decoding them', async () => {
    const lazy: RowBatch = {
      columns,
      rowCount: 60,
      get rows(): never {
        throw new Error('decoded');
      },
    };
    const probe = await takeSmallWrite((async function* () { yield lazy; })(), 50);
    expect(probe.small).toBe(false);
  });
});
