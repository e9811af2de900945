import type { DataPlane, DialectName, NeutralColumn, NeutralValue } from '@dbferry/dialects-core';
import { incrementalBound, largestValue, LiteralError, type TablePlan } from '@dbferry/engine';
import { UsageError } from '../cli-error';

/**
 * The read window of one incremental table of a one-shot copy, as the summary and `--json`
 * report it (`tables[].watermark`).
 */
export interface TableWatermark {
  /** The source's incremental column. */
  column: string;
  /** Rows were read where `column >= since` (its neutral text); null: everything was read (the target held no value). */
  since: string | null;
  /** Where `since` came from: the target's largest value of the column, or `--since`. */
  from: 'target' | 'since-option';
}

export interface IncrementalWindow {
  /** The inclusive lower bound, in the source column's neutral form; absent: read everything. */
  since?: NeutralValue;
  watermark?: TableWatermark;
  /** Why an incremental table is read in full anyway. */
  note?: string;
}

/** A table that cannot be read incrementally as asked: it fails alone, like a plan error. */
class WindowError extends Error {
  readonly transient = false;
}

export interface WindowInput {
  plan: TablePlan;
  mode: 'full' | 'incremental';
  sourceDialect: DialectName;
  target: { dialect: DialectName; data: DataPlane };
  /** `--since`: the bound given on the command line, instead of the target's largest value. */
  since?: string;
}

/**
 * sling's incremental one-shot: a copy that keeps no watermark of its own takes it from the
 * target — the largest value of the incremental column its rows hold (largestValue, through the
 * target dialect's reader) — and reads from the source only the rows at or after it, upserted by
 * key. `>=`, not `>`: rows sharing the boundary value with the last one copied may have been
 * committed after that copy read (or changed at the same instant), and the upsert rewrites the
 * ones it had, so nothing is lost and nothing doubled. An empty or new target table reads
 * everything. The bound becomes the snapshot's read predicate through snapshotTable's `since`,
 * the same incremental predicate a server run reads with.
 */
export async function incrementalWindow(input: WindowInput): Promise<IncrementalWindow> {
  const { plan } = input;
  if (input.mode !== 'incremental') return {};
  const column = plan.incrementalColumn ? plan.columns.find((c) => c.name === plan.incrementalColumn) : undefined;
  if (!column) return { note: 'no incremental column (--incremental-column): read in full and upserted' };
  const source = `${plan.source.schema}.${plan.source.name}`;
  if (input.since !== undefined) {
    try {
      const since = incrementalBound(input.sourceDialect, column, input.since);
      return { since, watermark: { column: column.name, since: String(since), from: 'since-option' } };
    } catch (error) {
      if (error instanceof LiteralError) throw new UsageError(`--since: ${error.message} (${source}.${column.name} is ${column.type.kind})`);
      throw error;
    }
  }
  const full: IncrementalWindow = { watermark: { column: column.name, since: null, from: 'target' } };
  if (!plan.targetExists) return full;
  const largest = await largestValue(input.target.data, input.target.dialect, plan.target, await targetColumn(input, column));
  if (largest === null) return full;
  try {
    const since = incrementalBound(input.sourceDialect, column, largest);
    return { since, watermark: { column: column.name, since: String(since), from: 'target' } };
  } catch (error) {
    if (!(error instanceof LiteralError)) throw error;
    throw new WindowError(`the target's largest ${column.name} (${String(largest).slice(0, 60)}) cannot bound the source's ${column.name}: ${error.message}; give --since`);
  }
}

/** The incremental column as the target holds it (renamed by a transform, typed by the target). */
async function targetColumn(input: WindowInput, column: NeutralColumn): Promise<NeutralColumn> {
  const { plan } = input;
  const name = plan.transform ? plan.transform.unchanged[column.name] : column.name;
  const described = name === undefined ? undefined : (await input.target.data.introspector.describeTable(plan.target))?.columns.find((c) => c.name === name);
  if (!described) throw new WindowError(`the target ${plan.target.schema}.${plan.target.name} has no column ${name ?? column.name} to take the incremental watermark from`);
  return described;
}
