import {
  batchRowCount,
  type DataPlane,
  type DbError,
  type DialectName,
  isRowRejection,
  type KeyRange,
  type NeutralColumn,
  type NeutralValue,
  type RowBatch,
  RowCountMismatchError,
  sumValueLosses,
  type TableRef,
  type ValueLoss,
  type WriteMode,
} from '@dbferry/dialects-core';
import { encodeKey } from '../plan/key-codec';
import { keyInPredicate } from '../incremental/watermark';

export type JobWriteMode = 'insert' | 'upsert' | 'replace';

/**
 * How a keyed chunk is written so that a retried or duplicated chunk never duplicates rows:
 * `insert` and `replace` both replace the chunk's key range in one target transaction,
 * `upsert` upserts by key (and leaves target rows outside the source alone).
 */
export function chunkWriteMode(mode: JobWriteMode): WriteMode {
  return mode === 'upsert' ? 'upsert' : 'replace-range';
}

export interface CopyRangeInput {
  source: DataPlane;
  target: DataPlane;
  from: TableRef;
  to: TableRef;
  columns: NeutralColumn[];
  keyColumns: string[];
  where?: string;
  range?: KeyRange;
  mode: WriteMode;
  batchSize: number;
  /**
   * The target takes the rows in any order at the same speed (DialectCapabilities.unorderedWrites):
   * the copy's reads may then come in any order (ReadRequest.unordered). Each pass is one target
   * transaction, so the order never shows; key listings for isolating rejects stay ordered.
   */
  unordered?: boolean;
  /** The writer's NUL policy for PostgreSQL text (see WriteRequest.nul). */
  nul?: 'strip' | 'reject';
  /**
   * Rows the target rejects (a value too long, a NUL under 'reject', a NOT NULL or check
   * violation) are isolated and left out, up to this many; one more fails the copy with a
   * RejectLimitError. Absent, or a table without key columns: the first rejected row fails it.
   */
  rejectLimit?: number;
  signal?: AbortSignal;
  /**
   * The check that the target holds what was written (absent: none). `range`: the writer counts
   * the chunk's range on the target in its own transaction once the rows are in; replace-range
   * fails (and rolls back) unless the count is the rows written, upsert fails when the range holds
   * fewer rows than the source's range gave (more is fine: upsert leaves other target rows
   * alone). `keys`, for keys the two databases order differently (keyOrderAgrees): after the
   * commit, the target rows holding the keys written are counted, a lookup per KEY_LOOKUP keys,
   * and must be one per distinct key. Either failure is a RowCountMismatchError naming both
   * numbers; retrying cannot help. `stored`, for an insert into a range known to be empty (a
   * deferred key's first attempt): the database's own count of the rows it stored must be the
   * rows given, in the write's transaction (WriteRequest.verifyStored); nothing is read back.
   */
  verify?: 'range' | 'stored' | { keys: { dialect: DialectName; keyColumns: NeutralColumn[] } };
  /** Called after each batch is handed to the writer, with the rows read so far. */
  onBatch?: (rowsRead: number) => void;
  /** Sees each batch written for real (never a probe's): incremental runs track their watermark here. Must be idempotent. */
  onRows?: (batch: RowBatch) => void;
  /**
   * Column transforms (rename, exclude, set, mask): the target's columns and key by their target
   * names, and the function making each batch as read into the batch written (absent: the rows
   * pass unchanged, only names differ). Keys, rejects and `onRows` see the rows as read.
   */
  transform?: { columns: NeutralColumn[]; keyColumns: string[]; rows?: (batch: RowBatch) => RowBatch };
}

/** A source row the target refused, by key. */
export interface RejectedRow {
  /** One value per key column, as read from the source. */
  key: NeutralValue[];
  /** The column the database blamed, when it said. */
  column?: string;
  /** The database's reason, as the dialect sorted it. */
  error: string;
}

export interface CopyRangeResult {
  rowsRead: number;
  rowsWritten: number;
  /**
   * Value-level losses of the pass that was committed (reader's and writer's), summed per
   * (column, kind): a copy that wrote the range twice (after isolating rejects) reports the last
   * write only, so each count matches the rows now in the target.
   */
  warnings: ValueLoss[];
  /** Rows left out because the target refused them (empty when none). */
  rejects: RejectedRow[];
  /** Rolled-back probe writes spent isolating those rows (0 when the first write went through). */
  probes: number;
}

/** More rows were refused than the copy may leave out; `rejects` holds those found so far. */
export class RejectLimitError extends Error {
  readonly transient = false;
  constructor(
    readonly rejects: RejectedRow[],
    readonly limit: number,
    readonly last: DbError,
  ) {
    super(`more than ${limit} row(s) rejected by the target; the last: ${last.message}`);
    this.name = 'RejectLimitError';
  }
}

/** A later pass finding new bad rows means the source changed meanwhile; bounded all the same. */
const MAX_ISOLATION_PASSES = 3;
const KEY_BATCH = 10_000;
/** Keys per lookup when a `keys` check counts the target rows holding them. */
const KEY_LOOKUP = 500;

type RowFilter = (row: NeutralValue[]) => boolean;

interface Pass {
  rowsRead: number;
  rowsWritten: number;
  warnings: ValueLoss[];
}

/**
 * Streams one key range from source to target: the reader's batches go straight into the
 * writer's single transaction, so memory holds about one batch and a failure leaves the
 * target range as it was. When the target refuses some rows, they are found by bisecting the
 * range in rolled-back probe writes, then the range is written once more without them.
 */
export async function copyRange(input: CopyRangeInput): Promise<CopyRangeResult> {
  try {
    return { ...(await writePass(input, input.range, false)), rejects: [], probes: 0 };
  } catch (error) {
    const keyIndexes = input.keyColumns.map((k) => input.columns.findIndex((c) => c.name === k));
    if (input.rejectLimit === undefined || !isRowRejection(error) || !keyIndexes.length || keyIndexes.includes(-1)) throw error;
    return new Isolation(input, keyIndexes).run(error);
  }
}

/** One read of `range` from the source written to the target in one transaction, less the rows `keep` refuses. */
async function writePass(input: CopyRangeInput, range: KeyRange | undefined, rollback: boolean, keep?: RowFilter): Promise<Pass> {
  let rowsRead = 0;
  let rowsGiven = 0;
  const readerWarnings: ValueLoss[] = [];
  const verify = rollback ? undefined : input.verify;
  const keyCheck = verify && verify !== 'range' && verify !== 'stored' ? new WrittenKeys(input, verify.keys) : undefined;
  const mapRows = input.transform?.rows;
  const batches = input.source.reader.read({
    table: input.from,
    columns: input.columns,
    keyColumns: input.keyColumns,
    range,
    where: input.where,
    batchSize: input.batchSize,
    ...(input.unordered && { unordered: true }),
    // Rows the writer loads as the reader's bytes (a filter or a transform needs them decoded).
    ...(!keep && !mapRows && input.target.writer.nativeFormats && { nativeFormats: input.target.writer.nativeFormats }),
    signal: input.signal,
  });
  async function* counted(): AsyncGenerator<RowBatch> {
    for await (const batch of batches) {
      rowsRead += batchRowCount(batch);
      if (batch.warnings?.length) readerWarnings.push(...batch.warnings);
      // A filtered batch leaves its native rows behind: they would still hold the refused rows.
      const kept = keep ? { columns: batch.columns, rows: batch.rows.filter(keep), warnings: batch.warnings } : batch;
      rowsGiven += batchRowCount(kept);
      keyCheck?.add(kept.rows);
      if (!rollback) input.onRows?.(kept);
      yield mapRows ? mapRows(kept) : kept;
      if (!rollback) input.onBatch?.(rowsRead);
    }
  }
  const result = await input.target.writer.write(
    {
      table: input.to,
      columns: input.transform?.columns ?? input.columns,
      keyColumns: input.transform && input.keyColumns.length ? input.transform.keyColumns : input.keyColumns,
      mode: input.mode,
      range,
      nul: input.nul,
      rollback,
      verify: verify === 'range',
      ...(verify === 'stored' && { verifyStored: true }),
      signal: input.signal,
    },
    counted(),
  );
  if (verify === 'range' && input.mode === 'upsert' && result.rangeRows !== undefined && result.rangeRows < rowsGiven) {
    throw new RowCountMismatchError(
      rowsGiven,
      result.rangeRows,
      `the key range of ${input.to.schema}.${input.to.name} holds ${result.rangeRows} row(s) after the source's ${rowsGiven} were upserted into it`,
    );
  }
  await keyCheck?.check();
  return { rowsRead, rowsWritten: result.rowsWritten, warnings: sumValueLosses(readerWarnings, result.warnings) };
}

const tableLabel = (table: TableRef) => `${table.schema}.${table.name}`;

/** The distinct keys a pass wrote, counted back on the target after the commit (CopyRangeInput.verify `keys`). */
class WrittenKeys {
  private readonly keys = new Map<string, NeutralValue[]>();
  private readonly at: number[];

  constructor(
    private readonly input: CopyRangeInput,
    private readonly target: { dialect: DialectName; keyColumns: NeutralColumn[] },
  ) {
    this.at = input.keyColumns.map((k) => input.columns.findIndex((c) => c.name === k));
    if (this.at.includes(-1) || target.keyColumns.length !== this.at.length) throw new Error('a key check needs every key column among the columns written');
  }

  add(rows: NeutralValue[][]): void {
    for (const row of rows) {
      const key = this.at.map((i) => row[i] ?? null);
      this.keys.set(JSON.stringify(encodeKey(key)), key);
    }
  }

  async check(): Promise<void> {
    const keys = [...this.keys.values()];
    this.keys.clear();
    let found = 0;
    for (let i = 0; i < keys.length; i += KEY_LOOKUP) {
      this.input.signal?.throwIfAborted();
      const where = keyInPredicate(this.target.dialect, this.target.keyColumns, keys.slice(i, i + KEY_LOOKUP));
      for await (const batch of this.input.target.reader.read({
        table: this.input.to,
        columns: this.target.keyColumns,
        keyColumns: [],
        where,
        batchSize: KEY_LOOKUP,
        signal: this.input.signal,
      })) {
        found += batchRowCount(batch);
      }
    }
    if (found !== keys.length) {
      throw new RowCountMismatchError(
        keys.length,
        found,
        `${tableLabel(this.input.to)} holds ${found} row(s) with the ${keys.length} key(s) this chunk wrote, after the commit`,
      );
    }
  }
}

/**
 * Finds the refused rows of one range. The range's keys are listed (key columns only), then a
 * failing span of keys is halved until single rows remain: each probe writes its span's rows
 * exactly as the chunk would (same mode, its own key sub-range) and rolls back, so k bad rows
 * among n cost about k·log2(n) probes and the target is unchanged until the final write.
 */
class Isolation {
  private readonly rejects = new Map<string, RejectedRow>();
  private probes = 0;
  private keys: NeutralValue[][] = [];

  constructor(
    private readonly input: CopyRangeInput,
    private readonly keyIndexes: number[],
  ) {}

  async run(first: DbError): Promise<CopyRangeResult> {
    let failure = first;
    for (let pass = 1; ; pass++) {
      const before = this.rejects.size;
      this.keys = await this.listKeys();
      if (this.keys.length) await this.search(0, this.keys.length, failure, false);
      // No single row fails on its own (rows failing only together): nothing to leave out.
      if (this.rejects.size === before) throw failure;
      try {
        const written = await writePass(this.input, this.input.range, false, (row) => !this.rejects.has(this.keyText(row)));
        return { ...written, rejects: [...this.rejects.values()], probes: this.probes };
      } catch (error) {
        if (!isRowRejection(error) || pass >= MAX_ISOLATION_PASSES) throw error;
        failure = error;
      }
    }
  }

  private keyText(row: NeutralValue[]): string {
    return JSON.stringify(encodeKey(this.keyIndexes.map((i) => row[i] ?? null)));
  }

  private async listKeys(): Promise<NeutralValue[][]> {
    const keyColumns = this.keyIndexes.map((i) => this.input.columns[i] as NeutralColumn);
    const keys: NeutralValue[][] = [];
    const batches = this.input.source.reader.read({
      table: this.input.from,
      columns: keyColumns,
      keyColumns: this.input.keyColumns,
      range: this.input.range,
      where: this.input.where,
      batchSize: Math.max(this.input.batchSize, KEY_BATCH),
      signal: this.input.signal,
    });
    for await (const batch of batches) keys.push(...batch.rows);
    return keys;
  }

  /**
   * Isolates the bad rows among keys[lo, hi). `failure` is known for the span; `exact` says
   * whether it came from probing exactly this span (else it is inferred from the parent).
   */
  private async search(lo: number, hi: number, failure: DbError | null, exact: boolean): Promise<void> {
    if (!failure) {
      failure = await this.probe(lo, hi);
      exact = true;
      if (!failure) return;
    }
    if (hi - lo === 1) {
      // A row blamed only by inference must fail on its own to be rejected.
      const own = exact ? failure : await this.probe(lo, hi);
      if (own) this.reject(this.keys[lo] as NeutralValue[], own);
      return;
    }
    const mid = lo + Math.floor((hi - lo) / 2);
    const left = await this.probe(lo, mid);
    if (left) {
      await this.search(lo, mid, left, true);
      await this.search(mid, hi, null, false);
    } else {
      await this.search(mid, hi, failure, false);
    }
  }

  /** Writes the rows of keys[lo, hi) and rolls back: null when the target accepts them all. */
  private async probe(lo: number, hi: number): Promise<DbError | null> {
    this.input.signal?.throwIfAborted();
    this.probes++;
    const range: KeyRange = { lower: lo === 0 ? this.input.range?.lower : this.keys[lo - 1], upper: this.keys[hi - 1] };
    try {
      await writePass(this.input, range, true, (row) => !this.rejects.has(this.keyText(row)));
      return null;
    } catch (error) {
      if (isRowRejection(error)) return error;
      throw error;
    }
  }

  private reject(key: NeutralValue[], error: DbError): void {
    this.rejects.set(JSON.stringify(encodeKey(key)), { key, column: error.column, error: error.message });
    const limit = this.input.rejectLimit ?? 0;
    if (this.rejects.size > limit) throw new RejectLimitError([...this.rejects.values()], limit, error);
  }
}
