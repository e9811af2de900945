import type { DataPlane, NeutralColumn, NeutralValue } from '@dbferry/dialects-core';
import { keyInPredicate } from '../incremental/watermark';
import { decodeKey, type EncodedValue, encodeValue } from '../plan/key-codec';
import { comparatorsFor, type DiffSide, type DiffSnapshot, REFERENCE_SIDE } from './diff-segment';
import { keyText } from './row-compare';

/** A row as JSON: column → value in the lossless encoding of the key codec (bigint → {$int}, bytes → {$bytes}). */
export type JsonRow = Record<string, EncodedValue>;

/** Keys per `key IN (…)` read. */
const BATCH = 500;

/** A key value spelled for the kind of the column it is looked up in (the same value). */
function asLiteralValue(column: NeutralColumn, value: NeutralValue): NeutralValue {
  if (value === null) return null;
  switch (column.type.kind) {
    case 'timestamp':
      return String(value).replace(/(Z|[+-]00(:?00)?)$/, '');
    case 'timestamptz':
      return /[+-]\d\d:\d\d$/.test(String(value)) ? String(value) : `${String(value)}+00:00`;
    case 'bool':
      return typeof value === 'boolean' ? value : Number(value) !== 0;
    case 'string': case 'char': case 'text': case 'enum': case 'uuid':
      return typeof value === 'string' ? value : String(value);
    default:
      return typeof value === 'boolean' ? (value ? 1 : 0) : value;
  }
}

export interface RowsByKeyInput {
  snapshot: DiffSnapshot;
  /** The side to read: REFERENCE_SIDE or another connection's id. */
  side: string;
  plane: DataPlane;
  /** Keys in the lossless codec. */
  keys: EncodedValue[][];
  /** Which side the keys' values were read from (an 'extra' key comes from the other connection), for matching by comparison text. */
  keysFrom: string;
  signal?: AbortSignal;
}

/**
 * Each key's row on one side of a diff (null where that side lacks it), read in batches of
 * `key IN (…)` under the side's filter and matched to the keys by the diff's comparison text,
 * as the diff matched them. For a diff's samples and its rows page.
 */
export async function rowsByKey(input: RowsByKeyInput): Promise<(JsonRow | null)[]> {
  const { snapshot } = input;
  const reading = input.side === REFERENCE_SIDE;
  const side: DiffSide = reading ? snapshot.reference : (snapshot.others.find((o) => o.connectionId === input.side) as DiffSide);
  if (!side) throw new Error(`connection ${input.side} is not part of this diff`);
  // Comparison text needs a pair: the reference against the named other (or the first other, reading the reference).
  const pairId = input.side !== REFERENCE_SIDE ? input.side : input.keysFrom !== REFERENCE_SIDE ? input.keysFrom : snapshot.others[0]?.connectionId;
  const pair = snapshot.others.find((o) => o.connectionId === pairId) ?? snapshot.others[0];
  const comparators = comparatorsFor(snapshot, pair).slice(0, snapshot.keyCount);
  const keyColumns = side.columns.slice(0, snapshot.keyCount);
  const found = new Map<string, NeutralValue[]>();
  const decoded = input.keys.map((k) => decodeKey(k) as NeutralValue[]);
  for (let i = 0; i < decoded.length; i += BATCH) {
    const batch = decoded.slice(i, i + BATCH);
    const predicate = keyInPredicate(side.dialect, keyColumns, batch.map((k) => k.map((v, j) => asLiteralValue(keyColumns[j], v))));
    const where = side.where !== undefined ? `(${side.where}) AND ${predicate}` : predicate;
    const request = { table: side.table, columns: side.columns, keyColumns: keyColumns.map((c) => c.name), where, batchSize: BATCH, ...(input.signal && { signal: input.signal }) };
    for await (const rows of input.plane.reader.read(request)) {
      for (const row of rows.rows) found.set(keyText(comparators, row.slice(0, snapshot.keyCount), reading ? 'ref' : 'other'), row);
    }
  }
  return decoded.map((key) => {
    const row = found.get(keyText(comparators, key, input.keysFrom === REFERENCE_SIDE ? 'ref' : 'other'));
    return row ? Object.fromEntries(side.columns.map((c, i) => [c.name, encodeValue(row[i])])) : null;
  });
}
