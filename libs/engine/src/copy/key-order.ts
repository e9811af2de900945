import type { DataPlane, NeutralColumn, NeutralKind } from '@dbferry/dialects-core';

/**
 * Kinds compared the same way in the neutral order (NEUTRAL_KEY_ORDER_KINDS): an int32 key
 * copied into a decimal column still sorts by value, a timestamp into a timestamptz by time.
 */
const ORDER_FAMILY: Partial<Record<NeutralKind, string>> = {
  int8: 'number', int16: 'number', int32: 'number', int64: 'number',
  uint8: 'number', uint16: 'number', uint32: 'number', uint64: 'number', decimal: 'number',
  uuid: 'uuid',
  binary: 'bytes', blob: 'bytes',
  date: 'date',
  timestamp: 'time', timestamptz: 'time',
};

/**
 * Whether a key range cut in the source's order is the same set of keys in the target's order:
 * both data planes declare every key column's kind as ordered neutrally (DataPlane
 * .orderedKeyKinds), and each target key column sorts in the same family as its source column.
 * Only then may a chunk delete its range on the target (replace-range) and count it there.
 * `targetKeys` are the target table's own key columns when it exists (a column of another
 * type than planned sorts as its own type), else the planned ones.
 */
export function keyOrderAgrees(source: Pick<DataPlane, 'orderedKeyKinds'>, target: Pick<DataPlane, 'orderedKeyKinds'>, sourceKeys: NeutralColumn[], targetKeys: NeutralColumn[]): boolean {
  if (sourceKeys.length === 0 || sourceKeys.length !== targetKeys.length) return false;
  const sourceKinds = new Set(source.orderedKeyKinds ?? []);
  const targetKinds = new Set(target.orderedKeyKinds ?? []);
  return sourceKeys.every((column, i) => {
    const other = targetKeys[i] as NeutralColumn;
    const family = ORDER_FAMILY[column.type.kind];
    return (
      family !== undefined &&
      family === ORDER_FAMILY[other.type.kind] &&
      sourceKinds.has(column.type.kind) &&
      targetKinds.has(other.type.kind)
    );
  });
}
