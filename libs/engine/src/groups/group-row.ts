import type { DataPlane, DialectName, NeutralColumn, NeutralType, NeutralValue, RowBatch, TableRef, TableSchema } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { sqlStyleOf } from '../dialect-sql';
import { ArbiterError, keyValueFor } from '../diff/arbiter';
import { LOOKUP_KEY_KINDS } from '../incremental/sql-literal';
import { keyInPredicate } from '../incremental/watermark';
import { encodeValue } from '../plan/key-codec';

/**
 * Replica groups (issue 13): one logical table held by several members (a connection and a
 * table each, any dialect). A row is given once as JSON, validated against the group's columns
 * and typed per member by that member's own column types, then written to a member by key in
 * one target transaction (an upsert, or a delete by key): applying the same write twice leaves
 * the member as once, which is what lets a task be retried after a crash.
 */

/** A member as the group holds it: its table and its columns aligned with the group's (keys first). */
export interface GroupMemberSnapshot {
  connectionId: string;
  dialect: DialectName;
  table: TableRef;
  columns: NeutralColumn[];
}

export interface GroupColumn {
  name: string;
  kind: string;
  nullable: boolean;
}

/** A schema difference between members that does not stop the group. */
export interface GroupDifference {
  connectionId: string;
  column: string;
  note: string;
}

/** A member that cannot be in the group: `index` is its place in the request's members. */
export interface GroupMemberProblem {
  index: number;
  message: string;
}

export interface MembershipInput {
  connectionId: string;
  dialect: DialectName;
  table: TableRef;
  /** Null: the table does not exist there. */
  schema: TableSchema | null;
  readOnly?: boolean;
}

export interface Membership {
  columns: GroupColumn[];
  members: GroupMemberSnapshot[];
  differences: GroupDifference[];
  problems: GroupMemberProblem[];
}

/** Input that does not fit the group: `field` names it (row.<column>, key, key.<column>). */
export class GroupRowError extends Error {
  readonly transient = false;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'GroupRowError';
  }
}

const INTEGER = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);
const TEXT = new Set(['string', 'char', 'text', 'enum', 'uuid']);
const LOOKUP = new Set<string>(LOOKUP_KEY_KINDS);

/** Kinds that hold the same values for the group's purpose (a key must stay in one family on every member). */
function family(kind: string): string {
  if (INTEGER.has(kind) || kind === 'decimal') return 'number';
  if (TEXT.has(kind)) return 'text';
  if (kind === 'float32' || kind === 'float64') return 'float';
  if (kind === 'timestamp' || kind === 'timestamptz') return 'timestamp';
  if (kind === 'binary' || kind === 'blob') return 'binary';
  return kind;
}

const findColumn = (columns: NeutralColumn[], name: string) => columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());

/**
 * Checks every member against the first: the key columns exist everywhere with one family of
 * types (an integer key on one member and a text key on another would name different rows), the
 * group's columns are the first member's columns that every member has (keys first), and a
 * member column the group does not write must accept being left out (nullable or defaulted).
 * A member that cannot take part is a problem; everything else that differs is listed.
 */
export function groupMembership(keyColumns: string[], members: MembershipInput[]): Membership {
  const problems: GroupMemberProblem[] = [];
  const differences: GroupDifference[] = [];
  members.forEach((m, index) => {
    if (!m.schema) problems.push({ index, message: `table ${m.table.schema}.${m.table.name} does not exist on connection ${m.connectionId}` });
    else if (m.readOnly) problems.push({ index, message: `connection ${m.connectionId} is read-only: a group writes to every member` });
  });
  const seen = new Set<string>();
  members.forEach((m, index) => {
    const id = `${m.connectionId}`;
    if (seen.has(id)) problems.push({ index, message: `connection ${m.connectionId} is already a member (one table per connection)` });
    seen.add(id);
  });
  const first = members[0]?.schema;
  if (problems.length || !first) return { columns: [], members: [], differences, problems };
  const firstKeys = keyColumns.map((name) => findColumn(first.columns, name));
  const missingKey = keyColumns.find((_, i) => !firstKeys[i]);
  if (missingKey) return { columns: [], members: [], differences, problems: [{ index: 0, message: `key column ${missingKey} is not a column of ${first.schema}.${first.name}` }] };
  for (const [i, key] of (firstKeys as NeutralColumn[]).entries()) {
    if (!LOOKUP.has(key.type.kind)) problems.push({ index: 0, message: `key column ${key.name} is of type ${key.type.kind}, which cannot be looked up exactly` });
    if (i !== keyColumns.indexOf(keyColumns[i])) problems.push({ index: 0, message: `key column ${key.name} is named twice` });
  }
  const keyNames = new Set((firstKeys as NeutralColumn[]).map((c) => c.name));
  const candidates = [...(firstKeys as NeutralColumn[]), ...first.columns.filter((c) => !keyNames.has(c.name))];
  const common = candidates.filter((c) => members.every((m) => findColumn((m.schema as TableSchema).columns, c.name)));
  for (const c of candidates.filter((x) => !common.includes(x))) {
    const lacking = members.filter((m) => !findColumn((m.schema as TableSchema).columns, c.name)).map((m) => m.connectionId);
    for (const connectionId of lacking) differences.push({ connectionId, column: c.name, note: `not on this member: column ${c.name} is left out of the group` });
  }
  const snapshots: GroupMemberSnapshot[] = [];
  members.forEach((m, index) => {
    const schema = m.schema as TableSchema;
    const columns = common.map((c) => findColumn(schema.columns, c.name) as NeutralColumn);
    columns.forEach((col, i) => {
      const ref = common[i];
      if (family(col.type.kind) === family(ref.type.kind)) {
        if (col.type.kind !== ref.type.kind && index > 0) differences.push({ connectionId: m.connectionId, column: ref.name, note: `${col.type.kind} here, ${ref.type.kind} on the first member` });
        return;
      }
      if (i < keyColumns.length) problems.push({ index, message: `key column ${ref.name} is ${col.type.kind} here but ${ref.type.kind} on the first member: the keys would not name the same rows` });
      else differences.push({ connectionId: m.connectionId, column: ref.name, note: `${col.type.kind} here, ${ref.type.kind} on the first member: a value one member accepts may be refused here` });
    });
    for (const extra of schema.columns.filter((c) => !columns.includes(c))) {
      const defaulted = extra.nullable || (extra.default !== null && extra.default !== undefined) || extra.identity;
      if (!defaulted) problems.push({ index, message: `column ${extra.name} is NOT NULL without a default and not a column of the group: rows written by the group could not be inserted` });
      else if (index > 0 || !common.some((c) => c.name === extra.name)) differences.push({ connectionId: m.connectionId, column: extra.name, note: 'only on this member: left to its default' });
    }
    const keySet = new Set(columns.slice(0, keyColumns.length).map((c) => c.name.toLowerCase()));
    for (const unique of schema.indexes.filter((x) => x.unique)) {
      if (unique.columns.length === keySet.size && unique.columns.every((c) => keySet.has(c.toLowerCase()))) continue;
      const what = `unique index ${unique.name} (${unique.columns.join(', ')}) besides the group's key`;
      if (dialectFor(m.dialect).capabilities.upsertMatchesAnyUniqueKey) {
        problems.push({ index, message: `${what}: this member's upsert matches a row by any unique key, so a write whose values collide there would overwrite another row; drop the index or leave the table out` });
      } else {
        differences.push({ connectionId: m.connectionId, column: unique.columns[0] ?? '', note: `${what}: a write whose values collide there is refused on this member and owed as a task` });
      }
    }
    snapshots.push({ connectionId: m.connectionId, dialect: m.dialect, table: { schema: schema.schema, name: schema.name }, columns });
  });
  return {
    columns: common.map((c) => ({ name: c.name, kind: c.type.kind, nullable: c.nullable })),
    members: snapshots,
    differences,
    problems,
  };
}

/**
 * A key as given (a bare value for a one-column key, or an object naming each key column) in the
 * group's canonical form: the values by column name as JSON, and the digest that identifies the
 * row in the store (the values typed by the first member, in the lossless key codec).
 */
export function groupKey(first: GroupMemberSnapshot, keyCount: number, raw: unknown, field = 'key'): { key: Record<string, unknown>; digest: string } {
  const keyColumns = first.columns.slice(0, keyCount);
  let values: unknown[];
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const record = raw as Record<string, unknown>;
    const extra = Object.keys(record).find((k) => !keyColumns.some((c) => c.name === k));
    if (extra !== undefined) throw new GroupRowError(`${field}.${extra}`, `${field}.${extra}: is not a key column of the group (${keyColumns.map((c) => c.name).join(', ')})`);
    values = keyColumns.map((c) => record[c.name]);
  } else {
    if (keyCount !== 1) throw new GroupRowError(field, `${field}: the group's key has ${keyCount} columns: give a JSON object naming ${keyColumns.map((c) => c.name).join(', ')}`);
    values = [raw];
  }
  const typed = keyColumns.map((c, i) => typedValue(c, values[i], `${field}.${c.name}`, true));
  return { key: Object.fromEntries(keyColumns.map((c, i) => [c.name, jsonValue(typed[i])])), digest: JSON.stringify(typed.map(encodeValue)) };
}

/**
 * A row as given, checked against every member's column types: each key column and each NOT
 * NULL column present, no column the group does not have. Returns the row as stored (the
 * group's column names, values as JSON) and its key.
 */
export function groupRow(members: GroupMemberSnapshot[], keyCount: number, raw: unknown): { row: Record<string, unknown>; key: Record<string, unknown>; digest: string } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new GroupRowError('row', 'row: must be a JSON object of column → value');
  const record = raw as Record<string, unknown>;
  const first = members[0];
  const unknown = Object.keys(record).find((k) => !first.columns.some((c) => c.name === k));
  if (unknown !== undefined) throw new GroupRowError(`row.${unknown}`, `row.${unknown}: is not a column of the group (${first.columns.map((c) => c.name).join(', ')})`);
  for (const member of members) {
    member.columns.forEach((column, i) => {
      const name = first.columns[i].name;
      if (!(name in record) && i < keyCount) throw new GroupRowError(`row.${name}`, `row.${name}: the key column is required`);
      if (!(name in record) && !column.nullable && column.default == null && !column.identity) throw new GroupRowError(`row.${name}`, `row.${name}: is required (NOT NULL on connection ${member.connectionId})`);
      if (name in record) typedValue(column, record[name], `row.${name}`, i < keyCount, member.connectionId);
    });
  }
  const row = Object.fromEntries(first.columns.filter((c) => c.name in record).map((c) => [c.name, record[c.name] ?? null]));
  const key = groupKey(first, keyCount, Object.fromEntries(first.columns.slice(0, keyCount).map((c) => [c.name, record[c.name]])), 'row');
  return { row, key: key.key, digest: key.digest };
}

/** The member's values of a stored row, in the order of its columns present in the row. */
export function memberRow(member: GroupMemberSnapshot, groupColumns: string[], row: Record<string, unknown>): { columns: NeutralColumn[]; values: NeutralValue[] } {
  const present = member.columns.map((c, i) => ({ c, name: groupColumns[i] })).filter((x) => x.name in row);
  return { columns: present.map((x) => x.c), values: present.map((x) => typedValue(x.c, row[x.name], `row.${x.name}`, false, member.connectionId)) };
}

export type GroupWrite = { op: 'upsert'; row: Record<string, unknown>; key: Record<string, unknown> } | { op: 'delete'; key: Record<string, unknown> };

/**
 * Writes one group write to one member in one target transaction: an upsert of the row by key,
 * or a delete by key. Idempotent: written again, the member holds the same.
 */
export async function writeGroupRow(plane: DataPlane, member: GroupMemberSnapshot, groupColumns: string[], keyCount: number, write: GroupWrite, signal?: AbortSignal): Promise<void> {
  const keyColumns = member.columns.slice(0, keyCount);
  if (write.op === 'delete') {
    const key = keyColumns.map((c, i) => typedValue(c, write.key[groupColumns[i]], `key.${groupColumns[i]}`, true, member.connectionId));
    await plane.execute([sqlStyleOf(member.dialect).deleteWhere(plane.ddl.qualify(member.table), keyInPredicate(member.dialect, keyColumns, [key]))]);
    return;
  }
  const { columns, values } = memberRow(member, groupColumns, write.row);
  const batch: RowBatch = { columns, rows: [values] };
  await plane.writer.write(
    { table: member.table, columns, keyColumns: keyColumns.map((c) => c.name), mode: 'upsert', nul: 'reject', ...(signal && { signal }) },
    (async function* () {
      yield batch;
    })(),
  );
}

/** Keys per delete statement of a batch (Oracle allows 1,000 expressions in one IN list). */
const DELETE_KEYS_PER_STATEMENT = 500;

/**
 * Writes several group writes of distinct keys to one member (the worker's drain): the deletes
 * as one delete by key per 500 keys, the upserts as one upsert per set of columns present (rows
 * of one group usually share one), each in one target transaction. Idempotent like
 * writeGroupRow: written again after a crash, the member holds the same. Throws on the first
 * failure; a part written before it is written again by the retry.
 */
export async function writeGroupRows(plane: DataPlane, member: GroupMemberSnapshot, groupColumns: string[], keyCount: number, writes: GroupWrite[], signal?: AbortSignal): Promise<void> {
  const keyColumns = member.columns.slice(0, keyCount);
  const seen = new Set<string>();
  for (const w of writes) {
    const id = JSON.stringify(groupColumns.slice(0, keyCount).map((name) => w.key[name]));
    if (seen.has(id)) throw new Error(`writeGroupRows: key ${id} is written twice in one batch`);
    seen.add(id);
  }
  const deletes = writes.filter((w) => w.op === 'delete');
  for (let i = 0; i < deletes.length; i += DELETE_KEYS_PER_STATEMENT) {
    const keys = deletes.slice(i, i + DELETE_KEYS_PER_STATEMENT).map((w) => keyColumns.map((c, j) => typedValue(c, w.key[groupColumns[j]], `key.${groupColumns[j]}`, true, member.connectionId)));
    if (signal?.aborted) throw Object.assign(new Error('the write was aborted'), { name: 'AbortError' });
    await plane.execute([sqlStyleOf(member.dialect).deleteWhere(plane.ddl.qualify(member.table), keyInPredicate(member.dialect, keyColumns, keys))]);
  }
  const shapes = new Map<string, { columns: NeutralColumn[]; rows: NeutralValue[][] }>();
  for (const w of writes) {
    if (w.op !== 'upsert') continue;
    const { columns, values } = memberRow(member, groupColumns, w.row);
    const shape = columns.map((c) => c.name).join('\u0000');
    const entry = shapes.get(shape) ?? { columns, rows: [] };
    entry.rows.push(values);
    shapes.set(shape, entry);
  }
  for (const { columns, rows } of shapes.values()) {
    const batch: RowBatch = { columns, rows };
    await plane.writer.write(
      { table: member.table, columns, keyColumns: keyColumns.map((c) => c.name), mode: 'upsert', nul: 'reject', ...(signal && { signal }) },
      (async function* () {
        yield batch;
      })(),
    );
  }
}

/** A value as JSON for the store (bigint as text, bytes as base64). */
function jsonValue(value: NeutralValue): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(jsonValue);
  return value;
}

/** A JSON value in the lossless neutral form of `column`'s kind (VALUE_FORMS), or a GroupRowError naming `field`. */
export function typedValue(column: NeutralColumn, raw: unknown, field: string, isKey: boolean, connectionId?: string): NeutralValue {
  const on = connectionId ? ` (its type on connection ${connectionId})` : '';
  if (raw === null || raw === undefined) {
    if (isKey || !column.nullable) throw new GroupRowError(field, `${field}: cannot be null${isKey ? ' (a key column)' : ` (NOT NULL${connectionId ? ` on connection ${connectionId}` : ''})`}`);
    return null;
  }
  return valueOf(column.type, raw, field, on, column);
}

function valueOf(type: NeutralType, raw: unknown, field: string, on: string, column?: NeutralColumn): NeutralValue {
  const bad = (what: string) => new GroupRowError(field, `${field}: ${JSON.stringify(raw)?.slice(0, 60)} is not ${what}${on}`);
  if (typeof raw === 'string' && raw.includes('\u0000')) throw new GroupRowError(field, `${field}: must not contain NUL (U+0000)`);
  if (LOOKUP.has(type.kind)) {
    if (typeof raw === 'object') throw bad(`a ${type.kind} value`);
    try {
      const value = keyValueFor(column ?? { name: field, type, nativeType: '', nullable: true }, raw);
      if (type.kind === 'enum' && !type.values.includes(String(value))) throw bad(`one of ${type.values.join(', ')}`);
      return value;
    } catch (error) {
      if (error instanceof ArbiterError) throw new GroupRowError(field, `${field}: ${error.message.replace(/^key\.[^:]*: /, '')}${on}`);
      throw error;
    }
  }
  switch (type.kind) {
    case 'float32':
    case 'float64': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (Number.isNaN(n) && raw !== 'NaN') throw bad('a number');
      return n;
    }
    case 'json':
      if (typeof raw === 'string') {
        try {
          JSON.parse(raw);
          return raw;
        } catch {
          return JSON.stringify(raw);
        }
      }
      return JSON.stringify(raw);
    case 'binary':
    case 'blob':
      if (typeof raw !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) throw bad('base64 bytes');
      return Buffer.from(raw, 'base64');
    case 'array':
      if (!Array.isArray(raw)) throw bad('an array');
      return raw.map((v, i) => (v === null ? null : valueOf(type.of, v, `${field}[${i}]`, on)));
    case 'set':
      if (!Array.isArray(raw) || !raw.every((v) => typeof v === 'string' && type.values.includes(v))) throw bad(`an array of ${type.values.join(', ')}`);
      return raw as string[];
    case 'bit':
      if (typeof raw !== 'string' || !/^[01]*$/.test(raw)) throw bad("a string of '0' and '1'");
      return raw;
    default:
      if (typeof raw === 'object') throw bad(`a ${type.kind} value`);
      return String(raw);
  }
}
