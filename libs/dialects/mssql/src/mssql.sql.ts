import {
  IdentifierError,
  type KeyRange,
  type NeutralColumn,
  type NeutralValue,
  SMALL_WRITE_ROWS,
  type TableRef,
  tupleComparison,
  whereClause,
} from '@dbferry/dialects-core';
import { mssqlTypeMapper } from './mssql.type-mapper';
import { keyParam, type KeyParam, mssqlBaseType, selectExpression, type StageColumn, stageColumn } from './mssql.values';

/** sysname is nvarchar(128): 128 UTF-16 code units. */
export const MSSQL_MAX_IDENTIFIER_LENGTH = 128;
/** A request carries at most 2100 parameters. */
export const MSSQL_MAX_BIND_PARAMS = 2100;
/** Session-scoped, so concurrent writers on other connections never see each other's rows. */
export const MSSQL_STAGE_TABLE = '#dbferry_stage';
/**
 * HASHBYTES hashes the bytes it is given; nvarchar is UTF-16, so the row text is converted to
 * varchar under a UTF-8 collation first (SQL Server 2019, version 15, and later).
 */
export const MSSQL_UTF8_COLLATION = 'Latin1_General_100_CI_AS_SC_UTF8';

export function quoteMssqlIdentifier(name: string): string {
  return `[${name.replace(/]/g, ']]')}]`;
}

/** Checks and quotes one identifier; refuses what SQL Server cannot hold before any SQL runs. */
export function mssqlIdentifier(name: string): string {
  if (name.length === 0) throw new IdentifierError(name, 'is empty');
  if (name.length > MSSQL_MAX_IDENTIFIER_LENGTH) {
    throw new IdentifierError(name, `is ${name.length} characters long; SQL Server allows ${MSSQL_MAX_IDENTIFIER_LENGTH}`);
  }
  return quoteMssqlIdentifier(name);
}

export function qualifyMssql(table: TableRef): string {
  return `${mssqlIdentifier(table.schema)}.${mssqlIdentifier(table.name)}`;
}

/** SQL text with its named parameters. */
export interface BoundSql {
  sql: string;
  params: { name: string; param: KeyParam }[];
}

/** The native type a key value is cast to when compared (its widest form, so no rounding). */
export function comparisonType(column: NeutralColumn): string {
  return mssqlTypeMapper.fromNeutral(column.type).native;
}

function keyColumnsOf(columns: NeutralColumn[], names: string[]): NeutralColumn[] {
  return names.map((name) => {
    const found = columns.find((c) => c.name === name);
    if (!found) throw new Error(`key column ${name} is not among the columns`);
    return found;
  });
}

/**
 * SQL Server has no row-value comparison, so `(k1, k2) > (a, b)` is expanded:
 * `(k1 > a OR (k1 = a AND k2 > b))`; the upper bound is the same with `<` and a final `<=`.
 */
export function mssqlRangePredicate(keys: NeutralColumn[], range: KeyRange | undefined, prefix = ''): BoundSql {
  const params: BoundSql['params'] = [];
  const parts: string[] = [];
  const side = (values: NeutralValue[], tag: 'l' | 'u'): string => {
    if (values.length !== keys.length) throw new Error(`a range bound has ${values.length} values for ${keys.length} key columns`);
    const refs = keys.map((k, i) => {
      const name = `${tag}${i}`;
      const param = keyParam(k, name, values[i], comparisonType(k));
      params.push({ name, param });
      return param.expression;
    });
    return tupleComparison(keys.map((k) => `${prefix}${mssqlIdentifier(k.name)}`), refs, tag === 'l' ? 'lower' : 'upper');
  };
  if (range?.lower) parts.push(side(range.lower, 'l'));
  if (range?.upper) parts.push(side(range.upper, 'u'));
  return { sql: parts.join(' AND '), params };
}

const userFilter = (where?: string): string | undefined => (where ? `(${where})` : undefined);

const selectList = (columns: NeutralColumn[], prefix = ''): string =>
  columns.map((c) => `${selectExpression(c, `${prefix}${mssqlIdentifier(c.name)}`)} AS ${mssqlIdentifier(c.name)}`).join(', ');

const orderBy = (keys: NeutralColumn[], direction = '', prefix = ''): string =>
  keys.map((k) => `${prefix}${mssqlIdentifier(k.name)}${direction}`).join(', ');

export function mssqlReadSql(table: TableRef, columns: NeutralColumn[], keyNames: string[], range?: KeyRange, where?: string): BoundSql {
  const keys = keyColumnsOf(columns, keyNames);
  const predicate = mssqlRangePredicate(keys, range);
  const order = keys.length ? ` ORDER BY ${orderBy(keys)}` : '';
  return {
    sql: `SELECT ${selectList(columns)} FROM ${qualifyMssql(table)}${whereClause(predicate.sql, userFilter(where))}${order}`,
    params: predicate.params,
  };
}

export function mssqlKeyBoundSql(table: TableRef, keys: NeutralColumn[], direction: 'ASC' | 'DESC', where?: string): string {
  return `SELECT TOP (1) ${selectList(keys)} FROM ${qualifyMssql(table)}${whereClause(userFilter(where))} ORDER BY ${orderBy(keys, ` ${direction}`)}`;
}

export function mssqlCountSql(table: TableRef, where?: string): string {
  return `SELECT COUNT_BIG(*) AS ${mssqlIdentifier('rows')} FROM ${qualifyMssql(table)}${whereClause(userFilter(where))}`;
}

/** Every `step`-th key in key order (short of the last row): the upper bounds of the ranges. */
export function mssqlSplitSql(table: TableRef, keys: NeutralColumn[], where?: string): string {
  const rn = mssqlIdentifier('dbferry_rn');
  const x = mssqlIdentifier('x');
  const inner = `SELECT ${orderBy(keys)}, ROW_NUMBER() OVER (ORDER BY ${orderBy(keys)}) AS ${rn} FROM ${qualifyMssql(table)}${whereClause(userFilter(where))}`;
  return `SELECT ${selectList(keys, `${x}.`)} FROM (${inner}) AS ${x} WHERE ${x}.${rn} % @step = 0 AND ${x}.${rn} < @total ORDER BY ${x}.${rn}`;
}

/** Per target column: its staging type, and the expression that reads it back from `[s]`. */
export interface StagePlan {
  target: NeutralColumn;
  stageName: string;
  stage: StageColumn;
  /** `CAST([s].[c0] AS decimal(38,10))` or `[s].[c0]`. */
  source: string;
}

export function mssqlStagePlan(columns: NeutralColumn[]): StagePlan[] {
  return columns.map((target, i) => {
    const stageName = `c${i}`;
    const stage = stageColumn(target, mssqlTypeMapper.fromNeutral(target.type).native);
    const ref = `${mssqlIdentifier('s')}.${mssqlIdentifier(stageName)}`;
    return { target, stageName, stage, source: stage.castTo ? `CAST(${ref} AS ${stage.castTo})` : ref };
  });
}

export function mssqlCreateStageSql(plan: StagePlan[]): string {
  const stage = mssqlIdentifier(MSSQL_STAGE_TABLE);
  const cols = plan.map((p) => `${mssqlIdentifier(p.stageName)} ${p.stage.declaration} NULL`).join(', ');
  return `IF OBJECT_ID(N'tempdb..${MSSQL_STAGE_TABLE}') IS NOT NULL DROP TABLE ${stage};\nCREATE TABLE ${stage} (${cols});`;
}

export const mssqlTruncateStageSql = (): string => `TRUNCATE TABLE ${mssqlIdentifier(MSSQL_STAGE_TABLE)};`;
export const mssqlDropStageSql = (): string => `DROP TABLE ${mssqlIdentifier(MSSQL_STAGE_TABLE)};`;

/** Explicit values into an identity column need IDENTITY_INSERT, on for this statement only. */
export function withIdentityInsert(table: TableRef, columns: NeutralColumn[], statement: string): string {
  if (!columns.some((c) => c.identity)) return `SET DATEFORMAT ymd;\n${statement}`;
  const target = qualifyMssql(table);
  return `SET DATEFORMAT ymd;\nSET IDENTITY_INSERT ${target} ON;\n${statement}\nSET IDENTITY_INSERT ${target} OFF;`;
}

/** Parameters a small write binds at most: one under MSSQL_MAX_BIND_PARAMS, left for the driver. */
export const MSSQL_MAX_PARAMS = MSSQL_MAX_BIND_PARAMS - 1;

/** Rows up to which an upsert is one MERGE of bound values (SMALL_WRITE_ROWS, fewer for wide rows under the parameter limit); 0: never. */
export function mssqlSmallWriteRows(columns: number): number {
  return Math.min(SMALL_WRITE_ROWS, Math.floor(MSSQL_MAX_PARAMS / Math.max(1, columns)));
}

/** The name of row `row`'s column `column` in a small write's VALUES (mssqlValuesSource). */
export const mssqlValueParam = (row: number, column: number): string => `r${row}c${column}`;

/**
 * A small write's source (issue 13, H4): `rows` rows of bound parameters as a VALUES table named
 * like the staged one (`[s]` with columns c0, c1, …), so the MERGE reads it with the same
 * casts, without a temp table, a bulk load and three more round trips.
 */
export function mssqlValuesSource(plan: StagePlan[], rows: number): string {
  if (rows < 1) throw new Error('a VALUES source needs at least one row');
  if (rows * plan.length > MSSQL_MAX_PARAMS) throw new Error(`${rows} rows of ${plan.length} columns exceed SQL Server's ${MSSQL_MAX_PARAMS} parameters`);
  const values = Array.from({ length: rows }, (_, r) => `(${plan.map((_, c) => `@${mssqlValueParam(r, c)}`).join(', ')})`).join(',\n  ');
  return `(VALUES ${values}) AS ${mssqlIdentifier('s')} (${plan.map((p) => mssqlIdentifier(p.stageName)).join(', ')})`;
}

/**
 * HOLDLOCK makes the match-then-insert atomic against concurrent writers of the same keys.
 * `source`: the rows merged, the staged temp table unless given (mssqlValuesSource).
 */
export function mssqlMergeSql(table: TableRef, plan: StagePlan[], keyNames: string[], source?: string): string {
  if (keyNames.length === 0) throw new Error('upsert needs key columns');
  const t = mssqlIdentifier('t');
  const s = mssqlIdentifier('s');
  const byName = new Map(plan.map((p) => [p.target.name, p]));
  const on = keyNames
    .map((k) => {
      const p = byName.get(k);
      if (!p) throw new Error(`key column ${k} is not among the written columns`);
      return `${t}.${mssqlIdentifier(k)} = ${p.source}`;
    })
    .join(' AND ');
  const nonKeys = plan.filter((p) => !keyNames.includes(p.target.name));
  const update = nonKeys.length
    ? `\nWHEN MATCHED THEN UPDATE SET ${nonKeys.map((p) => `${t}.${mssqlIdentifier(p.target.name)} = ${p.source}`).join(', ')}`
    : '';
  const insertCols = plan.map((p) => mssqlIdentifier(p.target.name)).join(', ');
  const insertVals = plan.map((p) => p.source).join(', ');
  const merge =
    `MERGE ${qualifyMssql(table)} WITH (HOLDLOCK) AS ${t}\n` +
    `USING ${source ?? `${mssqlIdentifier(MSSQL_STAGE_TABLE)} AS ${s}`}\n` +
    `ON (${on})${update}\n` +
    `WHEN NOT MATCHED THEN INSERT (${insertCols}) VALUES (${insertVals});`;
  return withIdentityInsert(table, plan.map((p) => p.target), merge);
}

export function mssqlInsertSelectSql(table: TableRef, plan: StagePlan[]): string {
  const insert =
    `INSERT INTO ${qualifyMssql(table)} (${plan.map((p) => mssqlIdentifier(p.target.name)).join(', ')})\n` +
    `SELECT ${plan.map((p) => p.source).join(', ')} FROM ${mssqlIdentifier(MSSQL_STAGE_TABLE)} AS ${mssqlIdentifier('s')};`;
  return withIdentityInsert(table, plan.map((p) => p.target), insert);
}

export function mssqlDeleteRangeSql(table: TableRef, keys: NeutralColumn[], range?: KeyRange): BoundSql {
  const predicate = mssqlRangePredicate(keys, range);
  return { sql: `DELETE FROM ${qualifyMssql(table)}${whereClause(predicate.sql)};`, params: predicate.params };
}

/** The rows of a key range, counted in the writer's transaction (WriteRequest.verify). */
export function mssqlCountRangeSql(table: TableRef, keys: NeutralColumn[], range?: KeyRange): BoundSql {
  const predicate = mssqlRangePredicate(keys, range);
  return { sql: `SELECT COUNT_BIG(*) AS ${mssqlIdentifier('n')} FROM ${qualifyMssql(table)}${whereClause(predicate.sql)};`, params: predicate.params };
}

// --- checksum ---------------------------------------------------------------------------

/**
 * `1.2500` → `1.25`, `10.00` → `10`: RTRIM trims only spaces, so zeros and then the point are
 * swapped for spaces around it. The text must have a fractional part; a timestamp's own space
 * is parked as `|` meanwhile.
 */
function trimTrailingZeros(text: string, hasSpace = false): string {
  const input = hasSpace ? `REPLACE(${text}, ' ', '|')` : text;
  const zeros = `REPLACE(RTRIM(REPLACE(${input}, '0', ' ')), ' ', '0')`;
  const trimmed = `REPLACE(RTRIM(REPLACE(${zeros}, '.', ' ')), ' ', '.')`;
  return hasSpace ? `REPLACE(${trimmed}, '|', ' ')` : trimmed;
}

/**
 * The normalised text (checksum.ts `normalizeValue`) of one column, NULL when the value is
 * NULL; undefined when SQL Server cannot produce it byte for byte (floats print differently,
 * JSON needs key sorting, arrays and sets a JSON rendering, xml a serialisation we do not
 * control) — the checksum is then computed in the worker.
 */
export function mssqlChecksumText(column: NeutralColumn, quoted: string): string | undefined {
  const t = column.type;
  switch (t.kind) {
    case 'bool':
      return `CASE ${quoted} WHEN 1 THEN N'1' WHEN 0 THEN N'0' END`;
    case 'int8': case 'int16': case 'int32': case 'int64':
    case 'uint8': case 'uint16': case 'uint32': case 'uint64':
      return `CONVERT(nvarchar(40), ${quoted})`;
    case 'decimal': {
      const money = ['money', 'smallmoney'].includes(mssqlBaseType(column));
      const text = money ? `CONVERT(varchar(64), ${quoted}, 2)` : `CONVERT(varchar(64), ${quoted})`;
      return money || (t.scale ?? 0) > 0 ? trimTrailingZeros(text) : text;
    }
    case 'string':
    case 'text':
    case 'enum':
    case 'interval':
      return quoted;
    case 'char':
      return `RTRIM(${quoted})`;
    case 'uuid':
      return `LOWER(CONVERT(nvarchar(36), ${quoted}))`;
    case 'binary':
    case 'blob':
      return `LOWER(CONVERT(varchar(max), ${quoted}, 2))`;
    case 'date':
      return `CONVERT(char(10), ${quoted}, 23)`;
    // Widened to 7 digits (datetime to its 3) so a fraction is always there to trim.
    case 'time':
      return trimTrailingZeros(`CONVERT(varchar(16), CAST(${quoted} AS time(7)))`);
    case 'timestamp':
      return ['datetime', 'smalldatetime'].includes(mssqlBaseType(column))
        ? trimTrailingZeros(`CONVERT(varchar(23), CAST(${quoted} AS datetime), 121)`, true)
        : trimTrailingZeros(`CONVERT(varchar(27), CAST(${quoted} AS datetime2(7)), 121)`, true);
    case 'timestamptz':
      return trimTrailingZeros(`CONVERT(varchar(27), CAST(SWITCHOFFSET(${quoted}, '+00:00') AS datetime2(7)), 121)`, true);
    default:
      return undefined;
  }
}

/**
 * Row count and the sum of the first 8 bytes of md5(row text as UTF-8). CONVERT(bigint, …)
 * reads those bytes as a signed big-endian integer; the sum is taken as decimal(38,0) and
 * reduced modulo 2^64 in JS, which equals the sum of the unsigned values modulo 2^64.
 * Null when a column kind has no exact SQL rendering (see mssqlChecksumText).
 */
export function mssqlChecksumSql(table: TableRef, columns: NeutralColumn[], keyNames: string[], range?: KeyRange, where?: string): BoundSql | null {
  const texts: string[] = [];
  for (const c of columns) {
    const text = mssqlChecksumText(c, mssqlIdentifier(c.name));
    if (text === undefined) return null;
    texts.push(`ISNULL(CAST(${text} AS nvarchar(max)), N'\\N')`);
  }
  const rowText = texts.join(' + NCHAR(31) + ');
  const digest = `CONVERT(bigint, SUBSTRING(HASHBYTES('MD5', CAST((${rowText}) COLLATE ${MSSQL_UTF8_COLLATION} AS varchar(max))), 1, 8))`;
  const predicate = mssqlRangePredicate(keyColumnsOf(columns, keyNames), range);
  return {
    sql:
      `SELECT COUNT_BIG(*) AS ${mssqlIdentifier('rows')}, ` +
      `CONVERT(varchar(48), SUM(CAST(${digest} AS decimal(38,0)))) AS ${mssqlIdentifier('hash_sum')}\n` +
      `FROM ${qualifyMssql(table)}${whereClause(predicate.sql, userFilter(where))}`,
    params: predicate.params,
  };
}

const TWO_64 = 1n << 64n;

/** The signed decimal sum from `mssqlChecksumSql` as 16 hex digits (sum of unsigned digests mod 2^64). */
export function signedSumToHash(sum: string | null): string {
  if (sum === null || sum === '') return '0'.repeat(16);
  const value = ((BigInt(sum.trim()) % TWO_64) + TWO_64) % TWO_64;
  return value.toString(16).padStart(16, '0');
}

// --- catalogue --------------------------------------------------------------------------

export const MSSQL_LIST_SCHEMAS_SQL = `
SELECT s.name AS schema_name
FROM sys.schemas s
WHERE s.schema_id < 16384 AND s.name NOT IN ('sys', 'INFORMATION_SCHEMA', 'guest')
ORDER BY s.name`;

/** One row per column; alias types resolve to their base type through system_type_id. */
export const MSSQL_COLUMNS_SQL = `
SELECT c.column_id, c.name AS column_name, TYPE_NAME(c.system_type_id) AS type_name,
       c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity,
       dc.definition AS default_definition, t.object_id,
       (SELECT SUM(p.rows) FROM sys.partitions p
        WHERE p.object_id = t.object_id AND p.index_id IN (0, 1)) AS row_estimate
FROM sys.tables t
JOIN sys.schemas s ON s.schema_id = t.schema_id
JOIN sys.columns c ON c.object_id = t.object_id
LEFT JOIN sys.default_constraints dc ON dc.object_id = c.default_object_id
WHERE s.name = @schema AND t.name = @table
ORDER BY c.column_id`;

/** Key columns of the primary key and of every other index, in key order (included columns left out). */
export const MSSQL_INDEXES_SQL = `
SELECT i.name AS index_name, i.is_primary_key, i.is_unique, c.name AS column_name
FROM sys.indexes i
JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE i.object_id = @objectId AND i.type > 0 AND i.is_hypothetical = 0 AND ic.key_ordinal > 0
ORDER BY i.is_primary_key DESC, i.name, ic.key_ordinal`;

export const MSSQL_CHECKS_SQL = `
SELECT c.name AS column_name, cc.definition
FROM sys.check_constraints cc
JOIN sys.columns c ON c.object_id = cc.parent_object_id AND c.column_id = cc.parent_column_id
WHERE cc.parent_object_id = @objectId AND cc.is_disabled = 0`;
