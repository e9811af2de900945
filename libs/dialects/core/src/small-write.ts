import { batchRowCount, type NeutralValue, type RowBatch } from './data-plane';

/**
 * Rows up to which a writer may skip its bulk path (staging table, COPY, merge) for one
 * parameterised multi-row statement: a replica-group write or an event is one row, and the
 * bulk path's fixed cost (catalogue query, temporary table, three statements) is most of it.
 */
export const SMALL_WRITE_ROWS = 50;

/** What `takeSmallWrite` found: every row (a small write), or the batches to stream unchanged. */
export type SmallWriteProbe = { small: true; rows: NeutralValue[][] } | { small: false; batches: AsyncIterable<RowBatch> };

/**
 * Reads batches until they hold more than `limit` rows or end. A write of at most `limit` rows
 * is answered with its rows; a larger one with an iterable that yields the batches already read
 * and then the rest, so nothing is read twice or lost. Lazy rows are decoded only for a small write.
 */
export async function takeSmallWrite(batches: AsyncIterable<RowBatch>, limit: number = SMALL_WRITE_ROWS): Promise<SmallWriteProbe> {
  const iterator = batches[Symbol.asyncIterator]();
  const held: RowBatch[] = [];
  let count = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    held.push(next.value);
    count += batchRowCount(next.value);
    if (count > limit) {
      return {
        small: false,
        batches: (async function* () {
          yield* held;
          for (;;) {
            const more = await iterator.next();
            if (more.done) return;
            yield more.value;
          }
        })(),
      };
    }
  }
  return { small: true, rows: held.flatMap((b) => b.rows) };
}
