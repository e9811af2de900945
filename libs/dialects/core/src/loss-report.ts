/**
 * Value-level losses met while reading or writing rows, counted per (column, kind) so that a
 * run report can sum them over batches and chunks: the counts are data, the sentence shown to
 * a person is made from the summed count at the end (`describeValueLoss`).
 */
export type ValueLossKind =
  /** A MySQL zero date ('0000-00-00', or a zero month or day) read as NULL. */
  | 'zero-date'
  /** U+0000 removed from a text value bound for PostgreSQL (nul: 'strip'). */
  | 'nul-stripped'
  /** An empty string or binary written as NULL (Oracle stores '' as NULL). */
  | 'empty-as-null'
  /** A NaN float written as NULL (SQLite has no NaN). */
  | 'nan-as-null'
  /** A time or timestamp whose fractional-second digits beyond the target's precision were cut. */
  | 'fractional-seconds-truncated';

export interface ValueLoss {
  column: string;
  kind: ValueLossKind;
  /** Values affected. */
  count: number;
}

/** Sums counts per (column, kind), in order of first appearance. */
export function sumValueLosses(...lists: (readonly ValueLoss[] | undefined)[]): ValueLoss[] {
  const sums = new Map<string, ValueLoss>();
  for (const list of lists) {
    for (const loss of list ?? []) {
      if (!loss.count) continue;
      const key = `${loss.kind}\u0000${loss.column}`;
      const held = sums.get(key);
      if (held) held.count += loss.count;
      else sums.set(key, { column: loss.column, kind: loss.kind, count: loss.count });
    }
  }
  return [...sums.values()];
}

/** Counts value losses as they happen; `list()` gives one entry per (column, kind). */
export class ValueLossCounter {
  private readonly counts = new Map<string, ValueLoss>();

  add(column: string, kind: ValueLossKind, count = 1): void {
    const key = `${kind}\u0000${column}`;
    const held = this.counts.get(key);
    if (held) held.count += count;
    else this.counts.set(key, { column, kind, count });
  }

  list(): ValueLoss[] {
    return [...this.counts.values()].map((l) => ({ ...l }));
  }

  /** The counts so far, then starts again from zero. */
  take(): ValueLoss[] {
    const list = this.list();
    this.counts.clear();
    return list;
  }
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** The run report's sentence for a summed count, e.g. "orders.created_at: 3 zero dates ('0000-00-00') became NULL". */
export function describeValueLoss(loss: ValueLoss, table?: string): string {
  const where = table ? `${table}.${loss.column}` : loss.column;
  switch (loss.kind) {
    case 'zero-date':
      return `${where}: ${plural(loss.count, 'zero date')} ('0000-00-00') became NULL`;
    case 'nul-stripped':
      return `${where}: NUL characters (U+0000) removed from ${plural(loss.count, 'value')}; PostgreSQL text cannot hold them`;
    case 'empty-as-null':
      return `${where}: ${plural(loss.count, 'empty value')} written as NULL (Oracle stores '' as NULL)`;
    case 'nan-as-null':
      return `${where}: ${plural(loss.count, 'NaN value')} stored as NULL (SQLite has no NaN)`;
    case 'fractional-seconds-truncated':
      return `${where}: ${plural(loss.count, 'value')} truncated to the fractional-second digits the target keeps`;
  }
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * A time or timestamp text ('…HH:MM:SS.fffffffff[offset]') with its fraction cut to `digits`
 * (never rounded: a cut value never moves into the next second, day or year, and 9999-12-31
 * 23:59:59.9999999 stays in range). Returns the same string when nothing is cut or the text
 * has no fraction; trailing zeros beyond `digits` are not a loss and are dropped silently.
 * `changed` says whether a non-zero digit went.
 */
export function truncateFraction(text: string, digits: number): { text: string; changed: boolean } {
  // The fraction follows the seconds: the first '.' after a 'HH:MM:SS'.
  const dot = text.indexOf('.', 7);
  if (dot < 0 || text.charCodeAt(dot - 3) !== 58 || !isDigit(text.charCodeAt(dot - 1))) return { text, changed: false };
  let end = dot + 1;
  while (end < text.length && isDigit(text.charCodeAt(end))) end++;
  if (end - dot - 1 <= digits) return { text, changed: false };
  const keep = dot + 1 + digits;
  let changed = false;
  for (let i = keep; i < end; i++) if (text.charCodeAt(i) !== 48) changed = true;
  return { text: text.slice(0, digits === 0 ? dot : keep) + text.slice(end), changed };
}
