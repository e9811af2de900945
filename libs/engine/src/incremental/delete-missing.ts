import { normalizeValue } from '@dbferry/dialects-core';
import type { DataPlane, DialectName, KeyRange, NeutralColumn, NeutralValue, TableRef } from '@dbferry/dialects-core';
import { sqlStyleOf } from '../dialect-sql';
import { keyInPredicate } from './watermark';

export interface DeleteMissingSide {
  dialect: DialectName;
  data: DataPlane;
  table: TableRef;
  /** The key columns as this side describes them, in key order. */
  keyColumns: NeutralColumn[];
}

export interface DeleteMissingInput {
  /** `where` is the job's own filter: a target row whose source row no longer matches it goes too. */
  source: DeleteMissingSide & { where?: string };
  target: DeleteMissingSide;
  /** One chunk's key range; the source's bounds, applied on both sides. */
  range?: KeyRange;
  batchSize: number;
  /** Keys per source lookup and per DELETE statement. */
  lookupSize?: number;
  signal?: AbortSignal;
}

const keyText = (columns: NeutralColumn[], key: NeutralValue[]) => JSON.stringify(key.map((v, i) => normalizeValue(columns[i].type, v)));

/**
 * Removes the target rows of one key range whose keys no longer exist at the source: the
 * range's source keys are held as a set (one chunk's worth, never the table's), the target's
 * keys in the same range are streamed against it, and every candidate is confirmed absent by a
 * lookup on the source before it is deleted, so a difference in how the two databases order or
 * spell a key can cost a lookup but never delete a row the source has. Idempotent.
 */
export async function deleteMissingInRange(input: DeleteMissingInput): Promise<number> {
  const { source, target } = input;
  const lookupSize = input.lookupSize ?? 500;
  const sourceKeys = new Set<string>();
  for await (const batch of source.data.reader.read({
    table: source.table,
    columns: source.keyColumns,
    keyColumns: source.keyColumns.map((c) => c.name),
    range: input.range,
    where: source.where,
    batchSize: input.batchSize,
    signal: input.signal,
  })) {
    for (const row of batch.rows) sourceKeys.add(keyText(source.keyColumns, row));
  }

  // The target's read ends before anything is deleted: SQLite (and a one-connection target)
  // cannot write while its own read is open. Candidates are bounded by one range's rows.
  const candidates: NeutralValue[][] = [];
  for await (const batch of target.data.reader.read({
    table: target.table,
    columns: target.keyColumns,
    keyColumns: target.keyColumns.map((c) => c.name),
    range: input.range,
    batchSize: input.batchSize,
    signal: input.signal,
  })) {
    for (const row of batch.rows) {
      if (!sourceKeys.has(keyText(target.keyColumns, row))) candidates.push(row);
    }
  }
  sourceKeys.clear();

  let deleted = 0;
  for (let i = 0; i < candidates.length; i += lookupSize) {
    const batch = candidates.slice(i, i + lookupSize);
    const present = new Set<string>();
    const lookup = keyInPredicate(source.dialect, source.keyColumns, batch);
    for await (const found of source.data.reader.read({
      table: source.table,
      columns: source.keyColumns,
      keyColumns: [],
      where: source.where ? `(${source.where}) AND ${lookup}` : lookup,
      batchSize: lookupSize,
      signal: input.signal,
    })) {
      for (const row of found.rows) present.add(keyText(source.keyColumns, row));
    }
    const gone = batch.filter((key) => !present.has(keyText(source.keyColumns, key)));
    if (!gone.length) continue;
    await target.data.execute([sqlStyleOf(target.dialect).deleteWhere(target.data.ddl.qualify(target.table), keyInPredicate(target.dialect, target.keyColumns, gone))]);
    deleted += gone.length;
  }
  return deleted;
}

