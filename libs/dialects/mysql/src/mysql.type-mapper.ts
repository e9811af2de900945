import {
  applyFromNeutral,
  asMapped,
  boundDecimal,
  clampFraction,
  combineLoss,
  intArg,
  loss,
  mapped,
  mergeColumnInfo,
  parseTypeText,
  unquoteSqlString,
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

/** utf8mb4 needs up to 4 bytes a character; a row (and so a varchar) holds at most 65535 bytes. */
const MAX_VARCHAR_CHARS = 16_383;
const MAX_CHAR = 255;
const MAX_DECIMAL_PRECISION = 65;
const MAX_DECIMAL_SCALE = 30;
const MAX_FRACTION = 6;

/** Smallest text/blob kind whose byte limit holds `bytes`; no size means the largest. */
const SIZE_KINDS: readonly [number, string][] = [
  [255, 'tiny'],
  [65_535, ''],
  [16_777_215, 'medium'],
];
function sized(base: 'text' | 'blob', bytes: number | undefined): string {
  const fit = bytes === undefined ? undefined : SIZE_KINDS.find(([max]) => bytes <= max);
  return `${fit ? fit[1] : 'long'}${base}`;
}
const TEXT_SIZES: Record<string, number | undefined> = { tiny: 255, '': 65_535, medium: 16_777_215, long: undefined };

const INT_NAMES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
const NUMERIC_NAMES = new Set(['decimal', 'numeric', 'dec', 'fixed', 'float', 'double', 'double precision', 'real']);
const FRACTION_NAMES = new Set(['time', 'datetime', 'timestamp']);
const SPATIAL = [
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
];

const signedOr =
  (signed: NeutralType['kind'], unsigned: NeutralType['kind']): ToNeutralRule =>
  (c) =>
    ({ kind: c.unsigned ? unsigned : signed }) as NeutralType;
const decimal: ToNeutralRule = (c) => ({ kind: 'decimal', precision: c.precision ?? 10, scale: c.scale ?? 0 });
const float64: ToNeutralRule = () => ({ kind: 'float64' });
// Zero dates ('0000-00-00') are a value concern: the reader turns them into NULL with a warning.
const fractional =
  (kind: 'time' | 'timestamp' | 'timestamptz'): ToNeutralRule =>
  (c) =>
    ({ kind, precision: c.precision ?? 0 }) as NeutralType;
const textKind =
  (size: string): ToNeutralRule =>
  () => {
    const length = TEXT_SIZES[size];
    return length === undefined ? { kind: 'text' } : { kind: 'text', length };
  };
const blobKind =
  (size: string): ToNeutralRule =>
  () => {
    const length = TEXT_SIZES[size];
    return length === undefined ? { kind: 'blob' } : { kind: 'blob', length };
  };
const spatial: ToNeutralRule = (c) =>
  mapped({ kind: 'blob' }, `${c.dataType} is copied as its internal binary form (SRID + WKB); other databases cannot index it as geometry`);

const TO_NEUTRAL: Record<string, ToNeutralRule> = {
  // tinyint(1) is MySQL's boolean (pgloader's rule); otherwise unsigned kinds are kept so a
  // MySQL target stays exact, and targets without unsigned widen them one size.
  tinyint: (c) => (c.displayWidth === 1 ? { kind: 'bool' } : { kind: c.unsigned ? 'uint8' : 'int8' }),
  bool: () => ({ kind: 'bool' }),
  boolean: () => ({ kind: 'bool' }),
  smallint: signedOr('int16', 'uint16'),
  mediumint: () => ({ kind: 'int32' }),
  int: signedOr('int32', 'uint32'),
  integer: signedOr('int32', 'uint32'),
  bigint: signedOr('int64', 'uint64'),
  serial: () => ({ type: { kind: 'uint64' }, warnings: [], identity: true }),
  decimal,
  numeric: decimal,
  dec: decimal,
  fixed: decimal,
  float: (c) => ({ kind: (c.precision ?? 0) > 24 && (c.scale ?? undefined) === undefined ? 'float64' : 'float32' }),
  double: float64,
  'double precision': float64,
  real: float64,
  bit: (c) => ((c.length ?? 1) === 1 ? { kind: 'bool' } : { kind: 'bit', length: c.length ?? 1 }),
  char: (c) => ({ kind: 'char', length: c.length ?? 1 }),
  varchar: (c) => ({ kind: 'string', length: c.length ?? 255 }),
  tinytext: textKind('tiny'),
  text: textKind(''),
  mediumtext: textKind('medium'),
  longtext: textKind('long'),
  binary: (c) => ({ kind: 'binary', length: c.length ?? 1, fixed: true }),
  varbinary: (c) => ({ kind: 'binary', length: c.length ?? 255 }),
  tinyblob: blobKind('tiny'),
  blob: blobKind(''),
  mediumblob: blobKind('medium'),
  longblob: blobKind('long'),
  enum: (c) => ({ kind: 'enum', values: c.enumValues ?? [] }),
  set: (c) => ({ kind: 'set', values: c.enumValues ?? [] }),
  date: () => ({ kind: 'date' }),
  time: fractional('time'),
  datetime: fractional('timestamp'),
  // TIMESTAMP is stored in UTC and shown in the session zone: an instant, so timestamptz.
  timestamp: fractional('timestamptz'),
  year: () => ({ kind: 'int16' }),
  json: () => ({ kind: 'json', binary: true }),
  // MariaDB 10.7+: prints the canonical lower-case 8-4-4-4-12 form.
  uuid: () => ({ kind: 'uuid' }),
  ...Object.fromEntries(SPATIAL.map((name) => [name, spatial])),
};

export function parseMysqlType(text: string): NativeColumnInfo {
  const parsed = parseTypeText(text);
  const words = parsed.name.split(' ');
  const unsigned = words.includes('unsigned');
  const name = words.filter((w) => w !== 'unsigned' && w !== 'signed' && w !== 'zerofill').join(' ');
  const { args } = parsed;
  const info: NativeColumnInfo = { dataType: name, columnType: text };
  if (unsigned) info.unsigned = true;
  if (INT_NAMES.has(name)) info.displayWidth = intArg(args, 0);
  else if (NUMERIC_NAMES.has(name)) {
    info.precision = intArg(args, 0);
    info.scale = intArg(args, 1);
  } else if (FRACTION_NAMES.has(name)) info.precision = intArg(args, 0);
  else if (name === 'enum' || name === 'set') info.enumValues = args.map(unquoteSqlString);
  else if (args.length > 0) info.length = intArg(args, 0);
  return info;
}

function toNeutral(native: NativeColumnInfo): MappedType {
  const c = mergeColumnInfo(parseMysqlType(native.columnType ?? native.dataType), native);
  const rule = TO_NEUTRAL[c.dataType.toLowerCase()];
  if (rule) return asMapped(rule(c));
  return mapped({ kind: 'text' }, `unknown type ${c.columnType ?? c.dataType} is read as text`);
}

/** MySQL string literal in the default sql_mode: quotes doubled, backslashes escaped. */
function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function varcharOrText(length: number | undefined): string {
  if (length !== undefined && length <= MAX_VARCHAR_CHARS) return `varchar(${length})`;
  return sized('text', length === undefined ? undefined : length * 4);
}

function fraction(base: string, precision: number | undefined): NativeTypeResult {
  const { precision: p, lossy } = clampFraction(precision, MAX_FRACTION);
  return { native: p === 0 ? base : `${base}(${p})`, lossy };
}

const FROM_NEUTRAL: FromNeutralRules = {
  bool: () => 'tinyint(1)',
  int8: () => 'tinyint',
  int16: () => 'smallint',
  int32: () => 'int',
  int64: () => 'bigint',
  uint8: () => 'tinyint unsigned',
  uint16: () => 'smallint unsigned',
  uint32: () => 'int unsigned',
  uint64: () => 'bigint unsigned',
  decimal: (t) => {
    if (t.precision === undefined) {
      return {
        native: `decimal(${MAX_DECIMAL_PRECISION},${MAX_DECIMAL_SCALE})`,
        lossy: loss('unbounded-decimal-bounded', 'unbounded numeric stored as decimal(65,30): values beyond 35 integer or 30 fractional digits do not fit.'),
      };
    }
    const b = boundDecimal(t.precision, t.scale ?? 0, MAX_DECIMAL_PRECISION, MAX_DECIMAL_SCALE);
    const native = `decimal(${b.precision},${b.scale})`;
    if (!b.reduced) return native;
    return { native, lossy: loss('decimal-precision-reduced', `decimal(${t.precision},${t.scale ?? 0}) exceeds MySQL's 65/30; stored as ${native}.`) };
  },
  float32: () => 'float',
  float64: () => 'double',
  string: (t) => varcharOrText(t.length),
  char: (t) => (t.length <= MAX_CHAR ? `char(${t.length})` : varcharOrText(t.length)),
  text: (t) => sized('text', t.length),
  uuid: (_t, o) => (o.uuidAsBinary ? 'binary(16)' : 'char(36)'),
  json: () => 'json',
  xml: () => 'longtext',
  binary: (t) => {
    if (t.length === undefined || t.length > MAX_VARCHAR_CHARS) return sized('blob', t.length);
    return t.fixed && t.length <= MAX_CHAR ? `binary(${t.length})` : `varbinary(${t.length})`;
  },
  blob: (t) => sized('blob', t.length),
  bit: (t) => {
    if (t.length > 64) {
      const native = `varbinary(${Math.ceil(t.length / 8)})`;
      return { native, lossy: loss('bit-string-reshaped', `bit(${t.length}) exceeds MySQL's bit(64); stored as ${native}.`) };
    }
    if (t.varying) {
      return { native: `bit(${t.length})`, lossy: loss('bit-string-reshaped', `varbit(${t.length}) stored as bit(${t.length}): shorter values are left-padded with zeros.`) };
    }
    return `bit(${t.length})`;
  },
  date: () => 'date',
  time: (t) => {
    const r = fraction('time', t.precision);
    if (!t.withTimeZone) return r;
    return { native: r.native, lossy: combineLoss(loss('timezone-offset-dropped', 'time with time zone stored as time: the local time is kept, the offset is not.'), r.lossy) };
  },
  // Never TIMESTAMP: its range ends in 2038 and it converts through the session zone.
  timestamp: (t) => fraction('datetime', t.precision),
  timestamptz: (t) => {
    const r = fraction('datetime', t.precision);
    return { native: r.native, lossy: combineLoss(loss('timezone-offset-dropped', 'offset not kept; stored in UTC as datetime.'), r.lossy) };
  },
  interval: () => ({ native: 'varchar(64)', lossy: loss('interval-as-text') }),
  enum: (t) => `enum(${t.values.map(literal).join(',')})`,
  set: (t) => `set(${t.values.map(literal).join(',')})`,
  array: () => ({ native: 'json', lossy: loss('array-as-json') }),
};

function fromNeutral(type: NeutralType, options: FromNeutralOptions = {}): NativeTypeResult {
  return applyFromNeutral(FROM_NEUTRAL, type, options);
}

export const MYSQL_REPRESENTATIVE_TYPES: readonly RepresentativeType[] = [
  'tinyint(1)',
  'tinyint',
  'tinyint unsigned',
  'smallint unsigned',
  'mediumint',
  'int',
  'int unsigned',
  'bigint',
  'bigint unsigned',
  'decimal(12,2)',
  'decimal(65,30)',
  'float',
  'double',
  'bit(1)',
  'bit(12)',
  'year',
  'char(2)',
  'varchar(255)',
  'text',
  'mediumtext',
  'longtext',
  'binary(16)',
  'varbinary(200)',
  'blob',
  'longblob',
  "enum('small','medium','large')",
  "set('read','write','admin')",
  'date',
  'time(3)',
  'datetime',
  'datetime(6)',
  'timestamp(3)',
  'json',
  'uuid',
  'geometry',
];

export const mysqlTypeMapper: TypeMapper = {
  dialect: 'mysql',
  toNeutral,
  fromNeutral,
  parseNativeType: parseMysqlType,
  representativeTypes: MYSQL_REPRESENTATIVE_TYPES,
};
