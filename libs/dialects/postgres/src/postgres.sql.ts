import { createHash } from 'node:crypto';
import {
  type ChecksumRequest,
  IdentifierError,
  type KeyRange,
  type NeutralColumn,
  type NeutralType,
  type NeutralValue,
  type ReadColumn,
  selectItem,
  type TableRef,
} from '@dbferry/dialects-core';
import { encodeParam } from './postgres.values';

/** PostgreSQL truncates identifiers at NAMEDATALEN - 1 = 63 bytes, not characters. */
export const POSTGRES_MAX_IDENTIFIER_BYTES = 63;

export function quotePostgresIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Refuses a name PostgreSQL would silently truncate (or cannot hold at all). */
export function checkIdentifier(name: string): string {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0) throw new IdentifierError(name, 'is empty');
  if (name.includes('\u0000')) throw new IdentifierError(name, 'contains a NUL character');
  if (bytes > POSTGRES_MAX_IDENTIFIER_BYTES) {
    throw new IdentifierError(name, `is ${bytes} bytes long; PostgreSQL allows at most ${POSTGRES_MAX_IDENTIFIER_BYTES} bytes`);
  }
  return name;
}

/** Checked and quoted. */
export function ident(name: string): string {
  return quotePostgresIdentifier(checkIdentifier(name));
}

export function qualifyTable(table: TableRef): string {
  return `${ident(table.schema)}.${ident(table.name)}`;
}

/**
 * A generated name that fits 63 bytes: cut at a character boundary with a hash of the whole
 * name appended, so two long names that share a prefix stay distinct.
 */
export function fitIdentifier(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= POSTGRES_MAX_IDENTIFIER_BYTES) return name;
  const hash = createHash('md5').update(name, 'utf8').digest('hex').slice(0, 8);
  const room = POSTGRES_MAX_IDENTIFIER_BYTES - hash.length - 1;
  let cut = '';
  for (const ch of name) {
    if (Buffer.byteLength(cut + ch, 'utf8') > room) break;
    cut += ch;
  }
  return `${cut}_${hash}`;
}

export interface SqlWithParams {
  sql: string;
  params: (string | null)[];
}

function keyTypes(keyColumns: string[], columns: NeutralColumn[]): NeutralType[] {
  return keyColumns.map((name) => {
    const column = columns.find((c) => c.name === name);
    if (!column) throw new Error(`key column "${name}" is not among the described columns`);
    return column.type;
  });
}

function tuple(items: string[]): string {
  return items.length === 1 ? items[0] : `(${items.join(', ')})`;
}

/**
 * `key > lower AND key <= upper` as row-value comparisons, so a composite key compares as a
 * tuple in key order (and uses the key's index). Parameters are numbered from `firstParam`.
 */
export function rangePredicate(
  keyColumns: string[],
  columns: NeutralColumn[],
  range: KeyRange | undefined,
  firstParam = 1,
): { conditions: string[]; params: (string | null)[] } {
  const params: (string | null)[] = [];
  const conditions = rangeConditions(keyColumns, columns, range, (text) => {
    params.push(text);
    return `$${firstParam + params.length - 1}`;
  });
  return { conditions, params };
}

/** A string literal; every dbferry session runs with standard_conforming_strings on. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * `rangePredicate` with the bounds written as literals, for statements that take no parameters
 * (COPY). An untyped literal resolves to the key column's type exactly as an untyped parameter does.
 */
export function literalRangePredicate(keyColumns: string[], columns: NeutralColumn[], range: KeyRange | undefined): string[] {
  return rangeConditions(keyColumns, columns, range, (text) => (text === null ? 'NULL' : quoteLiteral(text)));
}

function rangeConditions(
  keyColumns: string[],
  columns: NeutralColumn[],
  range: KeyRange | undefined,
  bind: (text: string | null) => string,
): string[] {
  const conditions: string[] = [];
  if (!range || (!range.lower && !range.upper)) return conditions;
  const types = keyTypes(keyColumns, columns);
  const keys = tuple(keyColumns.map(ident));
  const bound = (values: NeutralValue[], op: string) => {
    if (values.length !== keyColumns.length) {
      throw new Error(`a key bound has ${values.length} values for ${keyColumns.length} key columns`);
    }
    conditions.push(`${keys} ${op} ${tuple(values.map((v, i) => bind(encodeParam(types[i], v))))}`);
  };
  if (range.lower) bound(range.lower, '>');
  if (range.upper) bound(range.upper, '<=');
  return conditions;
}

function whereClause(conditions: string[], where: string | undefined): string {
  const all = where ? [...conditions, `(${where})`] : conditions;
  return all.length ? ` WHERE ${all.join(' AND ')}` : '';
}

/** The column as the text `decodeValue` expects. */
export function readValue(column: NeutralColumn): string {
  const q = ident(column.name);
  // money prints with a currency symbol and lc_monetary separators; numeric is its exact value.
  if (/^money(\[\])?$/i.test(column.nativeType.trim())) return `${q}::numeric${column.nativeType.endsWith('[]') ? '[]' : ''}`;
  return q;
}

/** `readValue` for a select list, keeping the column's name. */
export function readExpression(column: ReadColumn): string {
  if (column.expression !== undefined) return selectItem(column, ident(column.name));
  const value = readValue(column);
  const q = ident(column.name);
  return value === q ? q : `${value} AS ${q}`;
}

export interface SelectRequest {
  table: TableRef;
  columns: ReadColumn[];
  keyColumns: string[];
  range?: KeyRange;
  where?: string;
  /** No ORDER BY (ReadRequest.unordered). */
  unordered?: boolean;
}

export function buildSelectSql(request: SelectRequest): SqlWithParams {
  const { conditions, params } = rangePredicate(request.keyColumns, request.columns, request.range);
  const order = request.keyColumns.length && !request.unordered ? ` ORDER BY ${request.keyColumns.map(ident).join(', ')}` : '';
  const list = request.columns.map(readExpression).join(', ');
  return {
    sql: `SELECT ${list} FROM ${qualifyTable(request.table)}${whereClause(conditions, request.where)}${order}`,
    params,
  };
}

/** The SELECT of `buildSelectSql` as `COPY (…) TO STDOUT (FORMAT binary)`, its range bounds as literals. */
export function buildCopyOutSql(request: SelectRequest): string {
  const conditions = literalRangePredicate(request.keyColumns, request.columns, request.range);
  const order = request.keyColumns.length && !request.unordered ? ` ORDER BY ${request.keyColumns.map(ident).join(', ')}` : '';
  const list = request.columns.map(readExpression).join(', ');
  return `COPY (SELECT ${list} FROM ${qualifyTable(request.table)}${whereClause(conditions, request.where)}${order}) TO STDOUT (FORMAT binary)`;
}

/** No rows, only the result's column types (pg's `fields`), for choosing binary decoders. */
export function buildResultTypesSql(request: Pick<SelectRequest, 'table' | 'columns'>): string {
  return `SELECT ${request.columns.map(readExpression).join(', ')} FROM ${qualifyTable(request.table)} LIMIT 0`;
}

/** typname and typtype of the result's type OIDs (`$1` an int array). */
export const POSTGRES_TYPES_BY_OID_SQL = 'SELECT oid::int AS oid, typname::text AS typname, typtype::text AS typtype FROM pg_type WHERE oid = ANY($1::oid[])';

/** The first (or last) key in key order. */
export function buildKeyBoundSql(table: TableRef, keyColumns: NeutralColumn[], direction: 'ASC' | 'DESC', where?: string): string {
  const list = keyColumns.map(readExpression).join(', ');
  const order = keyColumns.map((c) => `${ident(c.name)} ${direction}`).join(', ');
  return `SELECT ${list} FROM ${qualifyTable(table)}${whereClause([], where)} ORDER BY ${order} LIMIT 1`;
}

/**
 * Every `step`-th key in key order (step chosen in SQL from the row count so that `$1` parts come
 * out), the last row excluded: those keys are the upper bounds of all ranges but the last.
 */
export function buildSplitPointsSql(table: TableRef, keyColumns: NeutralColumn[], where?: string): string {
  const keys = keyColumns.map((c) => ident(c.name));
  const list = keyColumns.map(readExpression).join(', ');
  return [
    `SELECT ${keys.join(', ')} FROM (`,
    `SELECT ${list}, row_number() OVER (ORDER BY ${keys.join(', ')}) AS "dbferry_rn", count(*) OVER () AS "dbferry_n"`,
    `FROM ${qualifyTable(table)}${whereClause([], where)}`,
    `) AS s WHERE "dbferry_rn" % GREATEST(ceil("dbferry_n"::numeric / $1::int)::bigint, 1) = 0 AND "dbferry_rn" < "dbferry_n"`,
    `ORDER BY "dbferry_rn"`,
  ].join('\n');
}

/**
 * Rows and pages of `$1` (a qualified, quoted name) as the planner estimates them: reltuples, or
 * for a table never vacuumed nor analysed (-1 since PostgreSQL 14, 0 before) its size over 64
 * bytes a row; the pages from its size.
 */
export const POSTGRES_ROW_ESTIMATE_SQL = `
SELECT (CASE WHEN c.reltuples > 0 THEN c.reltuples ELSE pg_relation_size(c.oid) / 64 END)::text AS rows,
  (pg_relation_size(c.oid) / current_setting('block_size')::int)::text AS pages
FROM pg_class c WHERE c.oid = to_regclass($1::text)`;

/** The keys of a page sample of about `percent` % of the table, in key order (repeatable: the same split twice). */
export function buildSampleKeysSql(table: TableRef, keyColumns: NeutralColumn[], percent: number, where?: string): string {
  const list = keyColumns.map(readExpression).join(', ');
  const order = keyColumns.map((c) => ident(c.name)).join(', ');
  const pct = Math.min(100, Math.max(0.0001, percent)).toFixed(4);
  return `SELECT ${list} FROM ${qualifyTable(table)} TABLESAMPLE SYSTEM (${pct}) REPEATABLE (0)${whereClause([], where)} ORDER BY ${order}`;
}

/**
 * The column's normalised text (checksum.ts `normalizeValue`) as a SQL expression, or null when
 * SQL cannot reproduce it byte for byte: floats (shortest round-trip vs toExponential), json
 * (sorted keys), arrays and sets (JSON of normalised elements). Those tables are checksummed in
 * the worker.
 */
export function checksumExpression(column: NeutralColumn): string | null {
  const q = ident(column.name);
  switch (column.type.kind) {
    case 'bool':
      return `CASE WHEN ${q} THEN '1' WHEN NOT ${q} THEN '0' END`;
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
      return `${q}::text`;
    case 'decimal': {
      // normalizeDecimal: trailing fractional zeros and a bare trailing point removed. A value
      // with a scale always prints a point, so rtrim only strips fraction digits (NaN has no
      // scale); cheaper per row than a regular expression.
      const v = readValue(column);
      return `CASE WHEN scale(${v}) > 0 THEN rtrim(rtrim(${v}::text, '0'), '.') ELSE ${v}::text END`;
    }
    case 'char':
      return `rtrim(${q}::text, ' ')`;
    case 'binary':
    case 'blob':
      return `encode(${q}, 'hex')`;
    case 'timestamp':
      // ISO without trailing fractional zeros and without a zone: the text is already normalised.
      return `${q}::text`;
    case 'timestamptz':
      // The instant in UTC as a plain timestamp prints what the session (UTC) prints without '+00'.
      return `(${q} AT TIME ZONE 'UTC')::text`;
    case 'time':
      // time with time zone prints its offset: only a zero one goes.
      return `regexp_replace(${q}::text, '(Z|[+-]00(:?00)?)$', '')`;
    case 'string':
    case 'text':
    case 'enum':
    case 'xml':
    case 'uuid':
    case 'bit':
    case 'date':
    case 'interval':
      return `${q}::text`;
    default:
      return null;
  }
}

/**
 * count and the sum of the first 64 bits of md5(row text) read as signed bigints: the sum
 * modulo 2^64 equals the reference's unsigned sum. Null when a column needs the worker.
 * sum(bigint) accumulates in 128-bit integers (a numeric only at the end): about a third of
 * the cost per row of summing numerics. `digest` 'typed' builds `buildTypedChecksumSql` instead.
 */
export function buildChecksumSql(request: SelectRequest & { digest?: ChecksumRequest['digest'] }): SqlWithParams | null {
  if (request.digest === 'typed') return buildTypedChecksumSql(request);
  const digest = rowDigest(request);
  if (digest === null) return null;
  const { conditions, params } = rangePredicate(request.keyColumns, request.columns, request.range);
  return {
    sql: [
      `SELECT count(*)::text AS "rows",`,
      `COALESCE(sum(${digest}), 0)::text AS "digest_sum"`,
      `FROM ${qualifyTable(request.table)}${whereClause(conditions, request.where)}`,
    ].join('\n'),
    params,
  };
}

/** One row's digest (a bigint) for the request's digest, or null when a column needs the worker. */
function rowDigest(request: SelectRequest & { digest?: ChecksumRequest['digest'] }): string | null {
  if (request.digest === 'typed') {
    const hashes: string[] = [];
    for (const [i, column] of request.columns.entries()) {
      const hash = typedHashExpression(column, i + 1);
      if (hash === null) return null;
      hashes.push(`COALESCE(${hash}, ${i + 1})`);
    }
    return `hashint8extended(${hashes.join('\n  # ')}, 0)`;
  }
  const expressions = request.columns.map(checksumExpression);
  if (expressions.some((e) => e === null)) return null;
  const row = `concat_ws(chr(31), ${expressions.map((e) => `COALESCE(${e}, '\\N')`).join(', ')})`;
  // Native (PostgreSQL on every side): the same row text through hashtextextended (64 bits, a
  // quarter of md5's cost per row); "C" so a nondeterministic collation never hashes 'A' as 'a'.
  return request.digest === 'native' ? `hashtextextended(${row} COLLATE "C", 0)` : `('x' || substr(md5(${row}), 1, 16))::bit(64)::bigint`;
}

/**
 * The typed digest's hash of one column's value, seeded by its position, or null when the column
 * has no text expression either (the table is then digested in the worker). Chosen by the
 * PostgreSQL type (typmods dropped) and only where the neutral kind agrees; each hash is the
 * type's own hash support function, which hashes equal exactly the values the type's equality
 * holds equal, and that equality must be no looser than the diff's rules (row-compare.ts):
 * - integers, numeric (by value: 0.5 and 0.50 hash alike), floats (by bits, -0 as 0), booleans,
 *   uuid, date (days), time, timetz (time and offset), timestamp, timestamptz (the instant);
 * - text, varchar and char under COLLATE "C": by bytes (a nondeterministic collation would hash
 *   'A' as 'a'); char ignores trailing spaces, as the diff does;
 * - jsonb, and json read as jsonb: keys sorted, duplicates and whitespace gone, numbers by value
 *   (the diff's canonical JSON holds such values equal too);
 * - anything else (interval, whose equality holds '1 day' = '24 hours'; enum, hashed by OID;
 *   bit, xml, money, bytea, domains, types of extensions): the hash of its normalised text
 *   (`checksumExpression`), as the native digest does.
 */
export function typedHashExpression(column: NeutralColumn, seed: number): string | null {
  const q = ident(column.name);
  const kind = column.type.kind;
  const type = column.nativeType.toLowerCase().replace(/\s*\(\s*\d+\s*(,\s*\d+\s*)?\)/g, '').trim();
  const is = (name: string, ...kinds: NeutralType['kind'][]) => type === name && kinds.includes(kind);
  if (is('bigint', 'int64')) return `hashint8extended(${q}, ${seed})`;
  if (is('integer', 'int32') || is('smallint', 'int16')) return `hashint4extended(${q}, ${seed})`;
  if (is('numeric', 'decimal')) return `hash_numeric_extended(${q}, ${seed})`;
  if (is('double precision', 'float64')) return `hashfloat8extended(${q}, ${seed})`;
  if (is('real', 'float32')) return `hashfloat4extended(${q}, ${seed})`;
  if (is('boolean', 'bool')) return `hashint4extended(${q}::int, ${seed})`;
  if (is('text', 'text', 'string', 'enum') || is('character varying', 'text', 'string', 'enum')) return `hashtextextended(${q} COLLATE "C", ${seed})`;
  if (is('character', 'char', 'string')) return `hashbpcharextended(${q} COLLATE "C", ${seed})`;
  if (is('uuid', 'uuid')) return `uuid_hash_extended(${q}, ${seed})`;
  // A date's day number (an infinite one has none: its text).
  if (is('date', 'date')) return `CASE WHEN isfinite(${q}) THEN hashint4extended(${q} - DATE '2000-01-01', ${seed}) ELSE hashtextextended(${q}::text, ${seed}) END`;
  if (is('timestamp without time zone', 'timestamp')) return `timestamp_hash_extended(${q}, ${seed})`;
  if (is('timestamp with time zone', 'timestamptz')) return `timestamp_hash_extended(${q} AT TIME ZONE 'UTC', ${seed})`;
  if (is('time without time zone', 'time')) return `time_hash_extended(${q}, ${seed})`;
  if (is('time with time zone', 'time')) return `timetz_hash_extended(${q}, ${seed})`;
  if (is('jsonb', 'json')) return `jsonb_hash_extended(${q}, ${seed})`;
  if (is('json', 'json')) return `jsonb_hash_extended(${q}::jsonb, ${seed})`;
  const text = checksumExpression(column);
  return text === null ? null : `hashtextextended((${text}) COLLATE "C", ${seed})`;
}

/**
 * The typed digest (ChecksumRequest.digest 'typed': every side PostgreSQL with the same column
 * types): per row, each column's `typedHashExpression` (seeded by its position, NULL as the seed
 * itself) XORed together and mixed once more by hashint8extended, summed as bigints. The last mix
 * matters: without it the sum would be linear in each column's hashes, and two rows swapping
 * their values of one column would leave it unchanged. No row text is built. The server's
 * encoding is returned with it (text hashes its bytes): sides of different encodings never agree.
 * Null when a column needs the worker.
 */
export function buildTypedChecksumSql(request: SelectRequest): SqlWithParams | null {
  const digest = rowDigest({ ...request, digest: 'typed' });
  if (digest === null) return null;
  const { conditions, params } = rangePredicate(request.keyColumns, request.columns, request.range);
  return {
    sql: [
      `SELECT count(*)::text AS "rows",`,
      `COALESCE(sum(${digest}), 0)::text AS "digest_sum",`,
      `current_setting('server_encoding') AS "encoding"`,
      `FROM ${qualifyTable(request.table)}${whereClause(conditions, request.where)}`,
    ].join('\n'),
    params,
  };
}

const INTEGER_KEY_KINDS = new Set<string>(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);

/**
 * Checksummer.checksumBuckets in one statement: the range's rows grouped by the bucket of their
 * one-column integer key (`width_bucket` over the bounds plus one, so bucket i is
 * (bounds[i-1], bounds[i]]) with the same count and digest as `buildChecksumSql` per bucket; the
 * encoding too for 'typed'. The buckets are joined from generate_series so the planner knows how
 * few groups there are and hashes them (a GROUP BY of the bucket expression alone sorts every
 * row). Buckets without rows are absent. Null for another key or a digest needing the worker.
 */
export function buildBucketChecksumSql(request: SelectRequest & { digest?: ChecksumRequest['digest'] }, bounds: NeutralValue[][]): SqlWithParams | null {
  const key = request.keyColumns.length === 1 ? request.columns.find((c) => c.name === request.keyColumns[0]) : undefined;
  if (!key || !INTEGER_KEY_KINDS.has(key.type.kind) || !bounds.length) return null;
  const cuts: string[] = [];
  for (const bound of bounds) {
    const value = bound.length === 1 ? bound[0] : undefined;
    const integral = typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value));
    if (!integral) return null;
    cuts.push((BigInt(value as bigint | number | string) + 1n).toString());
  }
  const digest = rowDigest(request);
  if (digest === null) return null;
  const { conditions, params } = rangePredicate(request.keyColumns, request.columns, request.range);
  params.push(`{${cuts.join(',')}}`);
  // bigint compares cheaper than numeric in the binary search; an unsigned 64-bit key may not fit it.
  const type = key.type.kind === 'uint64' ? 'numeric' : 'bigint';
  const bucket = `width_bucket(${ident(key.name)}::${type}, $${params.length}::${type}[])`;
  return {
    sql: [
      `SELECT "dbferry_bucket"."dbferry_i"::text AS "bucket", count(*)::text AS "rows",`,
      `COALESCE(sum(${digest}), 0)::text AS "digest_sum"${request.digest === 'typed' ? `,\ncurrent_setting('server_encoding') AS "encoding"` : ''}`,
      `FROM ${qualifyTable(request.table)} JOIN generate_series(0, ${cuts.length}) AS "dbferry_bucket" ("dbferry_i") ON "dbferry_bucket"."dbferry_i" = ${bucket}`,
      `${whereClause(conditions, request.where).trim()}`,
      `GROUP BY "dbferry_bucket"."dbferry_i"`,
    ]
      .filter(Boolean)
      .join('\n'),
    params,
  };
}

const TWO_64 = 1n << 64n;

/** The SQL signed sum → the reference's 16 hex digits. */
export function digestFromSignedSum(sum: string): string {
  const value = ((BigInt(sum) % TWO_64) + TWO_64) % TWO_64;
  return value.toString(16).padStart(16, '0');
}

export function buildDeleteRangeSql(table: TableRef, keyColumns: string[], columns: NeutralColumn[], range?: KeyRange): SqlWithParams {
  const { conditions, params } = rangePredicate(keyColumns, columns, range);
  return { sql: `DELETE FROM ${qualifyTable(table)}${whereClause(conditions, undefined)}`, params };
}

/** The whole table's row count (Reader.countRows). */
export function buildCountRowsSql(table: TableRef): string {
  return `SELECT count(*) AS n FROM ${qualifyTable(table)}`;
}

/** The rows of a key range, counted in the writer's transaction (WriteRequest.verify). */
export function buildCountRangeSql(table: TableRef, keyColumns: string[], columns: NeutralColumn[], range?: KeyRange): SqlWithParams {
  const { conditions, params } = rangePredicate(keyColumns, columns, range);
  return { sql: `SELECT count(*) AS n FROM ${qualifyTable(table)}${whereClause(conditions, undefined)}`, params };
}

/**
 * `COPY … FROM STDIN`; with `where` (conditions such as `literalRangePredicate`'s, PostgreSQL 12+)
 * the server stores only the rows satisfying them, and COPY's row count is the rows it stored.
 */
export function buildCopySql(table: string, columns: string[], format: 'text' | 'binary' = 'text', where: string[] = []): string {
  const options = format === 'binary' ? ' (FORMAT binary)' : '';
  return `COPY ${table} (${columns.map(ident).join(', ')}) FROM STDIN${options}${whereClause(where, undefined)}`;
}

/**
 * Whether anything on the table can change or remove a row after COPY stored it: a trigger that
 * is not disabled, on the table or (partitioned) on any of its partitions; `$1` is the qualified,
 * quoted table name. Internal triggers (foreign-key checks) only read. COPY FROM fires no rules.
 * PostgreSQL 12+ (pg_partition_tree, which lists nothing for a plain table). A name that does not
 * resolve answers true, so the caller counts.
 */
export const POSTGRES_TABLE_TRIGGERS_SQL = `
SELECT to_regclass($1::text) IS NULL OR EXISTS (
  SELECT 1 FROM pg_trigger t
  WHERE (t.tgrelid = to_regclass($1::text) OR t.tgrelid IN (SELECT relid FROM pg_partition_tree(to_regclass($1::text))))
    AND NOT t.tgisinternal AND t.tgenabled <> 'D'
) AS triggers`;

/**
 * For the guard's count of a range (not the whole table): the key's index, never a seq scan of the
 * whole table. A table created by the run has no statistics, so a one-sided range (the first or
 * last chunk) is estimated at a third of the table and planned as a parallel seq scan of every
 * row written so far. SET LOCAL: until the transaction ends.
 */
export const POSTGRES_RANGE_COUNT_PLAN_SQL = `SELECT set_config('enable_seqscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`;

/**
 * The target's column types as pg_type names them, for choosing binary COPY encoders; `$1` is the
 * qualified, quoted table name. A domain shows as typtype 'd' (and goes as text).
 */
export const POSTGRES_COPY_TARGET_TYPES_SQL = `
SELECT a.attname::text AS name, t.typname::text AS typname, t.typtype::text AS typtype
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = to_regclass($1::text) AND a.attnum > 0 AND NOT a.attisdropped`;

/** A session-local staging table shaped like the target, dropped at commit. */
export function buildStageSql(stage: string, target: TableRef): string {
  return `CREATE TEMP TABLE ${ident(stage)} (LIKE ${qualifyTable(target)} INCLUDING DEFAULTS) ON COMMIT DROP`;
}

/** Moves the staged rows into the target, updating every non-key column of rows whose key exists. */
export function buildUpsertSql(stage: string, target: TableRef, columns: string[], keyColumns: string[]): string {
  const list = columns.map(ident).join(', ');
  const updates = columns.filter((c) => !keyColumns.includes(c)).map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`);
  const action = updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
  return [
    `INSERT INTO ${qualifyTable(target)} (${list})`,
    `SELECT ${list} FROM ${ident(stage)}`,
    `ON CONFLICT (${keyColumns.map(ident).join(', ')}) ${action}`,
  ].join('\n');
}

/** PostgreSQL's bind-parameter limit (a 16-bit count in the Bind message). */
export const POSTGRES_MAX_BIND_PARAMS = 65535;

/**
 * One parameterised multi-row upsert ($1 … $rows×columns, row by row) for a small write
 * (takeSmallWrite): the parameters are untyped text, which INSERT coerces to each target column's
 * own type through its input function, as COPY's text format does.
 */
export function buildValuesUpsertSql(target: TableRef, columns: string[], keyColumns: string[], rows: number): string {
  const list = columns.map(ident).join(', ');
  const updates = columns.filter((c) => !keyColumns.includes(c)).map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`);
  const action = updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) tuples.push(`(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
  return [`INSERT INTO ${qualifyTable(target)} (${list})`, `VALUES ${tuples.join(', ')}`, `ON CONFLICT (${keyColumns.map(ident).join(', ')}) ${action}`].join('\n');
}
