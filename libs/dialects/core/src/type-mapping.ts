import type {
  FromNeutralOptions,
  LossKind,
  LossNote,
  MappedType,
  NativeColumnInfo,
  NativeTypeResult,
  NeutralKind,
  NeutralType,
  NeutralTypeOf,
  TypeMapper,
} from './types';

/** What each loss means and what the engine does about it at run time (docs/type-mapping.md). */
export const LOSS_KINDS: Record<LossKind, { summary: string; atRunTime: string }> = {
  'fractional-seconds-truncated': {
    summary: 'The target keeps fewer fractional-second digits than the source (SQL Server datetime2(7) has 100 ns ticks, PostgreSQL and MySQL stop at microseconds).',
    atRunTime: 'Values are truncated, never rounded (so none moves into the next second, day or year), to the digits the target keeps, by every writer alike; the plan lists the column and the run report counts the values cut.',
  },
  'timezone-offset-dropped': {
    summary: 'The target has no type that keeps a UTC offset (MySQL, or a time with time zone on SQL Server).',
    atRunTime: 'Values are converted to UTC and stored without an offset; the instant is kept, the original offset is not.',
  },
  'unbounded-decimal-bounded': {
    summary: 'An unbounded numeric (PostgreSQL numeric, Oracle NUMBER) goes to a target whose decimals have a fixed precision and scale.',
    atRunTime: 'A value that does not fit the bounded type fails its row with a data error naming the column; digits are never silently dropped.',
  },
  'decimal-precision-reduced': {
    summary: 'The declared precision or scale exceeds what the target allows (MySQL 65/30, SQL Server 38, Oracle 38).',
    atRunTime: 'The column is created with the largest precision the target allows, integer digits first; a value that does not fit fails its row with a data error.',
  },
  'oracle-empty-is-null': {
    summary: "Oracle stores an empty string (and an empty RAW/BLOB) as NULL, so '' and NULL become the same value.",
    atRunTime: "Empty values are written as NULL and counted in the run report; in a NOT NULL column they fail the row. A diff treats '' and NULL as equal for this target.",
  },
  'interval-as-text': {
    summary: 'The target has no interval type; intervals are stored as ISO 8601 duration text (P1Y2M3DT4H5M6S).',
    atRunTime: 'Values are written as ISO 8601 text; the run reads them back into an interval only when copying to a target that has one.',
  },
  'interval-months-folded': {
    summary: 'Oracle INTERVAL DAY TO SECOND cannot hold months or years.',
    atRunTime: 'A value with a month or year part fails its row with a data error; day-to-second values are copied exactly.',
  },
  'time-as-interval': {
    summary: 'Oracle has no time-of-day type; a time is stored as INTERVAL DAY(0) TO SECOND since midnight.',
    atRunTime: 'Values are converted to the interval since midnight; a time with a zone keeps only the local time.',
  },
  'array-as-json': {
    summary: 'The target has no array type; arrays are stored as a JSON array in a json or text column.',
    atRunTime: 'Each array is written as JSON text; element types are kept only as far as JSON can carry them (numbers as JSON numbers, binary as base64).',
  },
  'set-as-text': {
    summary: 'The target has neither a SET nor an array type; a MySQL set is stored as its comma-separated text.',
    atRunTime: 'Values are written as MySQL prints them (a,b); membership is no longer checked by the database.',
  },
  'bit-string-reshaped': {
    summary: 'The target has no bit string of that shape; bits are stored as bytes (or a fixed-width bit field loses the length of a varying one).',
    atRunTime: 'Bit strings are left-padded to whole bytes; the original bit length is reported in the plan.',
  },
};

/** A LossNote with the catalogue's summary, or a column-specific description. */
export function loss(kind: LossKind, description?: string): LossNote {
  return { kind, description: description ?? LOSS_KINDS[kind].summary };
}

/** Keeps one note per column: the first kind, with the second's words appended. */
export function combineLoss(first: LossNote | undefined, second: LossNote | undefined): LossNote | undefined {
  if (!first || !second) return first ?? second;
  return { kind: first.kind, description: `${first.description} Also: ${second.description}` };
}

export function mapped(type: NeutralType, ...warnings: string[]): MappedType {
  return { type, warnings };
}

/** Targets without unsigned integers widen one size; 64-bit goes to decimal(20,0). */
export function widenUnsigned(t: NeutralType): NeutralType {
  switch (t.kind) {
    case 'uint8':
      return { kind: 'int16' };
    case 'uint16':
      return { kind: 'int32' };
    case 'uint32':
      return { kind: 'int64' };
    case 'uint64':
      return { kind: 'decimal', precision: 20, scale: 0 };
    default:
      return t;
  }
}

/** The smallest signed integer kind that holds every value of `digits` decimal digits, if any. */
export function intKindForDigits(digits: number): NeutralType | undefined {
  if (digits <= 4) return { kind: 'int16' };
  if (digits <= 9) return { kind: 'int32' };
  if (digits <= 18) return { kind: 'int64' };
  return undefined;
}

/**
 * Fits decimal(p,s) into a target's maximum precision and scale, keeping integer digits
 * first. Returns the bounded pair and whether anything was given up.
 */
export function boundDecimal(
  precision: number,
  scale: number,
  maxPrecision: number,
  maxScale: number,
): { precision: number; scale: number; reduced: boolean } {
  if (precision <= maxPrecision && scale <= maxScale) return { precision, scale, reduced: false };
  const intDigits = Math.max(precision - scale, 0);
  const p = Math.min(precision, maxPrecision);
  const s = Math.max(0, Math.min(scale, maxScale, p - Math.min(intDigits, p)));
  return { precision: p, scale: s, reduced: true };
}

/** Clamps fractional-second digits to a target's maximum, with the LossNote when it cuts. */
export function clampFraction(
  precision: number | undefined,
  max: number,
  fallback = 6,
): { precision: number; lossy?: LossNote } {
  const wanted = precision ?? fallback;
  if (wanted <= max) return { precision: wanted };
  return {
    precision: max,
    lossy: loss(
      'fractional-seconds-truncated',
      `${wanted} fractional-second digits truncated to ${max}${wanted === 7 && max === 6 ? ' (100 ns ticks dropped)' : ''}.`,
    ),
  };
}

/** One rule per neutral kind: the compiler checks that a mapper covers every kind. */
export type FromNeutralRules<O extends FromNeutralOptions = FromNeutralOptions> = {
  [K in NeutralKind]: (t: NeutralTypeOf<K>, options: O) => NativeTypeResult | string;
};

export function applyFromNeutral<O extends FromNeutralOptions>(
  rules: FromNeutralRules<O>,
  type: NeutralType,
  options: O,
): NativeTypeResult {
  if (options.override !== undefined) return { native: options.override };
  const rule = rules[type.kind] as (t: NeutralType, o: O) => NativeTypeResult | string;
  const result = rule(type, options);
  if (typeof result === 'string') return { native: result };
  // Rules may leave `lossy: undefined`; callers and snapshots see only the fields that mean something.
  return {
    native: result.native,
    ...(result.lossy ? { lossy: result.lossy } : {}),
    ...(result.check ? { check: result.check } : {}),
  };
}

/** A catalogue entry after merging, with nulls dropped: what rules read. */
export type ResolvedColumnInfo = { [K in keyof NativeColumnInfo]: Exclude<NativeColumnInfo[K], null> };

/** A type name rule: reads a catalogue entry into a neutral type (and any warnings). */
export type ToNeutralRule = (c: ResolvedColumnInfo) => NeutralType | MappedType;

export function asMapped(result: NeutralType | MappedType): MappedType {
  return 'type' in result && 'warnings' in result ? result : { type: result, warnings: [] };
}

/**
 * A text column whose labels the introspector found in a `CHECK (col IN (…))` (how dbferry
 * writes enums where the target has none) reads back as that enum.
 */
export function withCheckedLabels(c: ResolvedColumnInfo, result: MappedType): MappedType {
  const textual = result.type.kind === 'string' || result.type.kind === 'text' || result.type.kind === 'char';
  if (!textual || !c.enumValues?.length) return result;
  return { ...result, type: { kind: 'enum', values: c.enumValues } };
}

/** The type text split into words and arguments: `timestamp(3) with time zone[]`. */
export interface ParsedTypeText {
  /** Lower-case words outside the parentheses, single-spaced: `timestamp with time zone`. */
  name: string;
  /** Arguments of every parenthesised group, in order, trimmed: `['3']`, `["'a'", "'b,c'"]`. */
  args: string[];
  /** Number of trailing `[]` (PostgreSQL arrays). */
  arrayDims: number;
}

export function parseTypeText(text: string): ParsedTypeText {
  let rest = text.trim();
  let arrayDims = 0;
  for (let m = /\[\d*\]\s*$/.exec(rest); m; m = /\[\d*\]\s*$/.exec(rest)) {
    arrayDims += 1;
    rest = rest.slice(0, m.index).trimEnd();
  }
  const words: string[] = [];
  const args: string[] = [];
  let word = '';
  for (let i = 0; i < rest.length; i += 1) {
    const ch = rest[i];
    if (ch === '(') {
      const end = findClosingParen(rest, i);
      args.push(...splitTypeArgs(rest.slice(i + 1, end)));
      words.push(word);
      word = ' ';
      i = end;
    } else {
      word += ch;
    }
  }
  words.push(word);
  const name = words.join(' ').trim().toLowerCase().replace(/\s+/g, ' ');
  return { name, args, arrayDims };
}

function findClosingParen(text: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === "'" && text[i + 1] === "'") i += 1;
      else if (ch === "'") quoted = false;
    } else if (ch === "'") quoted = true;
    else if (ch === '(') depth += 1;
    else if (ch === ')') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return text.length;
}

/** Splits `12, 2` or `'a','b,c'` on commas outside quotes. */
export function splitTypeArgs(inner: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < inner.length; i += 1) {
    const ch = inner[i];
    if (quoted && ch === "'" && inner[i + 1] === "'") {
      current += "''";
      i += 1;
    } else if (ch === "'") {
      quoted = !quoted;
      current += ch;
    } else if (ch === ',' && !quoted) {
      out.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim() !== '' || out.length > 0) out.push(current.trim());
  return out;
}

/** `'it''s'` → `it's`. Leaves unquoted text as it is. */
export function unquoteSqlString(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  return t;
}

/** Standard SQL string literal: quotes doubled. */
export function sqlStringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Integer argument `n` of a parsed type, or undefined when absent or not a number. */
export function intArg(args: string[], index: number): number | undefined {
  const raw = args[index];
  if (raw === undefined) return undefined;
  const n = Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Catalogue fields win over those parsed from the type text (null and undefined do not count),
 * except the type name: the parsed full text names the type better than `USER-DEFINED` or `ARRAY`.
 */
export function mergeColumnInfo(parsed: NativeColumnInfo, given: NativeColumnInfo): ResolvedColumnInfo {
  const out: Partial<NativeColumnInfo> = {};
  for (const source of [parsed, given]) {
    for (const [key, value] of Object.entries(source) as [keyof NativeColumnInfo, unknown][]) {
      if (source === given && (key === 'dataType' || key === 'columnType')) continue;
      if (value !== undefined && value !== null) Object.assign(out, { [key]: value });
    }
  }
  return out as ResolvedColumnInfo;
}

/** Longest label of an enum, for a varchar that holds any of them. */
export function longestLabel(values: string[]): number {
  return Math.max(1, ...values.map((v) => [...v].length));
}

/** Length of the longest set value as MySQL prints it (`a,b,c`). */
export function setTextLength(values: string[]): number {
  return Math.max(1, values.reduce((n, v) => n + [...v].length, 0) + Math.max(values.length - 1, 0));
}

/**
 * One of each shape the model can express, for round-trip tests and the conformance suite:
 * every dialect must bring each back as itself or as its documented result.
 */
export const NEUTRAL_TYPE_SAMPLES: readonly NeutralType[] = [
  { kind: 'bool' },
  { kind: 'int8' },
  { kind: 'int16' },
  { kind: 'int32' },
  { kind: 'int64' },
  { kind: 'uint8' },
  { kind: 'uint16' },
  { kind: 'uint32' },
  { kind: 'uint64' },
  { kind: 'decimal', precision: 12, scale: 2 },
  { kind: 'decimal', precision: 20, scale: 0 },
  { kind: 'decimal', precision: 38, scale: 10 },
  { kind: 'decimal', precision: 70, scale: 10 },
  { kind: 'decimal' },
  { kind: 'float32' },
  { kind: 'float64' },
  { kind: 'string', length: 20 },
  { kind: 'string', length: 5000 },
  { kind: 'string' },
  { kind: 'char', length: 3 },
  { kind: 'text' },
  { kind: 'text', length: 65_535 },
  { kind: 'uuid' },
  { kind: 'json' },
  { kind: 'json', binary: true },
  { kind: 'xml' },
  { kind: 'binary', length: 16, fixed: true },
  { kind: 'binary', length: 200 },
  { kind: 'blob' },
  { kind: 'bit', length: 8 },
  { kind: 'bit', length: 16, varying: true },
  { kind: 'date' },
  { kind: 'time', precision: 3 },
  { kind: 'time', precision: 3, withTimeZone: true },
  { kind: 'timestamp', precision: 0 },
  { kind: 'timestamp', precision: 3 },
  { kind: 'timestamp', precision: 6 },
  { kind: 'timestamp', precision: 7 },
  { kind: 'timestamp' },
  { kind: 'timestamptz', precision: 6 },
  { kind: 'timestamptz', precision: 7 },
  { kind: 'interval' },
  { kind: 'interval', fields: 'year-month' },
  { kind: 'interval', fields: 'day-second' },
  { kind: 'enum', values: ['small', "it's", 'a,b'] },
  { kind: 'set', values: ['read', 'write'] },
  { kind: 'array', of: { kind: 'int32' } },
  { kind: 'array', of: { kind: 'text' } },
  { kind: 'array', of: { kind: 'decimal', precision: 10, scale: 2 } },
];

/**
 * Writes a neutral type as the dialect's column type and reads it back, as a schema copy
 * followed by an introspection would. Enum labels travel in a CHECK, which the introspector
 * reads back into `enumValues`; that is simulated here.
 */
export function roundTripType(mapper: TypeMapper, type: NeutralType): { native: NativeTypeResult; back: MappedType } {
  const native = mapper.fromNeutral(type);
  const info = mapper.parseNativeType(native.native);
  if (type.kind === 'enum' && native.check) info.enumValues = type.values;
  return { native, back: mapper.toNeutral(info) };
}
