import {
  applyFromNeutral,
  asMapped,
  mapped,
  mergeColumnInfo,
  intArg,
  loss,
  parseTypeText,
  sqlStringLiteral,
  type FromNeutralOptions,
  type FromNeutralRules,
  type MappedType,
  type NativeColumnInfo,
  type NativeTypeResult,
  type NeutralType,
  type NeutralTypeOf,
  type RepresentativeType,
  type ResolvedColumnInfo,
  type ToNeutralRule,
  type TypeMapper,
} from '@dbferry/dialects-core';

/**
 * SQLite keeps whatever type a column was declared with, so the declared type carries the
 * neutral type: `fromNeutral` writes names that `toNeutral` reads back to the same type.
 *
 * Declared types decide affinity (https://www.sqlite.org/datatype3.html#affinity_name_examples),
 * and NUMERIC affinity turns numeric-looking text into INTEGER or REAL (15 significant digits,
 * and '77.70' becomes 77.7: the scale is lost). Where that would change values, the names
 * written here contain TEXT to get TEXT affinity: DECIMAL_TEXT(p,s) for every decimal (holding
 * the decimal string at its scale), UNSIGNED64_TEXT, JSON_TEXT, BIT_TEXT(n), ENUM_TEXT, SET_TEXT.
 */

/** A REAL keeps 15 significant decimal digits exactly. */
const EXACT_REAL_DIGITS = 15;

const TEXT_SIZES: Record<string, number | undefined> = { tiny: 255, medium: 16_777_215, long: undefined };

const decimal: ToNeutralRule = (c) => {
  if (c.precision === undefined || c.precision === null) return { kind: 'decimal' };
  const type: NeutralType = { kind: 'decimal', precision: c.precision, scale: c.scale ?? 0 };
  return c.precision > EXACT_REAL_DIGITS
    ? mapped(type, `${c.columnType ?? c.dataType} has NUMERIC affinity: SQLite may have stored values beyond 15 significant digits as REAL`)
    : type;
};
const textDecimal: ToNeutralRule = (c) =>
  c.precision === undefined || c.precision === null ? { kind: 'decimal' } : { kind: 'decimal', precision: c.precision, scale: c.scale ?? 0 };
const int =
  (signed: NeutralType['kind'], unsigned: NeutralType['kind']): ToNeutralRule =>
  (c) =>
    ({ kind: c.unsigned ? unsigned : signed }) as NeutralType;
const string: ToNeutralRule = (c) => (c.length ? { kind: 'string', length: c.length } : { kind: 'string' });
const char: ToNeutralRule = (c) => ({ kind: 'char', length: c.length ?? 1 });
const sizedText =
  (size: string): ToNeutralRule =>
  () => {
    const length = TEXT_SIZES[size];
    return length === undefined ? { kind: 'text' } : { kind: 'text', length };
  };
const sizedBlob =
  (size: string): ToNeutralRule =>
  () => {
    const length = TEXT_SIZES[size];
    return length === undefined ? { kind: 'blob' } : { kind: 'blob', length };
  };
const withPrecision =
  (t: NeutralTypeOf<'time' | 'timestamp' | 'timestamptz'>): ToNeutralRule =>
  (c) =>
    c.precision === undefined ? t : { ...t, precision: c.precision };
const labelled =
  (kind: 'enum' | 'set'): ToNeutralRule =>
  (c) =>
    c.enumValues?.length
      ? { kind, values: c.enumValues }
      : mapped({ kind: 'text' }, `${kind} labels were not found in a CHECK constraint; read as text`);

/** Declared type name, lower-case, underscores as spaces, UNSIGNED taken out → neutral type. */
const TO_NEUTRAL: Record<string, ToNeutralRule> = {
  bool: () => ({ kind: 'bool' }),
  boolean: () => ({ kind: 'bool' }),
  bit: (c) => ((c.length ?? 1) === 1 ? { kind: 'bool' } : { kind: 'bit', length: c.length ?? 1 }),
  'bit text': (c) => ({ kind: 'bit', length: c.length ?? 1 }),
  'varbit text': (c) => ({ kind: 'bit', length: c.length ?? 1, varying: true }),
  tinyint: int('int8', 'uint8'),
  smallint: int('int16', 'uint16'),
  int2: int('int16', 'uint16'),
  mediumint: int('int32', 'uint32'),
  int: int('int32', 'uint32'),
  int4: int('int32', 'uint32'),
  // INTEGER is SQLite's own 64-bit integer (and the rowid alias).
  integer: int('int64', 'uint64'),
  bigint: int('int64', 'uint64'),
  'big int': int('int64', 'uint64'),
  int8: int('int64', 'uint64'),
  'unsigned64 text': () => ({ kind: 'uint64' }),
  year: () => ({ kind: 'int16' }),
  decimal,
  numeric: decimal,
  'decimal text': textDecimal,
  float4: () => ({ kind: 'float32' }),
  real: () => ({ kind: 'float64' }),
  float: () => ({ kind: 'float64' }),
  float8: () => ({ kind: 'float64' }),
  double: () => ({ kind: 'float64' }),
  'double precision': () => ({ kind: 'float64' }),
  varchar: string,
  nvarchar: string,
  'character varying': string,
  'varying character': string,
  char,
  character: char,
  nchar: char,
  'native character': char,
  text: (c) => (c.length ? { kind: 'text', length: c.length } : { kind: 'text' }),
  clob: () => ({ kind: 'text' }),
  tinytext: sizedText('tiny'),
  mediumtext: sizedText('medium'),
  longtext: sizedText('long'),
  blob: (c) => (c.length ? { kind: 'blob', length: c.length } : { kind: 'blob' }),
  tinyblob: sizedBlob('tiny'),
  mediumblob: sizedBlob('medium'),
  longblob: sizedBlob('long'),
  bytea: () => ({ kind: 'blob' }),
  binary: (c) => ({ kind: 'binary', length: c.length ?? 1, fixed: true }),
  varbinary: (c) => (c.length ? { kind: 'binary', length: c.length } : { kind: 'binary' }),
  uuid: () => ({ kind: 'uuid' }),
  json: () => ({ kind: 'json' }),
  'json text': () => ({ kind: 'json' }),
  jsonb: () => ({ kind: 'json', binary: true }),
  'jsonb text': () => ({ kind: 'json', binary: true }),
  xml: () => ({ kind: 'xml' }),
  date: () => ({ kind: 'date' }),
  time: withPrecision({ kind: 'time' }),
  timetz: withPrecision({ kind: 'time', withTimeZone: true }),
  datetime: withPrecision({ kind: 'timestamp' }),
  timestamp: withPrecision({ kind: 'timestamp' }),
  timestamptz: withPrecision({ kind: 'timestamptz' }),
  'timestamp with time zone': withPrecision({ kind: 'timestamptz' }),
  datetimeoffset: withPrecision({ kind: 'timestamptz' }),
  interval: () => ({ kind: 'interval' }),
  'interval year to month': () => ({ kind: 'interval', fields: 'year-month' }),
  'interval day to second': () => ({ kind: 'interval', fields: 'day-second' }),
  'enum text': labelled('enum'),
  'set text': labelled('set'),
};

/** SQLite's affinity rules, in their order, for declared types no rule above names. */
function byAffinity(c: ResolvedColumnInfo): MappedType {
  const name = c.dataType.toUpperCase();
  const declared = c.columnType ?? c.dataType;
  if (name.trim() === '') return mapped({ kind: 'text' }, 'column has no declared type; values of any storage class are copied as text');
  if (name.includes('INT')) return mapped({ kind: 'int64' }, `${declared} has INTEGER affinity; read as int64`);
  if (/CHAR|CLOB|TEXT/.test(name)) return mapped({ kind: 'text' }, `${declared} has TEXT affinity; read as text`);
  if (name.includes('BLOB')) return mapped({ kind: 'blob' }, `${declared} has BLOB affinity; read as blob`);
  if (/REAL|FLOA|DOUB/.test(name)) return mapped({ kind: 'float64' }, `${declared} has REAL affinity; read as float64`);
  return mapped({ kind: 'decimal' }, `${declared} has NUMERIC affinity; read as an unbounded decimal`);
}

export function parseSqliteType(text: string): NativeColumnInfo {
  const array = /^\s*array[_ ](.+)$/i.exec(text);
  if (array) return { dataType: 'array', columnType: text, elementType: parseSqliteType(array[1]) };
  const parsed = parseTypeText(text);
  if (parsed.arrayDims > 0) {
    return { dataType: 'array', columnType: text, elementType: parseSqliteType(text.trim().replace(/(\s*\[\d*\])+\s*$/, '')) };
  }
  const words = parsed.name.replace(/_/g, ' ').split(' ').filter(Boolean);
  const unsigned = words.includes('unsigned') && !words.includes('unsigned64');
  const name = words.filter((w) => w !== 'unsigned').join(' ');
  const info: NativeColumnInfo = { dataType: name, columnType: text };
  if (unsigned) info.unsigned = true;
  if (name === 'decimal' || name === 'numeric' || name === 'decimal text') {
    info.precision = intArg(parsed.args, 0);
    info.scale = intArg(parsed.args, 1);
  } else if (/^(time|timetz|datetime|timestamp|timestamptz|datetimeoffset)$/.test(name) || name === 'timestamp with time zone') {
    info.precision = intArg(parsed.args, 0);
  } else if (parsed.args.length > 0) info.length = intArg(parsed.args, 0);
  return info;
}

function toNeutral(native: NativeColumnInfo): MappedType {
  const c = mergeColumnInfo(parseSqliteType(native.columnType ?? native.dataType), native);
  if (c.elementType) {
    const element = toNeutral(c.elementType);
    return { type: { kind: 'array', of: element.type }, warnings: element.warnings };
  }
  const rule = TO_NEUTRAL[c.dataType];
  return rule ? asMapped(rule(c)) : byAffinity(c);
}

const sized = (name: string, n: number | undefined): string => (n === undefined ? name : `${name}(${n})`);

const FROM_NEUTRAL: FromNeutralRules = {
  bool: () => 'BOOLEAN',
  int8: () => 'TINYINT',
  int16: () => 'SMALLINT',
  int32: () => 'INT',
  int64: () => 'BIGINT',
  uint8: () => 'TINYINT UNSIGNED',
  uint16: () => 'SMALLINT UNSIGNED',
  uint32: () => 'INT UNSIGNED',
  // Above 2^63-1 an INTEGER column would turn the value into a REAL.
  uint64: () => 'UNSIGNED64_TEXT',
  // Even DECIMAL(12,2) would store 77.70 as the REAL 77.7: TEXT affinity keeps every digit and the scale.
  decimal: (t) => (t.precision === undefined ? 'DECIMAL_TEXT' : `DECIMAL_TEXT(${t.precision},${t.scale ?? 0})`),
  float32: () => 'FLOAT4',
  float64: () => 'REAL',
  string: (t) => sized('VARCHAR', t.length),
  char: (t) => `CHAR(${t.length})`,
  text: (t) => sized('TEXT', t.length),
  uuid: () => 'UUID',
  json: (t) => (t.binary ? 'JSONB_TEXT' : 'JSON_TEXT'),
  xml: () => 'XML',
  binary: (t) => sized(t.fixed ? 'BINARY' : 'VARBINARY', t.length),
  blob: (t) => sized('BLOB', t.length),
  bit: (t) => `${t.varying ? 'VARBIT_TEXT' : 'BIT_TEXT'}(${t.length})`,
  date: () => 'DATE',
  time: (t) => sized(t.withTimeZone ? 'TIMETZ' : 'TIME', t.precision),
  timestamp: (t) => sized('TIMESTAMP', t.precision),
  timestamptz: (t) => sized('TIMESTAMPTZ', t.precision),
  interval: (t) => (t.fields ? `INTERVAL_${t.fields === 'year-month' ? 'YEAR_TO_MONTH' : 'DAY_TO_SECOND'}` : 'INTERVAL'),
  // The labels live in the CHECK; the introspector reads them back into enumValues.
  enum: (t) => ({ native: 'ENUM_TEXT', check: (col) => `${col} IN (${t.values.map(sqlStringLiteral).join(', ')})` }),
  // Unlike ENUM_TEXT, no CHECK holds the labels: the set reads back as its comma-separated text.
  set: () => ({ native: 'SET_TEXT', lossy: loss('set-as-text') }),
  array: (t, options) => {
    const element = fromNeutral(t.of, { ...options, override: undefined });
    return { native: `ARRAY_${element.native.replace(/ /g, '_')}`, ...(element.lossy ? { lossy: element.lossy } : {}) };
  },
};

function fromNeutral(type: NeutralType, options: FromNeutralOptions = {}): NativeTypeResult {
  return applyFromNeutral(FROM_NEUTRAL, type, options);
}

export const SQLITE_REPRESENTATIVE_TYPES: readonly RepresentativeType[] = [
  'INTEGER',
  'INT',
  'BIGINT',
  'BOOLEAN',
  'REAL',
  'DOUBLE',
  'NUMERIC',
  'DECIMAL(12,2)',
  'TEXT',
  'VARCHAR(20)',
  'CHAR(2)',
  'BLOB',
  'DATE',
  'DATETIME',
  'TIMESTAMP(6)',
  'TIMESTAMP(9)',
  'TIME(7)',
  'UUID',
  'JSON',
  { label: '(no declared type)', info: { dataType: '' } },
  'STRING',
  'FLOATING POINT',
];

export const sqliteTypeMapper: TypeMapper = {
  dialect: 'sqlite',
  toNeutral,
  fromNeutral,
  parseNativeType: parseSqliteType,
  representativeTypes: SQLITE_REPRESENTATIVE_TYPES,
};
