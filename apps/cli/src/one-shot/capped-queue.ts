/**
 * The chunks of a one-shot copy, handed to its slots in order except that a table with a cap of
 * its own (TableSnapshot.target.loadWriters) never has more than that many chunks out at once: a
 * slot then takes the next chunk of another table, or waits until a chunk is given back.
 */
export class CappedQueue<T extends { table: number }> {
  private readonly items: T[];
  private readonly out = new Map<number, number>();
  private waiting: (() => void)[] = [];

  constructor(
    items: readonly T[],
    private readonly capOf: (table: number) => number | undefined,
  ) {
    this.items = [...items];
  }

  /** The next chunk a slot may copy now, waiting while every one left belongs to a table at its cap; undefined when none is left. */
  async take(): Promise<T | undefined> {
    for (;;) {
      if (!this.items.length) return undefined;
      const at = this.items.findIndex((item) => {
        const cap = this.capOf(item.table);
        return cap === undefined || (this.out.get(item.table) ?? 0) < cap;
      });
      if (at >= 0) {
        const [item] = this.items.splice(at, 1) as [T];
        this.out.set(item.table, (this.out.get(item.table) ?? 0) + 1);
        return item;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** A chunk taken is done with (copied, failed or skipped): its table's place is free again. */
  giveBack(item: T): void {
    this.out.set(item.table, Math.max(0, (this.out.get(item.table) ?? 0) - 1));
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }
}
