import {
  applyFromNeutral,
  asMapped,
  boundDecimal,
  clampFraction,
  intArg,
  intKindForDigits,
  longestLabel,
  loss,
  mapped,
  mergeColumnInfo,
  withCheckedLabels,
  parseTypeText,
  setTextLength,
  sqlStringLiteral,
  type FromNeutralOptions,
  type FromNeutralRules,
  type LossNote,
  type MappedType,
  type NativeColumnInfo,
  type NativeTypeResult,
  type NeutralType,
  type RepresentativeType,
  type ResolvedColumnInfo,
  type ToNeutralOptions,
  type TypeMapper,
} from '@dbferry/dialects-core';

/** Standard (not extended) string sizes: 4000 bytes for VARCHAR2, 2000 for CHAR and RAW. */
const MAX_VARCHAR2 = 4000;
const MAX_CHAR = 2000;
const MAX_RAW = 2000;
const MAX_NUMBER_PRECISION = 38;
const MAX_FRACTION = 9;

const emptyIsNull = (what: string): LossNote =>
  loss('oracle-empty-is-null', `Oracle stores an empty ${what} as NULL: '' and NULL become the same value.`);

type OracleRule = (c: ResolvedColumnInfo, o: ToNeutralOptions) => NeutralType | MappedType;

const number: OracleRule = (c) => {
  const p = c.precision ?? undefined;
  const s = c.scale ?? undefined;
  // NUMBER(*,0) (INTEGER) holds 38 digits; plain NUMBER is an unbounded decimal.
  if (p === undefined) return s === 0 ? { kind: 'decimal', precision: MAX_NUMBER_PRECISION, scale: 0 } : { kind: 'decimal' };
  if (s === undefined || s === 0) return intKindForDigits(p) ?? { kind: 'decimal', precision: p, scale: 0 };
  if (s < 0) {
    const digits = p - s;
    return mapped(intKindForDigits(digits) ?? { kind: 'decimal', precision: digits, scale: 0 }, `NUMBER(${p},${s}) rounds to ${-s} places left of the point; read as an integer of ${digits} digits`);
  }
  return { kind: 'decimal', precision: p, scale: s };
};
const varchar2: OracleRule = (c) => {
  const type: NeutralType = { kind: 'string', length: c.length ?? 1 };
  return c.charSemantics === 'byte'
    ? mapped(type, `${c.dataType.toUpperCase()}(${c.length ?? 1} BYTE) counts bytes: multi-byte characters fit fewer than ${c.length ?? 1}`)
    : type;
};
const char: OracleRule = (c) => ({ kind: 'char', length: c.length ?? 1 });
const fraction =
  (kind: 'timestamp' | 'timestamptz'): OracleRule =>
  (c) =>
    ({ kind, precision: c.precision ?? 6 }) as NeutralType;

const TO_NEUTRAL: Record<string, OracleRule> = {
  number,
  integer: () => ({ kind: 'decimal', precision: MAX_NUMBER_PRECISION, scale: 0 }),
  int: () => ({ kind: 'decimal', precision: MAX_NUMBER_PRECISION, scale: 0 }),
  smallint: () => ({ kind: 'decimal', precision: MAX_NUMBER_PRECISION, scale: 0 }),
  float: (c) =>
    (c.precision ?? 126) > 53
      ? mapped({ kind: 'float64' }, `FLOAT(${c.precision ?? 126}) is a decimal float of up to 38 digits; read as float64 (15–17 significant digits)`)
      : { kind: 'float64' },
  binary_float: () => ({ kind: 'float32' }),
  binary_double: () => ({ kind: 'float64' }),
  varchar2,
  varchar: varchar2,
  nvarchar2: (c) => ({ kind: 'string', length: c.length ?? 1 }),
  char,
  nchar: char,
  clob: () => ({ kind: 'text' }),
  nclob: () => ({ kind: 'text' }),
  long: () => mapped({ kind: 'text' }, 'LONG is deprecated; read as text'),
  blob: () => ({ kind: 'blob' }),
  'long raw': () => mapped({ kind: 'blob' }, 'LONG RAW is deprecated; read as blob'),
  bfile: () => mapped({ kind: 'blob' }, 'BFILE points to a file outside the database; its contents are copied as a blob'),
  raw: (c, o) => {
    if (c.length === 16) return o.raw16AsUuid ? { kind: 'uuid' } : { kind: 'binary', length: 16, fixed: true };
    return { kind: 'binary', length: c.length ?? MAX_RAW };
  },
  // Oracle DATE carries a time of day to the second.
  date: () => ({ kind: 'timestamp', precision: 0 }),
  timestamp: fraction('timestamp'),
  'timestamp with time zone': fraction('timestamptz'),
  'timestamp with local time zone': fraction('timestamptz'),
  'interval year to month': () => ({ kind: 'interval', fields: 'year-month' }),
  'interval day to second': () => ({ kind: 'interval', fields: 'day-second' }),
  xmltype: () => ({ kind: 'xml' }),
  'sys.xmltype': () => ({ kind: 'xml' }),
  json: () => ({ kind: 'json', binary: true }),
  boolean: () => ({ kind: 'bool' }),
  rowid: () => mapped({ kind: 'string', length: 18 }, 'ROWID is copied as its text form; it means nothing in another database'),
  urowid: () => mapped({ kind: 'string', length: 4000 }, 'UROWID is copied as its text form; it means nothing in another database'),
};

export function parseOracleType(text: string): NativeColumnInfo {
  const { name, args } = parseTypeText(text);
  const info: NativeColumnInfo = { dataType: name, columnType: text };
  if (name === 'number' || name === 'float') {
    info.precision = intArg(args, 0);
    info.scale = intArg(args, 1);
  } else if (name === 'interval day to second') info.precision = intArg(args, 1);
  else if (name.startsWith('timestamp')) info.precision = intArg(args, 0);
  else if (args.length > 0 && !name.startsWith('interval')) {
    info.length = intArg(args, 0);
    const semantics = /\b(char|byte)\s*$/i.exec(args[0])?.[1]?.toLowerCase();
    if (semantics === 'char' || semantics === 'byte') info.charSemantics = semantics;
  }
  return info;
}

function toNeutral(native: NativeColumnInfo, options: ToNeutralOptions = {}): MappedType {
  const c = mergeColumnInfo(parseOracleType(native.columnType ?? native.dataType), native);
  const rule = TO_NEUTRAL[c.dataType.toLowerCase()];
  if (rule) return withCheckedLabels(c, asMapped(rule(c, options)));
  return mapped({ kind: 'text' }, `unknown type ${c.columnType ?? c.dataType} is read as text`);
}

function varchar2Or(length: number | undefined): string {
  return length !== undefined && length <= MAX_VARCHAR2 ? `VARCHAR2(${length} CHAR)` : 'CLOB';
}

function timestamp(precision: number | undefined, suffix = ''): NativeTypeResult {
  const { precision: p, lossy } = clampFraction(precision, MAX_FRACTION);
  return { native: `TIMESTAMP(${p})${suffix}`, ...(lossy ? { lossy } : {}) };
}

const isJson = (col: string): string => `${col} IS JSON`;

function numberOf(digits: number): string {
  return `NUMBER(${digits})`;
}

const FROM_NEUTRAL: FromNeutralRules = {
  // No boolean before 23ai.
  bool: () => ({ native: 'NUMBER(1)', check: (col) => `${col} IN (0, 1)` }),
  int8: () => numberOf(3),
  int16: () => numberOf(5),
  int32: () => numberOf(10),
  int64: () => numberOf(19),
  uint8: () => numberOf(3),
  uint16: () => numberOf(5),
  uint32: () => numberOf(10),
  uint64: () => numberOf(20),
  decimal: (t) => {
    if (t.precision === undefined) {
      return { native: 'NUMBER', lossy: loss('unbounded-decimal-bounded', 'unbounded numeric stored as NUMBER: Oracle keeps at most 38 significant digits.') };
    }
    const b = boundDecimal(t.precision, t.scale ?? 0, MAX_NUMBER_PRECISION, 127);
    const native = `NUMBER(${b.precision},${b.scale})`;
    if (!b.reduced) return native;
    return { native, lossy: loss('decimal-precision-reduced', `decimal(${t.precision},${t.scale ?? 0}) exceeds Oracle's 38 digits; stored as ${native}.`) };
  },
  float32: () => 'BINARY_FLOAT',
  float64: () => 'BINARY_DOUBLE',
  string: (t) => ({ native: varchar2Or(t.length), lossy: emptyIsNull('string') }),
  char: (t) => ({ native: t.length <= MAX_CHAR ? `CHAR(${t.length} CHAR)` : varchar2Or(t.length), lossy: emptyIsNull('string') }),
  text: () => ({ native: 'CLOB', lossy: emptyIsNull('string') }),
  // Canonical text keeps the value readable and comparable, with no RAW byte-order question.
  uuid: (_t, o) => (o.uuidAsBinary ? 'RAW(16)' : 'VARCHAR2(36)'),
  json: () => ({ native: 'CLOB', check: isJson }),
  xml: () => 'XMLTYPE',
  binary: (t) => ({
    native: t.length !== undefined && t.length <= MAX_RAW ? `RAW(${t.length})` : 'BLOB',
    lossy: emptyIsNull('byte string'),
  }),
  blob: () => ({ native: 'BLOB', lossy: emptyIsNull('byte string') }),
  bit: (t) => {
    const native = `RAW(${Math.ceil(t.length / 8)})`;
    return { native, lossy: loss('bit-string-reshaped', `${t.varying ? 'varbit' : 'bit'}(${t.length}) stored as ${native}.`) };
  },
  date: () => 'DATE',
  time: (t) => {
    const { precision } = clampFraction(t.precision, MAX_FRACTION);
    return { native: `INTERVAL DAY(0) TO SECOND(${precision})`, lossy: loss('time-as-interval') };
  },
  // DATE is TIMESTAMP(0) with a smaller footprint, and what Oracle users expect to see.
  timestamp: (t) => (t.precision === 0 ? 'DATE' : timestamp(t.precision)),
  timestamptz: (t) => timestamp(t.precision, ' WITH TIME ZONE'),
  interval: (t) => {
    if (t.fields === 'year-month') return 'INTERVAL YEAR(9) TO MONTH';
    const native = 'INTERVAL DAY(9) TO SECOND(6)';
    return t.fields === 'day-second' ? native : { native, lossy: loss('interval-months-folded') };
  },
  enum: (t) => ({
    native: `VARCHAR2(${longestLabel(t.values)} CHAR)`,
    check: (col) => `${col} IN (${t.values.map(sqlStringLiteral).join(', ')})`,
    ...(t.values.includes('') ? { lossy: emptyIsNull('enum label') } : {}),
  }),
  set: (t) => ({
    native: varchar2Or(setTextLength(t.values)),
    lossy: loss('set-as-text', 'set stored as its comma-separated text; the empty set becomes NULL.'),
  }),
  array: () => ({ native: 'CLOB', check: isJson, lossy: loss('array-as-json') }),
};

function fromNeutral(type: NeutralType, options: FromNeutralOptions = {}): NativeTypeResult {
  return applyFromNeutral(FROM_NEUTRAL, type, options);
}

export const ORACLE_REPRESENTATIVE_TYPES: readonly RepresentativeType[] = [
  'NUMBER(1)',
  'NUMBER(4)',
  'NUMBER(9)',
  'NUMBER(18)',
  'NUMBER(19)',
  'NUMBER(12,2)',
  'NUMBER',
  'NUMBER(*,0)',
  'FLOAT(126)',
  'BINARY_FLOAT',
  'BINARY_DOUBLE',
  'VARCHAR2(50 CHAR)',
  'VARCHAR2(50 BYTE)',
  'NVARCHAR2(50)',
  'CHAR(2 CHAR)',
  'CLOB',
  'NCLOB',
  'BLOB',
  'RAW(16)',
  'RAW(200)',
  'DATE',
  'TIMESTAMP(6)',
  'TIMESTAMP(9)',
  'TIMESTAMP(6) WITH TIME ZONE',
  'TIMESTAMP(6) WITH LOCAL TIME ZONE',
  'INTERVAL YEAR(2) TO MONTH',
  'INTERVAL DAY(2) TO SECOND(6)',
  'XMLTYPE',
  'JSON',
];

export const oracleTypeMapper: TypeMapper = {
  dialect: 'oracle',
  toNeutral,
  fromNeutral,
  parseNativeType: parseOracleType,
  representativeTypes: ORACLE_REPRESENTATIVE_TYPES,
};
