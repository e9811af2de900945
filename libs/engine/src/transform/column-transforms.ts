import { createHash, type Hash } from 'node:crypto';
import type { NeutralColumn, NeutralType, NeutralValue, ReadColumn, RowBatch } from '@dbferry/dialects-core';
import { renderNeutralType } from '@dbferry/dialects-core';
import { decodeValue, type EncodedValue, encodeValue } from '../plan/key-codec';

/** How a column's values are masked: an HMAC of the value, all but the last N characters starred, or NULL. */
export type MaskSpec = 'hash' | 'last4' | 'null' | { keepLast: number };

/** The types a constant (`set`) may be given; without one it is inferred from the JSON value. */
export const CONSTANT_TYPES = ['bool', 'int32', 'int64', 'float64', 'decimal', 'text', 'date', 'timestamp', 'timestamptz', 'json', 'uuid'] as const;
export type ConstantType = (typeof CONSTANT_TYPES)[number];

/**
 * One column transform of a job's table (tables[i].transforms[j]). `column` names a source
 * column, or, for `set`, a new target column. `rename` may go with `set` or `mask`; `exclude`
 * stands alone.
 */
export interface ColumnTransform {
  column: string;
  rename?: string;
  exclude?: boolean;
  /** A constant (`value`), or an expression the source evaluates in the read (`expr`, in the source's SQL); `type` the target column's. */
  set?: { value?: string | number | boolean | null; expr?: string; type?: ConstantType };
  mask?: MaskSpec;
}

/** Hex digits of an HMAC-SHA256: the length of a hashed column's text. */
export const HASH_HEX_LENGTH = 64;

/** What one target column is made of: a source column (by read position), masked or not, or a constant. */
export type TransformOp =
  | { from: number }
  | { from: number; mask: 'hash' | 'null' }
  | { from: number; keepLast: number }
  | { value: EncodedValue }
  /** An expression column read as `type` (what the source gives) converted to the target column's type. */
  | { from: number; convert: NeutralType };

/** A table's transforms resolved against its source columns: what the target gets, in write order. */
export interface TransformPlan {
  /** The target columns (target names, types as transformed), in write order. */
  columns: NeutralColumn[];
  /** The key columns by their target names. */
  keyColumns: string[];
  /** Per target column, where its value comes from; absent when every value is copied as read (renames and excludes only). */
  ops?: TransformOp[];
  /** True when some column is hashed: the copy needs the job's salt. */
  hashes: boolean;
  /** Source column name → target column name, for the columns whose values are copied unchanged. */
  unchanged: Record<string, string>;
  /** What each transformed target column shows in a preview (`renamed from email`, `hash`…), by target name. */
  notes: Record<string, string>;
}

/** A transform that cannot apply, placed like an API field relative to its table (`transforms[1].mask`). */
export class TransformError extends Error {
  readonly transient = false;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'TransformError';
  }
}

const TEXT_LIKE = new Set(['string', 'char', 'text']);
const INT_KINDS = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);
const BIG_KINDS = new Set(['int64', 'uint64']);

/**
 * Checks what can be checked without the table: each entry names a column and exactly one
 * action (`rename` may join `set` or `mask`), a column appears once, no two columns get one
 * target name. Returns the first problem, or null.
 */
export function checkTransformShape(transforms: ColumnTransform[]): TransformError | null {
  const seen = new Set<string>();
  for (const [j, t] of transforms.entries()) {
    const at = `transforms[${j}]`;
    if (typeof t.column !== 'string' || !t.column.trim()) return new TransformError(`${at}.column`, 'must name a column');
    if (seen.has(t.column)) return new TransformError(`${at}.column`, `${t.column} has another transform; give each column one entry`);
    seen.add(t.column);
    const actions = (['exclude', 'set', 'mask'] as const).filter((k) => t[k] !== undefined && t[k] !== false);
    if (actions.length > 1) return new TransformError(`${at}.${actions[1]}`, `a transform does one of exclude, set or mask, not ${actions.join(' and ')}`);
    if (t.exclude && t.rename !== undefined) return new TransformError(`${at}.rename`, 'an excluded column has no target name');
    if (!actions.length && t.rename === undefined) return new TransformError(`${at}.column`, 'says nothing to do: give rename, exclude, set or mask');
    if (t.rename !== undefined && (typeof t.rename !== 'string' || !t.rename.trim())) return new TransformError(`${at}.rename`, 'must be a column name');
    if (t.mask !== undefined) {
      const m = t.mask;
      const ok = m === 'hash' || m === 'last4' || m === 'null' || (typeof m === 'object' && m !== null && Number.isInteger(m.keepLast) && m.keepLast >= 0 && m.keepLast <= 1000);
      if (!ok) return new TransformError(`${at}.mask`, 'must be "hash", "last4", "null" or {keepLast: N} with N a whole number 0..1000');
    }
    if (t.set !== undefined && typeof t.set === 'object' && t.set !== null && 'expr' in t.set) {
      if ('value' in t.set) return new TransformError(`${at}.set`, 'gives value and expr: a constant or an expression, not both');
      if (typeof t.set.expr !== 'string' || !t.set.expr.trim()) return new TransformError(`${at}.set.expr`, 'must be an expression in the source database\'s SQL');
      if (t.set.type !== undefined && !CONSTANT_TYPES.includes(t.set.type)) return new TransformError(`${at}.set.type`, `type must be one of ${CONSTANT_TYPES.join(', ')}`);
    } else if (t.set !== undefined) {
      try {
        // A NULL without a type is typed by the column it replaces (the table decides).
        const untypedNull = typeof t.set === 'object' && t.set !== null && t.set.value === null && t.set.type === undefined;
        if (!untypedNull) constantValue(t.set);
      } catch (error) {
        const message = (error as Error).message;
        // Placed on the part at fault: the type name, the value, or the object itself.
        const part = message.startsWith('type ') ? '.type' : message.startsWith('must be {') ? '' : '.value';
        return new TransformError(`${at}.set${part}`, message);
      }
    }
  }
  return null;
}

/** The neutral type a constant of this type name holds. */
function constantType(type: ConstantType): NeutralType {
  switch (type) {
    case 'decimal':
      return { kind: 'decimal' };
    case 'json':
      return { kind: 'json' };
    default:
      return { kind: type } as NeutralType;
  }
}

/** A `set` value and its neutral type: given, else inferred (true/false bool, a whole number int64, another number float64, a string text). */
export function constantValue(set: { value?: unknown; type?: string }, columnType?: NeutralType): { type: NeutralType; value: NeutralValue } {
  if (typeof set !== 'object' || set === null || !('value' in set)) throw new Error('must be {value, type?} or {expr, type?}');
  const { value } = set;
  if (set.type !== undefined && !CONSTANT_TYPES.includes(set.type as ConstantType)) throw new Error(`type must be one of ${CONSTANT_TYPES.join(', ')}`);
  if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) throw new Error('value must be a string, number, boolean or null');
  const type: NeutralType | undefined = set.type ? constantType(set.type as ConstantType) : columnType;
  if (!type) {
    if (value === null) throw new Error('a NULL constant for a new column needs a type');
    if (typeof value === 'boolean') return { type: { kind: 'bool' }, value };
    if (typeof value === 'number') return Number.isSafeInteger(value) ? { type: { kind: 'int64' }, value: BigInt(value) } : { type: { kind: 'float64' }, value };
    return { type: { kind: 'text' }, value: value as string };
  }
  if (value === null) return { type, value: null };
  return { type, value: coerce(type, value as string | number | boolean) };
}

function coerce(type: NeutralType, value: string | number | boolean): NeutralValue {
  const bad = () => new Error(`${JSON.stringify(value)} is not a ${renderNeutralType(type)} value`);
  const kind = type.kind;
  if (kind === 'bool') {
    if (typeof value !== 'boolean') throw bad();
    return value;
  }
  if (INT_KINDS.has(kind)) {
    const text = String(value);
    if (typeof value === 'boolean' || !/^-?\d+$/.test(text)) throw bad();
    const big = BigInt(text);
    if (BIG_KINDS.has(kind)) return big;
    if (big > 2147483647n || big < -2147483648n) throw bad();
    return Number(big);
  }
  if (kind === 'float32' || kind === 'float64') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!Number.isFinite(n)) throw bad();
    return n;
  }
  if (kind === 'decimal') {
    const text = String(value);
    if (typeof value === 'boolean' || !/^-?\d+(\.\d+)?$/.test(text)) throw bad();
    return text;
  }
  if (typeof value !== 'string') throw bad();
  if (kind === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw bad();
  if (kind === 'timestamp' && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value)) throw bad();
  if (kind === 'timestamptz' && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$/.test(value)) throw new Error(`${JSON.stringify(value)} is not a timestamptz value ('YYYY-MM-DD HH:MM:SS+00:00')`);
  if (kind === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)) throw bad();
  if (kind === 'json') {
    try {
      JSON.parse(value);
    } catch {
      throw bad();
    }
  }
  if ((kind === 'string' || kind === 'char') && type.length !== undefined && [...value].length > type.length) throw bad();
  return value;
}

export interface TransformTableInput {
  /** The source columns copied (after the job's `columns` subset), in read order. */
  columns: NeutralColumn[];
  /** Every column the source table has (a transform naming one left out by `columns` says so). */
  all: NeutralColumn[];
  keyColumns: string[];
  incrementalColumn?: string;
  transforms: ColumnTransform[];
  /**
   * Each `set.expr` checked against the source (resolveExpressions): its SQL and the column the
   * source gives for it, by the transform's `column`. Required for every expression transform.
   */
  expressions?: Map<string, ResolvedExpression>;
}

/** A transform's expression as the source will evaluate it: rendered SQL and the column it yields. */
export interface ResolvedExpression {
  sql: string;
  /** The type the source gives the expression (described, or inferred where the source cannot say). */
  type: NeutralType;
  /** The source's type text for it, when described (kept by a same-dialect copy). */
  nativeType: string;
}

/**
 * Resolves a table's transforms against its source columns. Returns the source columns to read
 * (excluded ones dropped) and the plan of the target's columns. Key columns may be renamed but
 * not masked, set or excluded; neither may the incremental column (its watermark is read from
 * the source).
 */
export function planTransforms(input: TransformTableInput): { read: ReadColumn[]; plan: TransformPlan } {
  const shape = checkTransformShape(input.transforms);
  if (shape) throw shape;
  const byName = new Map(input.columns.map((c) => [c.name, c]));
  const allNames = new Set(input.all.map((c) => c.name));
  const keys = new Set(input.keyColumns);
  const entries = new Map<string, { t: ColumnTransform; j: number }>();
  for (const [j, t] of input.transforms.entries()) {
    const at = `transforms[${j}]`;
    const known = byName.has(t.column);
    if (!known && allNames.has(t.column)) throw new TransformError(`${at}.column`, `${t.column} is not among the table's copied columns`);
    if (!known && t.set === undefined) throw new TransformError(`${at}.column`, `the table has no column ${t.column} (only set adds a column)`);
    const guarded = keys.has(t.column) ? 'a key column' : t.column === input.incrementalColumn ? 'the incremental column' : undefined;
    if (guarded && (t.exclude || t.mask !== undefined || t.set !== undefined)) {
      const action = t.exclude ? 'exclude' : t.mask !== undefined ? 'mask' : 'set';
      throw new TransformError(`${at}.${action}`, `${t.column} is ${guarded}: it can be renamed, not ${action === 'set' ? 'set' : `${action}ed`}`);
    }
    entries.set(t.column, { t, j });
  }
  const expressionOf = (t: ColumnTransform, j: number): ResolvedExpression => {
    const resolved = input.expressions?.get(t.column);
    if (!resolved) throw new TransformError(`transforms[${j}].set.expr`, 'was not checked against the source');
    return resolved;
  };
  // An expression is read in place of the column it replaces, or (a new column) after the others,
  // under the transform's column name: the source evaluates it in the SELECT list.
  const asRead = (t: ColumnTransform, j: number): ReadColumn => {
    const e = expressionOf(t, j);
    return { name: t.column, type: e.type, nativeType: e.nativeType, nullable: true, default: null, expression: e.sql };
  };
  const read: ReadColumn[] = input.columns
    .filter((c) => !entries.get(c.name)?.t.exclude)
    .map((c) => {
      const entry = entries.get(c.name);
      return entry?.t.set?.expr !== undefined ? asRead(entry.t, entry.j) : c;
    });
  for (const { t, j } of entries.values()) if (!byName.has(t.column) && t.set?.expr !== undefined) read.push(asRead(t, j));
  const columns: NeutralColumn[] = [];
  const ops: TransformOp[] = [];
  const notes: Record<string, string> = {};
  const unchanged: Record<string, string> = {};
  let valuesChange = false;
  let hashes = false;
  for (const [from, source] of (read as ReadColumn[]).entries()) {
    const entry = entries.get(source.name);
    const name = entry?.t.rename ?? source.name;
    const said: string[] = entry?.t.rename !== undefined ? [`renamed from ${source.name}`] : [];
    const t = entry?.t;
    if (t?.mask !== undefined) {
      valuesChange = true;
      const mask = t.mask;
      if (mask === 'null') {
        columns.push({ ...source, name, nullable: true, default: null, identity: false });
        ops.push({ from, mask: 'null' });
        said.push('masked: null');
      } else if (mask === 'hash') {
        hashes = true;
        columns.push({ name, type: { kind: 'string', length: HASH_HEX_LENGTH }, nativeType: '', nullable: source.nullable, default: null });
        ops.push({ from, mask: 'hash' });
        said.push('masked: HMAC-SHA256 hex with the job salt');
      } else {
        const keepLast = mask === 'last4' ? 4 : mask.keepLast;
        // A text column keeps its own type (the mask keeps its length); anything else becomes text.
        const textual = TEXT_LIKE.has(source.type.kind);
        columns.push(textual ? { ...source, name, default: null } : { name, type: { kind: 'text' }, nativeType: '', nullable: source.nullable, default: null });
        ops.push({ from, keepLast });
        said.push(`masked: keep the last ${keepLast} character(s)`);
      }
    } else if (t?.set?.expr !== undefined) {
      const declared = t.set.type ? constantType(t.set.type) : undefined;
      const type = declared ?? source.type;
      const convert = declared !== undefined && !sameValueForm(source.type, declared);
      valuesChange ||= convert;
      columns.push({ name, type, nativeType: declared ? '' : source.nativeType, nullable: true, default: null });
      ops.push(convert ? { from, convert: type } : { from });
      said.push(`${byName.has(t.column) ? 'set' : 'new column, set'} to the source's expression ${source.expression ?? ''}`);
    } else if (t?.set !== undefined) {
      valuesChange = true;
      const constant = constantValue(t.set, t.set.type ? undefined : source.type);
      const keepsType = !t.set.type;
      columns.push(keepsType ? { ...source, name, nullable: source.nullable || constant.value === null, default: null, identity: false } : { name, type: constant.type, nativeType: '', nullable: constant.value === null, default: null });
      ops.push({ value: encodeValue(constant.value) });
      said.push(`set to ${JSON.stringify(t.set.value)}`);
    } else {
      columns.push({ ...source, name });
      ops.push({ from });
      unchanged[source.name] = name;
    }
    if (said.length) notes[name] = said.join('; ');
  }
  // New columns (set on a name the source does not have) come last, in the order given.
  for (const { t } of entries.values()) {
    if (byName.has(t.column) || t.set === undefined || t.set.expr !== undefined) continue;
    valuesChange = true;
    const name = t.rename ?? t.column;
    const constant = constantValue(t.set);
    columns.push({ name, type: constant.type, nativeType: '', nullable: constant.value === null, default: null });
    ops.push({ value: encodeValue(constant.value) });
    notes[name] = `new column, set to ${JSON.stringify(t.set.value)}`;
  }
  const names = new Map<string, number>();
  for (const c of columns) names.set(c.name, (names.get(c.name) ?? 0) + 1);
  for (const [j, t] of input.transforms.entries()) {
    const name = t.rename ?? t.column;
    if (!t.exclude && (names.get(name) ?? 0) > 1) throw new TransformError(`transforms[${j}].${t.rename !== undefined ? 'rename' : 'column'}`, `two target columns would be named ${name}`);
  }
  const renamed = (k: string) => entries.get(k)?.t.rename ?? k;
  return {
    read,
    plan: { columns, keyColumns: input.keyColumns.map(renamed), ...(valuesChange && { ops }), hashes, unchanged, notes },
  };
}

/** Whether values of `a` are held in memory as values of `b` are (VALUE_FORMS): no conversion needed. */
function sameValueForm(a: NeutralType, b: NeutralType): boolean {
  if (a.kind === b.kind) return true;
  return TEXT_LIKE.has(a.kind) && TEXT_LIKE.has(b.kind);
}

/**
 * An expression's value (as the source gave it) as a value of the declared type; throws when it
 * is not one (the caller names the column).
 */
export function convertValue(type: NeutralType, value: Exclude<NeutralValue, null>): NeutralValue {
  if (TEXT_LIKE.has(type.kind)) {
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value) || Array.isArray(value)) return valueBytes(value).toString(Buffer.isBuffer(value) ? 'hex' : 'utf8');
    return String(value);
  }
  if (type.kind === 'bool') {
    if (typeof value === 'boolean') return value;
    const text = String(value).toLowerCase();
    if (['1', 't', 'true'].includes(text)) return true;
    if (['0', 'f', 'false'].includes(text)) return false;
  }
  if (Buffer.isBuffer(value) || Array.isArray(value) || (type.kind === 'bool' && typeof value !== 'boolean')) {
    throw new Error(`${Buffer.isBuffer(value) ? 'bytes' : Array.isArray(value) ? 'an array' : JSON.stringify(String(value))} is not a ${renderNeutralType(type)} value`);
  }
  return coerce(type, typeof value === 'bigint' ? value.toString() : value);
}

/** The bytes a value is hashed as: its text form (numbers in decimal, bytes as they are, arrays as JSON). */
function valueBytes(value: Exclude<NeutralValue, null>): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Array.isArray(value)) return Buffer.from(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('hex') : v)), 'utf8');
  return Buffer.from(String(value), 'utf8');
}

const SHA256_BLOCK = 64;

/**
 * HMAC-SHA256 under one salt (RFC 2104), keyed once: the inner and outer hashes start from copies
 * of their keyed states, so a value costs two hash copies, not a new HMAC's key schedule.
 */
export function saltedHasher(salt: Buffer): (value: Exclude<NeutralValue, null>) => string {
  const key = Buffer.alloc(SHA256_BLOCK);
  (salt.length > SHA256_BLOCK ? createHash('sha256').update(salt).digest() : salt).copy(key);
  const padded = (pad: number): Hash => createHash('sha256').update(Buffer.from(key.map((b) => b ^ pad)));
  const inner = padded(0x36);
  const outer = padded(0x5c);
  return (value) => outer.copy().update(inner.copy().update(valueBytes(value)).digest()).digest('hex');
}

/** HMAC-SHA256 of a value under the salt, as 64 lower-case hex digits. */
export function hashValue(salt: Buffer, value: Exclude<NeutralValue, null>): string {
  return saltedHasher(salt)(value);
}

/** All but the last `keep` characters replaced by `*` (length kept, by code point). */
export function keepLast(value: Exclude<NeutralValue, null>, keep: number): string {
  const chars = [...(Buffer.isBuffer(value) ? value.toString('hex') : typeof value === 'string' ? value : String(value))];
  const cut = Math.max(0, chars.length - keep);
  return '*'.repeat(cut) + chars.slice(cut).join('');
}

/**
 * The function that turns a batch as read into the batch the target gets, or undefined when
 * the plan changes no value (renames and excludes need none: the rows pass as they are).
 * `salt` is required when the plan hashes.
 */
export function rowTransformer(plan: Pick<TransformPlan, 'columns' | 'ops' | 'hashes'>, salt?: Buffer): ((batch: RowBatch) => RowBatch) | undefined {
  const { ops } = plan;
  if (!ops) return undefined;
  if (plan.hashes && !salt) throw new TransformError('transforms', 'the table hashes a column but the job has no salt');
  const steps = ops.map((op, index): ((row: NeutralValue[]) => NeutralValue) => {
    if ('value' in op) {
      const value = decodeValue(op.value);
      return () => value;
    }
    const { from } = op;
    if ('convert' in op) {
      const type = op.convert;
      const name = plan.columns[index]?.name;
      return (row) => {
        if (row[from] === null) return null;
        try {
          return convertValue(type, row[from]);
        } catch (error) {
          throw new TransformError('transforms', `column ${name}: the source's expression gave a value that is not its declared type: ${(error as Error).message}`);
        }
      };
    }
    if ('keepLast' in op) {
      const keep = op.keepLast;
      return (row) => (row[from] === null ? null : keepLast(row[from], keep));
    }
    if ('mask' in op) {
      if (op.mask === 'null') return () => null;
      const hash = saltedHasher(salt as Buffer);
      return (row) => (row[from] === null ? null : hash(row[from]));
    }
    return (row) => row[from];
  });
  const columns = plan.columns;
  return (batch) => ({
    columns,
    rows: batch.rows.map((row) => steps.map((step) => step(row))),
    ...(batch.warnings && { warnings: batch.warnings }),
  });
}

/**
 * A table's transforms as a CLI option or a replication file gives them (YAML/JSON, untyped):
 * checked entry by entry like the API checks a job (TransformError naming `transforms[j].field`),
 * returned typed for TableSelectionSpec.transforms.
 */
export function parseTransforms(value: unknown): ColumnTransform[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TransformError('transforms', 'must be a list of {column, rename | exclude | set | mask}');
  const known = new Set(['column', 'rename', 'exclude', 'set', 'mask']);
  const list = value.map((entry: unknown, j): ColumnTransform => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new TransformError(`transforms[${j}]`, 'must be an object {column, …}');
    const extra = Object.keys(entry).find((k) => !known.has(k));
    if (extra) throw new TransformError(`transforms[${j}].${extra}`, `is not a transform property (column, rename, exclude, set, mask)`);
    const t = entry as Record<string, unknown>;
    if (t['exclude'] !== undefined && typeof t['exclude'] !== 'boolean') throw new TransformError(`transforms[${j}].exclude`, 'must be true or false');
    return t as unknown as ColumnTransform;
  });
  const problem = checkTransformShape(list);
  if (problem) throw problem;
  return list;
}

/**
 * One transform from a command-line flag: `COLUMN:rename=NEW`, `COLUMN:exclude`,
 * `COLUMN:mask=hash|last4|null|keepLast:N`, `COLUMN:set=VALUE[:TYPE]` (VALUE read as JSON when it
 * parses, else as text), `COLUMN:[type=TYPE,]expr=EXPRESSION` (the rest of the text, commas
 * included), several joined by `,` on one column (`email:rename=email_hash,mask=hash`).
 * `COLUMN=ACTION:ARG` reads the same (`email=mask:hash`, `full_name=expr:a || b`).
 */
export function parseTransformFlag(text: string): ColumnTransform {
  const colon = text.indexOf(':');
  const equals = text.indexOf('=');
  const swapped = equals > 0 && (colon < 0 || equals < colon);
  const at = swapped ? equals : colon;
  if (at <= 0) throw new TransformError('transforms', `"${text}" must be COLUMN:ACTION (e.g. email:mask=hash)`);
  const sep = swapped ? ':' : '=';
  const transform: ColumnTransform = { column: text.slice(0, at) };
  let type: string | undefined;
  let rest = text.slice(at + 1);
  while (rest.length) {
    if (rest.startsWith(`expr${sep}`)) {
      const expr = rest.slice(5);
      if (!expr.trim()) throw new TransformError('transforms', `"${text}": expr${sep} needs an expression`);
      transform.set = { expr, ...(type !== undefined && { type: type as ConstantType }) };
      type = undefined;
      break;
    }
    const comma = rest.indexOf(',');
    const part = comma < 0 ? rest : rest.slice(0, comma);
    rest = comma < 0 ? '' : rest.slice(comma + 1);
    const eq = part.indexOf(sep);
    const action = eq < 0 ? part : part.slice(0, eq);
    const arg = eq < 0 ? '' : part.slice(eq + 1);
    if (action === 'exclude' && eq < 0) transform.exclude = true;
    else if (action === 'rename' && arg) transform.rename = arg;
    else if (action === 'type' && arg) type = arg;
    else if (action === 'mask' && arg) {
      const keep = /^keepLast:(\d+)$/.exec(arg);
      transform.mask = keep ? { keepLast: Number(keep[1]) } : (arg as MaskSpec);
    } else if (action === 'set' && eq >= 0) {
      const typed = /^(.*):([a-z0-9]+)$/.exec(arg);
      const raw = typed && CONSTANT_TYPES.includes(typed[2] as ConstantType) ? typed[1] : arg;
      let parsed: unknown = raw;
      try {
        parsed = JSON.parse(raw);
      } catch {
        // plain text
      }
      const value = parsed === null || ['string', 'number', 'boolean'].includes(typeof parsed) ? (parsed as string | number | boolean | null) : raw;
      transform.set = typed && raw !== arg ? { value, type: typed[2] as ConstantType } : { value };
    } else throw new TransformError('transforms', `"${part}" in "${text}" is not rename${sep}NEW, exclude, mask${sep}…, set${sep}… or [type${sep}TYPE,]expr${sep}…`);
  }
  if (type !== undefined) throw new TransformError('transforms', `"${text}": type${sep}${type} goes before expr${sep}…`);
  const problem = checkTransformShape([transform]);
  if (problem) throw problem;
  return transform;
}
