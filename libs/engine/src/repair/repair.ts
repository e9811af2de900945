import type { DataPlane, DialectName, NeutralColumn, NeutralValue, RowBatch } from '@dbferry/dialects-core';
import { emptyTextIsNull } from '@dbferry/dialects';
import { sqlStyleOf } from '../dialect-sql';
import type { DiffSide, DiffSnapshot } from '../diff/diff-segment';
import { type ColumnComparator, columnComparator, differingColumns, keyText } from '../diff/row-compare';
import { compareIncremental } from '../incremental/watermark';
import { keyInPredicate } from '../incremental/watermark';
import { decodeValue, type EncodedValue, encodeValue } from '../plan/key-codec';

/**
 * Repair (issue 12): for a set of keys of one table held on several connections, decide per key
 * which row is right (the rule) and what each target needs to hold it: an upsert of the winning
 * row, a delete (the winner has no row, and `deleteExtra`), or nothing (the target already equals
 * the winner by the diff's comparison rules, so applying twice changes nothing). The plan is
 * plain JSON, stored, applied per segment in one target transaction, and rendered as SQL.
 */

/** Which row wins: a chosen connection's, the one with the largest `column` value, or the one most connections hold. */
export type RepairRule = { kind: 'source'; connectionId: string } | { kind: 'newest'; column: string } | { kind: 'majority' };

/** Everything a repair reads and writes, frozen when it is planned (plain JSON). */
export interface RepairSnapshot {
  v: 1;
  /** Every connection the rule reads, columns aligned (keys first) as a diff's sides are; sides[0] is the base of comparisons. */
  sides: DiffSide[];
  keyCount: number;
  rule: RepairRule;
  /** Connection ids written (each one of `sides`). */
  targets: string[];
  deleteExtra: boolean;
}

/** A row value as JSON: the key codec's form, with a float's NaN and ±Infinity as {"$float": "NaN"}. */
export type RowValue = EncodedValue | { $float: string } | RowValue[];

export function encodeRowValue(value: NeutralValue): RowValue {
  if (typeof value === 'number' && !Number.isFinite(value)) return { $float: String(value) };
  if (Array.isArray(value)) return value.map(encodeRowValue);
  return encodeValue(value);
}

export function decodeRowValue(value: RowValue): NeutralValue {
  if (Array.isArray(value)) return value.map(decodeRowValue);
  if (value !== null && typeof value === 'object' && '$float' in value) return Number(value.$float);
  return decodeValue(value as EncodedValue);
}

export type RepairAction =
  /** `row`: the winner's values (connection `from`), in the snapshot's column order; `key` in the target's terms where it has the row. */
  | { kind: 'upsert'; key: EncodedValue[]; row: RowValue[]; from: string }
  /** `key`: the target's own key values. */
  | { kind: 'delete'; key: EncodedValue[] };

export interface RepairKeyPlan {
  /** Per target: what it needs (targets already equal to the winner have nothing). */
  actions: Record<string, RepairAction[]>;
  /** Keys no rule could settle (a majority tie): left as they are, per target. */
  unresolved: Record<string, EncodedValue[][]>;
}

/** A repair request the sides cannot satisfy: names the field. */
export class RepairPlanError extends Error {
  readonly transient = false;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'RepairPlanError';
  }
}

/** Keys per `key IN (…)` read, per segment applied and per statement rendered. */
export const REPAIR_BATCH = 500;
const READ_BATCH = 5000;

const findColumn = (columns: NeutralColumn[], name: string) => columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());

/** The repair's snapshot from a diff's: the reference and the others become its sides; the rule and targets are checked against them. */
export function repairSnapshotFrom(diff: DiffSnapshot, rule: RepairRule, targets: string[], deleteExtra: boolean): RepairSnapshot {
  const sides = [diff.reference, ...diff.others];
  const ids = sides.map((s) => s.connectionId);
  if (!targets.length) throw new RepairPlanError('targetIds', 'targetIds must name at least one connection');
  for (const t of targets) if (!ids.includes(t)) throw new RepairPlanError('targetIds', `connection ${t} is not one of the compared connections (${ids.join(', ')})`);
  if (new Set(targets).size !== targets.length) throw new RepairPlanError('targetIds', 'targetIds names a connection twice');
  if (rule.kind === 'source') {
    if (!ids.includes(rule.connectionId)) throw new RepairPlanError('sourceId', `connection ${rule.connectionId} is not one of the compared connections`);
    if (targets.includes(rule.connectionId)) throw new RepairPlanError('targetIds', 'the source cannot also be a target');
  }
  if (rule.kind === 'newest') {
    const column = findColumn(diff.reference.columns, rule.column);
    if (!column) throw new RepairPlanError('rule.column', `column ${rule.column} is not one of the compared columns`);
    rule = { kind: 'newest', column: column.name };
  }
  if (rule.kind === 'majority' && sides.length < 3) throw new RepairPlanError('rule', 'a majority needs at least three connections');
  return { v: 1, sides, keyCount: diff.keyCount, rule, targets, deleteExtra };
}

function sideOf(snapshot: RepairSnapshot, id: string): { side: DiffSide; index: number } {
  const index = snapshot.sides.findIndex((s) => s.connectionId === id);
  if (index < 0) throw new RepairPlanError('targetIds', `connection ${id} is not part of this repair`);
  return { side: snapshot.sides[index], index };
}

const traits = (a: DialectName, b: DialectName) => ({ refEmptyTextIsNull: emptyTextIsNull(a), otherEmptyTextIsNull: emptyTextIsNull(b) });

/** Comparators of every column from side `a`'s values to side `b`'s. */
function comparators(a: DiffSide, b: DiffSide): ColumnComparator[] {
  return a.columns.map((c, i) => columnComparator(c, b.columns[i], traits(a.dialect, b.dialect)));
}

/** A key value in the form the side's column takes as a literal (the same value, spelled for its kind). */
function asLookupValue(column: NeutralColumn, value: NeutralValue): NeutralValue {
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
    case 'int8': case 'int16': case 'int32': case 'int64': case 'uint8': case 'uint16': case 'uint32': case 'uint64': case 'decimal':
      return typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'number' || typeof value === 'bigint' ? String(value) : value;
    default:
      return value;
  }
}

/** The rows of `side` whose keys are `keys` (any side's values), read with `key IN (…)` literals of the side's own dialect. */
export async function readRowsByKey(plane: DataPlane, side: DiffSide, keyCount: number, keys: NeutralValue[][], signal?: AbortSignal): Promise<NeutralValue[][]> {
  const keyColumns = side.columns.slice(0, keyCount);
  const rows: NeutralValue[][] = [];
  for (let i = 0; i < keys.length; i += REPAIR_BATCH) {
    const batch = keys.slice(i, i + REPAIR_BATCH);
    const predicate = keyInPredicate(side.dialect, keyColumns, batch.map((k) => k.map((v, j) => asLookupValue(keyColumns[j], v))));
    const where = side.where !== undefined ? `(${side.where}) AND ${predicate}` : predicate;
    const request = { table: side.table, columns: side.columns, keyColumns: keyColumns.map((c) => c.name), where, batchSize: READ_BATCH, ...(signal && { signal }) };
    for await (const read of plane.reader.read(request)) for (const row of read.rows) rows.push(row);
  }
  return rows;
}

/** What one key looks like across the sides, and the rule's verdict. */
interface KeyVerdict {
  /** Each side's row (by side index), null where it has none. */
  rows: (NeutralValue[] | null)[];
  /** The winning side's index; null when the winner is "no row"; 'tie' when the rule cannot decide. */
  winner: number | null | 'tie';
}

/** Reads every side's rows for `keys` and applies the rule per key. */
async function judge(snapshot: RepairSnapshot, keys: NeutralValue[][], planes: Record<string, DataPlane>, signal?: AbortSignal): Promise<KeyVerdict[]> {
  const k = snapshot.keyCount;
  const base = snapshot.sides[0];
  const toBase = snapshot.sides.map((s) => comparators(base, s));
  const baseKey = (key: NeutralValue[]) => keyText(toBase[0].slice(0, k), key, 'ref');
  // Each side's rows keyed by the comparison text of the pair (base, side): a key's text on both ends of one comparator.
  const found = await Promise.all(
    snapshot.sides.map(async (side, i) => {
      const plane = planes[side.connectionId];
      if (!plane) throw new Error(`no open data plane for connection ${side.connectionId}`);
      const rows = await readRowsByKey(plane, side, k, keys, signal);
      return new Map(rows.map((row) => [keyText(toBase[i].slice(0, k), row.slice(0, k), i === 0 ? 'ref' : 'other'), row]));
    }),
  );
  const seen = new Set<string>();
  const verdicts: KeyVerdict[] = [];
  for (const key of keys) {
    const text = baseKey(key);
    if (seen.has(text)) continue;
    seen.add(text);
    const rows = found.map((m, i) => m.get(keyText(toBase[i].slice(0, k), key, 'ref')) ?? null);
    verdicts.push({ rows, winner: decide(snapshot, rows, toBase) });
  }
  return verdicts;
}

function decide(snapshot: RepairSnapshot, rows: (NeutralValue[] | null)[], toBase: ColumnComparator[][]): number | null | 'tie' {
  const rule = snapshot.rule;
  if (rule.kind === 'source') {
    const { index } = sideOf(snapshot, rule.connectionId);
    return rows[index] ? index : null;
  }
  if (rule.kind === 'newest') {
    const at = snapshot.sides[0].columns.findIndex((c) => c.name === rule.column);
    const numeric = /^(u?int|decimal)/.test(snapshot.sides[0].columns[at].type.kind);
    let best: number | null = null;
    let bestText: string | null = null;
    rows.forEach((row, i) => {
      if (!row) return;
      const text = i === 0 ? toBase[0][at].ref(row[at]) : toBase[i][at].other(row[at]);
      if (best === null) {
        best = i;
        bestText = text;
        return;
      }
      if (text === null) return;
      const later = bestText === null || (numeric ? compareIncremental({ name: '', nativeType: '', nullable: true, type: { kind: 'decimal' } }, text, bestText) > 0 : text > bestText);
      if (later) {
        best = i;
        bestText = text;
      }
    });
    return best;
  }
  // Majority: sides grouped by equal rows, each pair compared by its own comparators (no row is a group too); a tie for the largest group decides nothing.
  const groups: number[][] = [];
  rows.forEach((row, i) => {
    const group = groups.find((g) => {
      const first = rows[g[0]];
      if (!row || !first) return !row && !first;
      return differingColumns(comparators(snapshot.sides[g[0]], snapshot.sides[i]), first, row).length === 0;
    });
    if (group) group.push(i);
    else groups.push([i]);
  });
  groups.sort((a, b) => b.length - a.length);
  if (groups.length > 1 && groups[0].length === groups[1].length) return 'tie';
  return rows[groups[0][0]] ? groups[0][0] : null;
}

/** Decides every key and what each target needs; nothing for a target already holding the winner. */
export async function planRepairKeys(snapshot: RepairSnapshot, keys: NeutralValue[][], planes: Record<string, DataPlane>, signal?: AbortSignal): Promise<RepairKeyPlan> {
  const verdicts = await judge(snapshot, keys, planes, signal);
  const k = snapshot.keyCount;
  const actions: RepairKeyPlan['actions'] = Object.fromEntries(snapshot.targets.map((t) => [t, []]));
  const unresolved: RepairKeyPlan['unresolved'] = Object.fromEntries(snapshot.targets.map((t) => [t, []]));
  for (const verdict of verdicts) {
    for (const targetId of snapshot.targets) {
      const { side: target, index: t } = sideOf(snapshot, targetId);
      const mine = verdict.rows[t];
      if (verdict.winner === 'tie') {
        const any = verdict.rows.find((r) => r) as NeutralValue[];
        unresolved[targetId].push((mine ?? any).slice(0, k).map(encodeValue));
        continue;
      }
      if (verdict.winner === null) {
        if (mine && snapshot.deleteExtra) actions[targetId].push({ kind: 'delete', key: mine.slice(0, k).map(encodeValue) });
        continue;
      }
      if (verdict.winner === t) continue;
      const from = snapshot.sides[verdict.winner];
      const winning = verdict.rows[verdict.winner] as NeutralValue[];
      if (mine && !differingColumns(comparators(from, target), winning, mine).length) continue;
      actions[targetId].push({ kind: 'upsert', key: (mine ?? winning).slice(0, k).map(encodeValue), row: winning.map(encodeRowValue), from: from.connectionId });
    }
  }
  return { actions, unresolved };
}

/**
 * The actions of one segment still needed on the target now: an upsert whose row the target
 * already holds (by the diff's comparison rules) and a delete of a row already gone are dropped.
 * What a re-applied plan finds is nothing to do.
 */
export async function pendingRepairActions(snapshot: RepairSnapshot, targetId: string, actions: RepairAction[], plane: DataPlane, signal?: AbortSignal): Promise<RepairAction[]> {
  const { side: target } = sideOf(snapshot, targetId);
  const k = snapshot.keyCount;
  const self = comparators(target, target).slice(0, k);
  const rows = await readRowsByKey(plane, target, k, actions.map((a) => a.key.map(decodeValue)), signal);
  const byKey = new Map(rows.map((row) => [keyText(self, row.slice(0, k), 'ref'), row]));
  return actions.filter((action) => {
    const current = byKey.get(keyText(self, action.key.map(decodeValue), 'ref'));
    if (action.kind === 'delete') return current !== undefined;
    if (!current) return true;
    const from = sideOf(snapshot, action.from).side;
    return differingColumns(comparators(from, target), action.row.map(decodeRowValue), current).length > 0;
  });
}

async function* oneBatch(batch: RowBatch): AsyncGenerator<RowBatch> {
  yield batch;
}

/**
 * Applies one segment's actions to the target: the upserts through the dialect's own writer
 * (the copy's upsert path and value encoding, one transaction), the deletes as one
 * `DELETE … WHERE key IN (…)` transaction. A segment holds one kind of action (see
 * `repairSegments`), so each segment is one target transaction; both are idempotent.
 */
export async function writeRepairActions(snapshot: RepairSnapshot, targetId: string, actions: RepairAction[], plane: DataPlane, signal?: AbortSignal): Promise<{ upserted: number; deleted: number }> {
  const { side: target } = sideOf(snapshot, targetId);
  const k = snapshot.keyCount;
  const keyColumns = target.columns.slice(0, k);
  const upserts = actions.filter((a): a is Extract<RepairAction, { kind: 'upsert' }> => a.kind === 'upsert');
  const deletes = actions.filter((a) => a.kind === 'delete');
  let upserted = 0;
  if (upserts.length) {
    const batch: RowBatch = { columns: target.columns, rows: upserts.map((a) => a.row.map(decodeRowValue)) };
    const result = await plane.writer.write({ table: target.table, columns: target.columns, keyColumns: keyColumns.map((c) => c.name), mode: 'upsert', nul: 'reject', ...(signal && { signal }) }, oneBatch(batch));
    upserted = result.rowsWritten;
  }
  if (deletes.length) {
    const predicate = keyInPredicate(target.dialect, keyColumns, deletes.map((a) => a.key.map(decodeValue)));
    await plane.execute([sqlStyleOf(target.dialect).deleteWhere(plane.ddl.qualify(target.table), predicate)]);
  }
  return { upserted, deleted: deletes.length };
}

/** A target's actions cut into segments of one kind and at most `size` keys: upserts first, then deletes. */
export function repairSegments(actions: RepairAction[], size = REPAIR_BATCH): RepairAction[][] {
  const out: RepairAction[][] = [];
  for (const kind of ['upsert', 'delete'] as const) {
    const of = actions.filter((a) => a.kind === kind);
    for (let i = 0; i < of.length; i += size) out.push(of.slice(i, i + size));
  }
  return out;
}

/**
 * The plan for one target as SQL a DBA can read or run by hand: upserts in the dialect's own
 * form (ON CONFLICT, ON DUPLICATE KEY, MERGE) and deletes by key, every literal and name
 * spelled by the target's dialect; one statement per segment.
 */
export function repairSql(snapshot: RepairSnapshot, targetId: string, actions: RepairAction[], size = REPAIR_BATCH): string {
  const { side: target } = sideOf(snapshot, targetId);
  const style = sqlStyleOf(target.dialect);
  const k = snapshot.keyCount;
  const keyColumns = target.columns.slice(0, k);
  const qualified = `${style.quoteIdent(target.table.schema)}.${style.quoteIdent(target.table.name)}`;
  const statements: string[] = [];
  for (const segment of repairSegments(actions, size)) {
    if (segment[0].kind === 'upsert') {
      statements.push(style.repair.upsert(target.table, target.columns, keyColumns.map((c) => c.name), segment.map((a) => (a as Extract<RepairAction, { kind: 'upsert' }>).row.map(decodeRowValue))));
    } else {
      statements.push(style.deleteWhere(qualified, keyInPredicate(target.dialect, keyColumns, segment.map((a) => a.key.map(decodeValue)))));
    }
  }
  const upserts = actions.filter((a) => a.kind === 'upsert').length;
  const head = `-- ${style.label}: ${upserts} upsert(s) and ${actions.length - upserts} delete(s) on ${target.table.schema}.${target.table.name}`;
  return `${[head, ...statements.map((s) => `${s.trimEnd().replace(/;$/, '')};`)].join('\n\n')}\n`;
}

export interface RepairVerifyResult {
  /** Keys compared. */
  keys: number;
  /** Per target, what still differs from the rule's winner. */
  byTarget: Record<string, { missing: EncodedValue[][]; extra: EncodedValue[][]; different: { key: EncodedValue[]; columns: string[] }[] }>;
}

/**
 * The re-verify after an apply: every repaired key read again on every side, the rule applied
 * again, and each target compared with the winner row by row (missing, extra, different).
 */
export async function verifyRepairKeys(snapshot: RepairSnapshot, keys: NeutralValue[][], planes: Record<string, DataPlane>, signal?: AbortSignal): Promise<RepairVerifyResult> {
  const verdicts = await judge(snapshot, keys, planes, signal);
  const k = snapshot.keyCount;
  const byTarget: RepairVerifyResult['byTarget'] = Object.fromEntries(snapshot.targets.map((t) => [t, { missing: [], extra: [], different: [] }]));
  for (const verdict of verdicts) {
    for (const targetId of snapshot.targets) {
      const { side: target, index: t } = sideOf(snapshot, targetId);
      const mine = verdict.rows[t];
      const into = byTarget[targetId];
      if (verdict.winner === 'tie') {
        into.different.push({ key: (mine ?? (verdict.rows.find((r) => r) as NeutralValue[])).slice(0, k).map(encodeValue), columns: [] });
        continue;
      }
      if (verdict.winner === null) {
        if (mine) into.extra.push(mine.slice(0, k).map(encodeValue));
        continue;
      }
      const winning = verdict.rows[verdict.winner] as NeutralValue[];
      if (!mine) {
        into.missing.push(winning.slice(0, k).map(encodeValue));
        continue;
      }
      const columns = differingColumns(comparators(snapshot.sides[verdict.winner], target), winning, mine);
      if (columns.length) into.different.push({ key: winning.slice(0, k).map(encodeValue), columns });
    }
  }
  return { keys: verdicts.length, byTarget };
}
