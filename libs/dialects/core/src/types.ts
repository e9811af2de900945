import type { DialectName } from './dialect';

/**
 * The neutral column model every dialect maps to and from (ARCHITECTURE principle 4).
 *
 * Conventions:
 * - Unsigned integers keep their own kinds so MySQL → MySQL stays exact; targets without
 *   unsigned types widen them one size (see `widenUnsigned`).
 * - `precision` on temporal kinds is fractional-second digits; when absent it means the
 *   database's default, and targets that need a number write 6 (microseconds).
 * - `decimal` without `precision` is an unbounded numeric (PostgreSQL `numeric`, Oracle `NUMBER`).
 * - `length` on `text`/`blob` is the largest size the source allows (MySQL reports it); it only
 *   helps a target pick a text or blob kind, it never constrains.
 */
export type NeutralType =
  | { kind: 'bool' }
  | { kind: 'int8' }
  | { kind: 'int16' }
  | { kind: 'int32' }
  | { kind: 'int64' }
  | { kind: 'uint8' }
  | { kind: 'uint16' }
  | { kind: 'uint32' }
  | { kind: 'uint64' }
  | { kind: 'decimal'; precision?: number; scale?: number }
  | { kind: 'float32' }
  | { kind: 'float64' }
  | { kind: 'string'; length?: number }
  | { kind: 'char'; length: number }
  | { kind: 'text'; length?: number }
  | { kind: 'uuid' }
  | { kind: 'json'; binary?: boolean }
  | { kind: 'xml' }
  | { kind: 'binary'; length?: number; fixed?: boolean }
  | { kind: 'blob'; length?: number }
  | { kind: 'bit'; length: number; varying?: boolean }
  | { kind: 'date' }
  | { kind: 'time'; precision?: number; withTimeZone?: boolean }
  | { kind: 'timestamp'; precision?: number }
  | { kind: 'timestamptz'; precision?: number }
  | { kind: 'interval'; fields?: IntervalFields }
  | { kind: 'enum'; values: string[] }
  | { kind: 'set'; values: string[] }
  | { kind: 'array'; of: NeutralType };

export type NeutralKind = NeutralType['kind'];
export type NeutralTypeOf<K extends NeutralKind> = Extract<NeutralType, { kind: K }>;
/** Oracle splits intervals into two families; PostgreSQL's `interval` holds both (no `fields`). */
export type IntervalFields = 'year-month' | 'day-second';

export const NEUTRAL_KINDS: readonly NeutralKind[] = [
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'decimal',
  'float32',
  'float64',
  'string',
  'char',
  'text',
  'uuid',
  'json',
  'xml',
  'binary',
  'blob',
  'bit',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'interval',
  'enum',
  'set',
  'array',
];

export interface NeutralColumn {
  name: string;
  type: NeutralType;
  /** Exact source type text (`numeric(12,2)`, `tinyint(1) unsigned`), used for same-dialect copies. */
  nativeType: string;
  nullable: boolean;
  /** Default expression as the source wrote it; null when the column has none. */
  default?: string | null;
  identity?: boolean;
  comment?: string;
}

/**
 * What a catalogue says about a column's type: the input of `toNeutral`. Fields given here
 * win over what a mapper parses from `columnType`, so an introspector may pass either or both.
 */
export interface NativeColumnInfo {
  /** Base type name as the catalogue spells it (`int4`, `character varying`, `NUMBER`, `_int4`). */
  dataType: string;
  /** Full type text (PG `format_type`, MySQL `COLUMN_TYPE`, a SQLite declared type). */
  columnType?: string;
  /** Characters for strings, bytes for binaries, bits for bit strings; -1 means MAX (SQL Server). */
  length?: number | null;
  /** Digits for numerics; fractional-second digits for temporal types. */
  precision?: number | null;
  scale?: number | null;
  unsigned?: boolean;
  /** MySQL integer display width, the `1` of `tinyint(1)`. */
  displayWidth?: number | null;
  /** Oracle VARCHAR2/CHAR length semantics (CHAR_USED). */
  charSemantics?: 'byte' | 'char';
  /** Element type of an array column (PostgreSQL). */
  elementType?: NativeColumnInfo;
  /**
   * Labels of an enum or set, in declaration order: a PG enum, MySQL enum/set, or the labels of a
   * `CHECK (col IN (…))` on a text column (how dbferry writes enums elsewhere), read as an enum.
   */
  enumValues?: string[];
}

export interface MappedType {
  type: NeutralType;
  /** Things the operator should know about this column; shown in the plan and the run report. */
  warnings: string[];
  /** The type itself implies an identity (PostgreSQL serial, MySQL serial). */
  identity?: boolean;
}

/** Every documented way a target may not hold a neutral type (or its values) faithfully. */
export type LossKind =
  | 'fractional-seconds-truncated'
  | 'timezone-offset-dropped'
  | 'unbounded-decimal-bounded'
  | 'decimal-precision-reduced'
  | 'oracle-empty-is-null'
  | 'interval-as-text'
  | 'interval-months-folded'
  | 'time-as-interval'
  | 'array-as-json'
  | 'set-as-text'
  | 'bit-string-reshaped';

export interface LossNote {
  kind: LossKind;
  description: string;
}

export interface NativeTypeResult {
  /** The column type for CREATE TABLE / ADD COLUMN, e.g. `numeric(12,2)`. */
  native: string;
  lossy?: LossNote;
  /**
   * A CHECK the DDL builder should add for this column, e.g. an enum kept as text. Takes the
   * already quoted column name and returns the boolean expression (without `CHECK (…)`).
   */
  check?: (quotedColumn: string) => string;
}

export interface ToNeutralOptions {
  /** Oracle: read RAW(16) as uuid instead of binary(16). */
  raw16AsUuid?: boolean;
}

export interface FromNeutralOptions {
  /** Per-column override: returned verbatim as the native type. */
  override?: string;
  /** MySQL: uuid as binary(16) rather than char(36). Oracle: uuid as RAW(16) rather than VARCHAR2(36). */
  uuidAsBinary?: boolean;
  /** SQL Server: add `ISJSON(col) = 1` to json columns. */
  jsonCheck?: boolean;
}

/** A representative native type listed in the generated matrix (docs/type-mapping.md). */
export type RepresentativeType = string | { label: string; info: NativeColumnInfo };

/** Pure functions over type descriptions; one per dialect. */
export interface TypeMapper {
  readonly dialect: DialectName;
  toNeutral(native: NativeColumnInfo, options?: ToNeutralOptions): MappedType;
  fromNeutral(type: NeutralType, options?: FromNeutralOptions): NativeTypeResult;
  /** Parses a type as written in DDL (`numeric(12,2)`, `int unsigned`) into catalogue form. */
  parseNativeType(text: string): NativeColumnInfo;
  readonly representativeTypes: readonly RepresentativeType[];
}

/** Readable form for plans, reports and docs: `decimal(38,10)`, `timestamptz(6)`, `array<int32>`. */
export function renderNeutralType(t: NeutralType): string {
  const args = (...xs: (number | undefined)[]): string => {
    const given = xs.filter((x): x is number => x !== undefined);
    return given.length ? `(${given.join(',')})` : '';
  };
  const labels = (values: string[]): string => values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
  switch (t.kind) {
    case 'decimal':
      return `decimal${t.precision === undefined ? '' : args(t.precision, t.scale ?? 0)}`;
    case 'string':
    case 'text':
    case 'blob':
      return `${t.kind}${args(t.length)}`;
    case 'char':
      return `char(${t.length})`;
    case 'json':
      return t.binary ? 'jsonb' : 'json';
    case 'binary':
      return `${t.fixed ? 'binary' : 'varbinary'}${args(t.length)}`;
    case 'bit':
      return `${t.varying ? 'varbit' : 'bit'}(${t.length})`;
    case 'time':
      return `${t.withTimeZone ? 'timetz' : 'time'}${args(t.precision)}`;
    case 'timestamp':
    case 'timestamptz':
      return `${t.kind}${args(t.precision)}`;
    case 'interval':
      return t.fields ? `interval ${t.fields.replace('-', ' to ')}` : 'interval';
    case 'enum':
    case 'set':
      return `${t.kind}(${labels(t.values)})`;
    case 'array':
      return `array<${renderNeutralType(t.of)}>`;
    default:
      return t.kind;
  }
}

/** Structural equality; `renderNeutralType` shows every field, so equal renderings mean equal types. */
export function sameType(a: NeutralType, b: NeutralType): boolean {
  return renderNeutralType(a) === renderNeutralType(b);
}
