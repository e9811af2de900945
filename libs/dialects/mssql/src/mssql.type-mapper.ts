import {
  applyFromNeutral,
  asMapped,
  boundDecimal,
  clampFraction,
  combineLoss,
  intArg,
  longestLabel,
  loss,
  mapped,
  mergeColumnInfo,
  withCheckedLabels,
  parseTypeText,
  setTextLength,
  type FromNeutralOptions,
  type FromNeutralRules,
  type MappedType,
  type NativeColumnInfo,
  type NativeTypeResult,
  type NeutralType,
  type RepresentativeType,
  type ToNeutralRule,
  type TypeMapper,
} from '@dbferry/dialects-core';

/** `(max)` in a type, kept as length -1 like INFORMATION_SCHEMA does. */
const MAX = -1;
const MAX_NVARCHAR = 4000;
const MAX_VARBINARY = 8000;
const MAX_DECIMAL_PRECISION = 38;
const MAX_FRACTION = 7;
/** Precision written when the neutral type has none: microseconds, so a round trip stays exact. */
const DEFAULT_FRACTION = 6;

const LENGTH_NAMES = new Set(['char', 'nchar', 'varchar', 'nvarchar', 'binary', 'varbinary']);
const NUMERIC_NAMES = new Set(['decimal', 'numeric']);

const string: ToNeutralRule = (c) => (c.length === MAX || c.length === undefined ? { kind: 'text' } : { kind: 'string', length: c.length });
const char: ToNeutralRule = (c) => ({ kind: 'char', length: c.length ?? 1 });
const decimal: ToNeutralRule = (c) => ({ kind: 'decimal', precision: c.precision ?? 18, scale: c.scale ?? 0 });

const TO_NEUTRAL: Record<string, ToNeutralRule> = {
  bit: () => ({ kind: 'bool' }),
  // 0..255: SQL Server's tinyint is unsigned.
  tinyint: () => ({ kind: 'uint8' }),
  smallint: () => ({ kind: 'int16' }),
  int: () => ({ kind: 'int32' }),
  bigint: () => ({ kind: 'int64' }),
  decimal,
  numeric: decimal,
  money: () => ({ kind: 'decimal', precision: 19, scale: 4 }),
  smallmoney: () => ({ kind: 'decimal', precision: 10, scale: 4 }),
  float: (c) => ({ kind: (c.precision ?? 53) <= 24 ? 'float32' : 'float64' }),
  real: () => ({ kind: 'float32' }),
  char,
  nchar: char,
  varchar: string,
  nvarchar: string,
  text: () => ({ kind: 'text' }),
  ntext: () => ({ kind: 'text' }),
  sysname: () => ({ kind: 'string', length: 128 }),
  binary: (c) => ({ kind: 'binary', length: c.length ?? 1, fixed: true }),
  varbinary: (c) => (c.length === MAX || c.length === undefined ? { kind: 'blob' } : { kind: 'binary', length: c.length }),
  image: () => ({ kind: 'blob' }),
  uniqueidentifier: () => ({ kind: 'uuid' }),
  xml: () => ({ kind: 'xml' }),
  date: () => ({ kind: 'date' }),
  time: (c) => ({ kind: 'time', precision: c.precision ?? 7 }),
  datetime: () =>
    mapped({ kind: 'timestamp', precision: 3 }, 'datetime is accurate to 1/300 s (milliseconds end in 0, 3 or 7); values are copied as they read'),
  smalldatetime: () => mapped({ kind: 'timestamp', precision: 0 }, 'smalldatetime has minute precision'),
  datetime2: (c) => ({ kind: 'timestamp', precision: c.precision ?? 7 }),
  datetimeoffset: (c) => ({ kind: 'timestamptz', precision: c.precision ?? 7 }),
  // SQL Server's timestamp is rowversion, not a date.
  rowversion: () => mapped({ kind: 'binary', length: 8, fixed: true }, 'rowversion is set by the server; copied as binary(8)'),
  timestamp: () => mapped({ kind: 'binary', length: 8, fixed: true }, 'timestamp (rowversion) is set by the server; copied as binary(8)'),
  sql_variant: () => mapped({ kind: 'text' }, 'sql_variant is read as text; the base type of each value is not kept'),
  hierarchyid: () => mapped({ kind: 'string', length: 4000 }, 'hierarchyid is copied as its text path (/1/2/)'),
  geometry: () => mapped({ kind: 'blob' }, 'geometry is copied as its SQL Server binary serialization'),
  geography: () => mapped({ kind: 'blob' }, 'geography is copied as its SQL Server binary serialization'),
};

export function parseMssqlType(text: string): NativeColumnInfo {
  const { name: rawName, args } = parseTypeText(text.replace(/[[\]]/g, ''));
  const name = rawName.replace(/^sys\./, '');
  const info: NativeColumnInfo = { dataType: name, columnType: text };
  if (LENGTH_NAMES.has(name)) info.length = args[0]?.toLowerCase() === 'max' ? MAX : intArg(args, 0);
  else if (NUMERIC_NAMES.has(name)) {
    info.precision = intArg(args, 0);
    info.scale = intArg(args, 1);
  } else if (args.length > 0) info.precision = intArg(args, 0);
  return info;
}

function toNeutral(native: NativeColumnInfo): MappedType {
  const c = mergeColumnInfo(parseMssqlType(native.columnType ?? native.dataType), native);
  const rule = TO_NEUTRAL[c.dataType.toLowerCase()];
  if (rule) return withCheckedLabels(c, asMapped(rule(c)));
  return mapped({ kind: 'text' }, `unknown type ${c.columnType ?? c.dataType} is read as text`);
}

function nvarchar(length: number | undefined): string {
  return length === undefined || length > MAX_NVARCHAR ? 'nvarchar(max)' : `nvarchar(${length})`;
}

/** N'…' so labels outside the database's code page survive. */
function literal(value: string): string {
  return `N'${value.replace(/'/g, "''")}'`;
}

function fraction(base: string, precision: number | undefined): NativeTypeResult {
  const { precision: p, lossy } = clampFraction(precision, MAX_FRACTION, DEFAULT_FRACTION);
  return { native: `${base}(${p})`, lossy };
}

const FROM_NEUTRAL: FromNeutralRules = {
  bool: () => 'bit',
  // tinyint is unsigned here, so a signed 8-bit integer needs smallint.
  int8: () => 'smallint',
  int16: () => 'smallint',
  int32: () => 'int',
  int64: () => 'bigint',
  uint8: () => 'tinyint',
  uint16: () => 'int',
  uint32: () => 'bigint',
  uint64: () => 'decimal(20,0)',
  decimal: (t) => {
    if (t.precision === undefined) {
      return {
        native: 'decimal(38,10)',
        lossy: loss('unbounded-decimal-bounded', 'unbounded numeric stored as decimal(38,10): values beyond 28 integer or 10 fractional digits do not fit.'),
      };
    }
    const b = boundDecimal(t.precision, t.scale ?? 0, MAX_DECIMAL_PRECISION, MAX_DECIMAL_PRECISION);
    const native = `decimal(${b.precision},${b.scale})`;
    if (!b.reduced) return native;
    return { native, lossy: loss('decimal-precision-reduced', `decimal(${t.precision},${t.scale ?? 0}) exceeds SQL Server's 38 digits; stored as ${native}.`) };
  },
  float32: () => 'real',
  float64: () => 'float',
  string: (t) => nvarchar(t.length),
  char: (t) => (t.length <= MAX_NVARCHAR ? `nchar(${t.length})` : 'nvarchar(max)'),
  text: () => 'nvarchar(max)',
  uuid: () => 'uniqueidentifier',
  json: (_t, o) => (o.jsonCheck ? { native: 'nvarchar(max)', check: (col) => `ISJSON(${col}) = 1` } : 'nvarchar(max)'),
  xml: () => 'xml',
  binary: (t) => {
    if (t.length === undefined || t.length > MAX_VARBINARY) return 'varbinary(max)';
    return t.fixed ? `binary(${t.length})` : `varbinary(${t.length})`;
  },
  blob: () => 'varbinary(max)',
  bit: (t) => {
    const bytes = Math.ceil(t.length / 8);
    const native = t.varying ? `varbinary(${bytes})` : `binary(${bytes})`;
    return { native, lossy: loss('bit-string-reshaped', `${t.varying ? 'varbit' : 'bit'}(${t.length}) stored as ${native}.`) };
  },
  date: () => 'date',
  time: (t) => {
    const r = fraction('time', t.precision);
    if (!t.withTimeZone) return r;
    return { native: r.native, lossy: combineLoss(loss('timezone-offset-dropped', 'time with time zone stored as time: the offset is not kept.'), r.lossy) };
  },
  timestamp: (t) => fraction('datetime2', t.precision),
  timestamptz: (t) => fraction('datetimeoffset', t.precision),
  interval: () => ({ native: 'nvarchar(64)', lossy: loss('interval-as-text') }),
  enum: (t) => ({
    native: nvarchar(longestLabel(t.values)),
    check: (col) => `${col} IN (${t.values.map(literal).join(', ')})`,
  }),
  set: (t) => ({ native: nvarchar(setTextLength(t.values)), lossy: loss('set-as-text') }),
  array: (_t, o) => ({
    native: 'nvarchar(max)',
    lossy: loss('array-as-json'),
    ...(o.jsonCheck ? { check: (col: string) => `ISJSON(${col}) = 1` } : {}),
  }),
};

function fromNeutral(type: NeutralType, options: FromNeutralOptions = {}): NativeTypeResult {
  return applyFromNeutral(FROM_NEUTRAL, type, options);
}

export const MSSQL_REPRESENTATIVE_TYPES: readonly RepresentativeType[] = [
  'bit',
  'tinyint',
  'smallint',
  'int',
  'bigint',
  'decimal(18,4)',
  'money',
  'smallmoney',
  'real',
  'float',
  'char(10)',
  'nchar(10)',
  'varchar(100)',
  'nvarchar(100)',
  'nvarchar(max)',
  'ntext',
  'binary(16)',
  'varbinary(256)',
  'varbinary(max)',
  'image',
  'uniqueidentifier',
  'xml',
  'date',
  'time(7)',
  'datetime',
  'smalldatetime',
  'datetime2(7)',
  'datetime2(3)',
  'datetimeoffset(7)',
  'rowversion',
  'sql_variant',
];

export const mssqlTypeMapper: TypeMapper = {
  dialect: 'mssql',
  toNeutral,
  fromNeutral,
  parseNativeType: parseMssqlType,
  representativeTypes: MSSQL_REPRESENTATIVE_TYPES,
};
