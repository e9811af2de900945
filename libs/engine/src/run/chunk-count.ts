/** A table is split for the slots only where each chunk still gets at least this many rows (below it, fixed per-chunk costs dominate). */
export const MIN_ROWS_PER_SLOT_CHUNK = 25_000;

/**
 * How many key ranges a table of about `rows` rows is split into: ⌈rows ÷ chunkRows⌉, but at
 * least one per slot that may copy them at once (`slots`, the worker's concurrency) when every
 * chunk still gets MIN_ROWS_PER_SLOT_CHUNK rows, so a table of chunkRows rows or fewer is not
 * copied by one slot while the others idle.
 */
export function chunkCount(rows: number, chunkRows: number, slots: number): number {
  const bySize = Math.max(1, Math.ceil(rows / chunkRows));
  const forSlots = Math.min(Math.max(1, Math.floor(slots)), Math.floor(rows / MIN_ROWS_PER_SLOT_CHUNK));
  return Math.max(bySize, forSlots);
}
