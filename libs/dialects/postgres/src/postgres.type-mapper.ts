import {
  applyFromNeutral,
  asMapped,
  clampFraction,
  intArg,
  mapped,
  mergeColumnInfo,
  withCheckedLabels,
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

/** PostgreSQL caps numeric at 1000 digits and varchar at 10485760 characters. */
const MAX_NUMERIC_PRECISION = 1000;
const MAX_VARCHAR = 10_485_760;

const LENGTH_ARG = new Set(['varchar', 'character varying', 'char', 'character', 'bpchar', 'bit', 'bit varying', 'varbit']);
const NUMERIC_ARGS = new Set(['numeric', 'decimal']);

const int16: NeutralType = { kind: 'int16' };
const int32: NeutralType = { kind: 'int32' };
const int64: NeutralType = { kind: 'int64' };
const decimal: ToNeutralRule = (c) =>
  c.precision ? { kind: 'decimal', precision: c.precision, scale: c.scale ?? 0 } : { kind: 'decimal' };
const varchar: ToNeutralRule = (c) => (c.length ? { kind: 'string', length: c.length } : { kind: 'string' });
const char: ToNeutralRule = (c) => ({ kind: 'char', length: c.length ?? 1 });
const time: ToNeutralRule = (c) => withPrecision({ kind: 'time' }, c);
const timetz: ToNeutralRule = (c) => withPrecision({ kind: 'time', withTimeZone: true }, c);
const timestamp: ToNeutralRule = (c) => withPrecision({ kind: 'timestamp' }, c);
const timestamptz: ToNeutralRule = (c) => withPrecision({ kind: 'timestamptz' }, c);
const asText =
  (why: string): ToNeutralRule =>
  (c) =>
    mapped({ kind: 'text' }, `${c.dataType} is read as text: ${why}`);
const network =
  (length: number): ToNeutralRule =>
  (c) =>
    mapped({ kind: 'string', length }, `${c.dataType} is copied as its text form; other databases have no network address type`);
const serial =
  (type: NeutralType): ToNeutralRule =>
  () => ({ type, warnings: [], identity: true });
const bit: ToNeutralRule = (c) => ({ kind: 'bit', length: c.length ?? 1 });
const varbit: ToNeutralRule = (c) => ({ kind: 'bit', length: c.length ?? 1, varying: true });

function withPrecision(t: NeutralTypeOf<'time' | 'timestamp' | 'timestamptz'>, c: ResolvedColumnInfo): NeutralType {
  return c.precision === undefined ? t : { ...t, precision: c.precision };
}

/** Catalogue name (format_type or udt_name spelling) → neutral type. */
const TO_NEUTRAL: Record<string, ToNeutralRule> = {
  bool: () => ({ kind: 'bool' }),
  boolean: () => ({ kind: 'bool' }),
  int2: () => int16,
  smallint: () => int16,
  int4: () => int32,
  integer: () => int32,
  int: () => int32,
  int8: () => int64,
  bigint: () => int64,
  smallserial: serial(int16),
  serial2: serial(int16),
  serial: serial(int32),
  serial4: serial(int32),
  bigserial: serial(int64),
  serial8: serial(int64),
  oid: () => int64,
  numeric: decimal,
  decimal,
  money: () => mapped({ kind: 'decimal', precision: 19, scale: 2 }, 'money is read as decimal(19,2); its currency symbol and lc_monetary formatting are not kept'),
  real: () => ({ kind: 'float32' }),
  float4: () => ({ kind: 'float32' }),
  'double precision': () => ({ kind: 'float64' }),
  float8: () => ({ kind: 'float64' }),
  float: (c) => ({ kind: (c.precision ?? 53) <= 24 ? 'float32' : 'float64' }),
  varchar,
  'character varying': varchar,
  char,
  character: char,
  bpchar: (c) => (c.length ? { kind: 'char', length: c.length } : { kind: 'text' }),
  text: () => ({ kind: 'text' }),
  citext: () => mapped({ kind: 'text' }, 'citext is read as text; case-insensitive comparison is not kept'),
  name: () => ({ kind: 'string', length: 63 }),
  uuid: () => ({ kind: 'uuid' }),
  json: () => ({ kind: 'json' }),
  jsonb: () => ({ kind: 'json', binary: true }),
  xml: () => ({ kind: 'xml' }),
  bytea: () => ({ kind: 'blob' }),
  date: () => ({ kind: 'date' }),
  time,
  'time without time zone': time,
  timetz,
  'time with time zone': timetz,
  timestamp,
  'timestamp without time zone': timestamp,
  timestamptz,
  'timestamp with time zone': timestamptz,
  interval: () => ({ kind: 'interval' }),
  'interval year to month': () => ({ kind: 'interval', fields: 'year-month' }),
  'interval day to second': () => ({ kind: 'interval', fields: 'day-second' }),
  bit,
  varbit,
  'bit varying': varbit,
  tsvector: asText('other databases have no text-search vector; the lexemes are kept as written'),
  tsquery: asText('other databases have no text-search query type'),
  inet: network(43),
  cidr: network(43),
  macaddr: network(17),
  macaddr8: network(23),
};

export function parsePostgresType(text: string): NativeColumnInfo {
  const { name, args, arrayDims } = parseTypeText(text);
  if (arrayDims > 0) {
    const inner = text.trim().replace(/(\s*\[\d*\])+\s*$/, '');
    return { dataType: 'array', columnType: text, elementType: parsePostgresType(inner) };
  }
  if (name.startsWith('_') && args.length === 0) {
    return { dataType: 'array', columnType: text, elementType: parsePostgresType(name.slice(1)) };
  }
  const info: NativeColumnInfo = { dataType: name, columnType: text };
  if (LENGTH_ARG.has(name)) info.length = intArg(args, 0);
  else if (NUMERIC_ARGS.has(name)) {
    info.precision = intArg(args, 0);
    info.scale = intArg(args, 1);
  } else if (args.length > 0) info.precision = intArg(args, 0);
  return info;
}

function toNeutral(native: NativeColumnInfo): MappedType {
  const c = mergeColumnInfo(parsePostgresType(native.columnType ?? native.dataType), native);
  if (c.elementType) {
    const element = toNeutral(c.elementType);
    return { type: { kind: 'array', of: element.type }, warnings: element.warnings };
  }
  const rule = TO_NEUTRAL[c.dataType.toLowerCase()];
  if (rule) return withCheckedLabels(c, asMapped(rule(c)));
  // A user-defined enum type: the introspector passes its labels (pg_enum).
  if (c.enumValues?.length) return mapped({ kind: 'enum', values: c.enumValues });
  return mapped({ kind: 'text' }, `unknown type ${c.columnType ?? c.dataType} is read as text`);
}

function fraction(base: string, precision: number | undefined, suffix = ''): NativeTypeResult {
  if (precision === undefined) return { native: `${base}${suffix}` };
  const { precision: p, lossy } = clampFraction(precision, 6);
  return { native: `${base}(${p})${suffix}`, lossy };
}

const FROM_NEUTRAL: FromNeutralRules = {
  bool: () => 'boolean',
  int8: () => 'smallint',
  int16: () => 'smallint',
  int32: () => 'integer',
  int64: () => 'bigint',
  // No unsigned types: widen one size (pgloader's rule).
  uint8: () => 'smallint',
  uint16: () => 'integer',
  uint32: () => 'bigint',
  uint64: () => 'numeric(20,0)',
  decimal: (t) =>
    t.precision === undefined || t.precision > MAX_NUMERIC_PRECISION ? 'numeric' : `numeric(${t.precision},${t.scale ?? 0})`,
  float32: () => 'real',
  float64: () => 'double precision',
  string: (t) => (t.length === undefined ? 'varchar' : t.length > MAX_VARCHAR ? 'text' : `varchar(${t.length})`),
  char: (t) => (t.length > MAX_VARCHAR ? 'text' : `char(${t.length})`),
  text: () => 'text',
  uuid: () => 'uuid',
  json: (t) => (t.binary ? 'jsonb' : 'json'),
  xml: () => 'xml',
  binary: () => 'bytea',
  blob: () => 'bytea',
  bit: (t) => `${t.varying ? 'bit varying' : 'bit'}(${t.length})`,
  date: () => 'date',
  time: (t) => fraction('time', t.precision, t.withTimeZone ? ' with time zone' : ''),
  timestamp: (t) => fraction('timestamp', t.precision),
  timestamptz: (t) => fraction('timestamptz', t.precision),
  interval: (t) => (t.fields ? `interval ${t.fields.replace('-', ' to ')}` : 'interval'),
  enum: (t) => ({ native: 'text', check: (col) => `${col} IN (${t.values.map(sqlStringLiteral).join(', ')})` }),
  set: () => 'text[]',
  array: (t, options) => {
    const element = fromNeutral(t.of, { ...options, override: undefined });
    // Elements of a nested array, or an element's CHECK, cannot be expressed on the array column.
    return { native: `${element.native.replace(/\[\]$/, '')}[]`, lossy: element.lossy };
  },
};

function fromNeutral(type: NeutralType, options: FromNeutralOptions = {}): NativeTypeResult {
  return applyFromNeutral(FROM_NEUTRAL, type, options);
}

export const POSTGRES_REPRESENTATIVE_TYPES: readonly RepresentativeType[] = [
  'boolean',
  'smallint',
  'integer',
  'bigint',
  'serial',
  'numeric(12,2)',
  'numeric',
  'money',
  'real',
  'double precision',
  'varchar(20)',
  'char(3)',
  'text',
  'uuid',
  'json',
  'jsonb',
  'xml',
  'bytea',
  'bit(8)',
  'bit varying(16)',
  'date',
  'time',
  'time(3) with time zone',
  'timestamp',
  'timestamp(3)',
  'timestamptz',
  'interval',
  'integer[]',
  'text[]',
  { label: "enum mood ('sad','ok','happy')", info: { dataType: 'mood', enumValues: ['sad', 'ok', 'happy'] } },
  'tsvector',
  'inet',
  'macaddr',
];

export const postgresTypeMapper: TypeMapper = {
  dialect: 'postgres',
  toNeutral,
  fromNeutral,
  parseNativeType: parsePostgresType,
  representativeTypes: POSTGRES_REPRESENTATIVE_TYPES,
};
