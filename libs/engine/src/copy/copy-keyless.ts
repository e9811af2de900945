import type { DialectName, NeutralColumn, TableRef } from '@dbferry/dialects-core';
import { sqlStyleOf } from '../dialect-sql';
import { copyRange, CopyRangeInput, CopyRangeResult } from './copy-range';

export interface KeylessCopyInput extends Omit<CopyRangeInput, 'range' | 'mode' | 'keyColumns' | 'rejectLimit'> {
  targetDialect: DialectName;
  /** Unique per run table (e.g. its id), so a retry finds and drops its own leftover. */
  stagingTag: string;
}

/**
 * The statements of a keyless copy, in order, each inner list run by one `execute`; the
 * dialect's SqlStyle.staging says how it swaps atomically.
 */
export function keylessSwapSql(dialect: DialectName, qualify: (t: TableRef) => string, to: TableRef, tag: string, columns: NeutralColumn[]) {
  const short = tag.replace(/[^0-9a-z]/gi, '').slice(0, 12).toLowerCase();
  const stage: TableRef = { schema: to.schema, name: `dbferry_stage_${short}` };
  const old: TableRef = { schema: to.schema, name: `dbferry_old_${short}` };
  const sql = sqlStyleOf(dialect);
  const style = sql.staging;
  const list = columns.map((c) => sql.quoteIdent(c.name)).join(', ');
  return {
    stage,
    dropLeftovers: [style.drop(qualify(stage)), ...(style.leavesOldTable ? [style.drop(qualify(old))] : [])],
    createLike: style.createLike?.(qualify(stage), qualify(to)),
    swap: style.swap(qualify(to), qualify(stage), qualify(old), list),
  };
}

/**
 * A table without a usable key cannot be split or resumed part-way, so it is copied whole into
 * a fresh staging table beside the target (a retry drops a leftover one and starts again) and
 * swapped in at the end: the target keeps its old rows, untouched, until the new set is
 * complete, then changes in one step.
 */
export async function copyKeyless(input: KeylessCopyInput): Promise<CopyRangeResult> {
  const { target } = input;
  const columns = input.transform?.columns ?? input.columns;
  const sql = keylessSwapSql(input.targetDialect, (t) => target.ddl.qualify(t), input.to, input.stagingTag, columns);
  await target.execute(sql.dropLeftovers);
  if (sql.createLike) await target.execute([sql.createLike]);
  else await target.execute(target.ddl.createTable(sql.stage, { columns, primaryKey: [], indexes: [] }).statements);
  try {
    const result = await copyRange({ ...input, to: sql.stage, keyColumns: [], mode: 'insert' });
    for (const statements of sql.swap) await target.execute(statements);
    return result;
  } catch (error) {
    await target.execute(sql.dropLeftovers).catch(() => undefined);
    throw error;
  }
}
