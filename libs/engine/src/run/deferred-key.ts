import { type DataPlane, DbError, RowCountMismatchError, type TableRef } from '@dbferry/dialects-core';
import type { TableSnapshot } from './table-snapshot';

/** The primary key a run deferred could not be built (duplicate keys, a table gone): retrying never helps. */
export class DeferredKeyError extends Error {
  readonly transient = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeferredKeyError';
  }
}

export interface DeferredKeyOutcome {
  /** False when the key was there already (a finish-run retried after it was built). */
  built: boolean;
  /** The table's row count after the key exists, when a count was asked for. */
  rows?: number;
}

/**
 * Whether a copy may create its tables without their key and build it after the load
 * (PlanOptions.deferKeys): a full copy that replaces key ranges never needs the key while loading;
 * an upsert matches rows by it, an incremental run reads and writes into a loaded table.
 */
export function defersKeys(copy: { mode: string; writeMode: string }): boolean {
  return copy.mode === 'full' && copy.writeMode !== 'upsert';
}

/**
 * Builds a bare table's deferred key now, when the catalogue shows the table without a primary
 * key (an empty table a plan created and could not carry further); true when it was built.
 */
export async function keyBareTable(target: DataPlane, table: TableRef, statements: string[]): Promise<boolean> {
  const described = await target.introspector.describeTable(table);
  if (!described || described.primaryKey.length || !statements.length) return false;
  await target.execute(statements);
  return true;
}

const label = (snapshot: TableSnapshot) => `${snapshot.target.table.schema}.${snapshot.target.table.name}`;

/**
 * Builds the primary key and indexes a run created its table without (TableSnapshot.deferredKey),
 * once its chunks are done, then, with `expectedRows` (the rows the run wrote into the table),
 * counts the table once: any other count fails. Idempotent: the catalogue is read first, and a
 * key already there (a finish-run retried after a crash between the build and the run's
 * settlement) is not built again, only counted. The statements run in one transaction
 * (deferredKeyBuild dialects have transactional DDL), so the key and the indexes come together.
 * Duplicate keys fail with a DeferredKeyError naming the table; transient errors are thrown as
 * they are, for a retry.
 */
export async function buildDeferredKey(snapshot: TableSnapshot, target: DataPlane, expectedRows?: number): Promise<DeferredKeyOutcome> {
  const deferred = snapshot.deferredKey;
  if (!deferred) return { built: false };
  const table = snapshot.target.table;
  const described = await target.introspector.describeTable(table);
  if (!described) throw new DeferredKeyError(`${label(snapshot)} is gone: its primary key (${snapshot.targetKeyColumns.map((k) => k.name).join(', ')}) was never built`);
  let built = false;
  if (described.primaryKey.length === 0) {
    try {
      await target.execute(deferred.statements);
      built = true;
    } catch (error) {
      if (error instanceof DbError && error.transient) throw error;
      // The driver's own detail names the duplicated key (PostgreSQL: "Key (id)=(7) is duplicated.").
      const said = (error as { cause?: { detail?: unknown } }).cause?.detail;
      const reason = (error instanceof Error ? error.message : String(error)) + (typeof said === 'string' ? ` (${said})` : '');
      throw new DeferredKeyError(
        `the primary key (${snapshot.targetKeyColumns.map((k) => k.name).join(', ')}) of ${label(snapshot)} could not be built after the load, the table is left without it: ${reason}`,
        { cause: error },
      );
    }
  }
  if (expectedRows === undefined) return { built };
  if (!target.reader.countRows) throw new DeferredKeyError(`${label(snapshot)}: the target dialect cannot count a table, which a deferred key's check needs`);
  const rows = await target.reader.countRows(table);
  if (rows !== expectedRows) {
    throw new RowCountMismatchError(expectedRows, rows, `${label(snapshot)} holds ${rows} row(s) once keyed, but the run wrote ${expectedRows} into the table it created`);
  }
  return { built, rows };
}
