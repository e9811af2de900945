import {
  IdentifierError,
  type KeyRange,
  type NeutralColumn,
  type NeutralValue,
  type TableRef,
  tupleComparison,
  whereClause,
  type WriteMode,
} from '@dbferry/dialects-core';
import { oracleBaseType, oracleBind, type OracleBind, selectExpression } from './oracle.values';

/** 12.2 and later: 128 bytes (of the database character set; UTF-8 assumed). */
export const ORACLE_MAX_IDENTIFIER_BYTES = 128;

/**
 * The oldest release dbferry writes to. 12.1 and older cap names at 30 bytes and lack
 * what the DDL and MERGE here assume, and oracledb's thin mode needs 12.1 anyway; a
 * connection to an older server is refused at connect, before any plan is built.
 */
export const ORACLE_MIN_VERSION: readonly [number, number] = [12, 2];

/** Null when `version` ("19.3.0.0.0") is at least ORACLE_MIN_VERSION, else why not. */
export function oracleVersionProblem(version: string): string | null {
  const [major, minor] = version.split('.').map((part) => Number.parseInt(part, 10));
  if (!Number.isFinite(major) || !Number.isFinite(minor)) return null; // unknown format: let it try
  const [needMajor, needMinor] = ORACLE_MIN_VERSION;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return null;
  return `Oracle ${needMajor}.${needMinor} or later is required, this server is ${version} (older releases limit names to 30 bytes)`;
}

export function quoteOracleIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Checks and quotes one identifier. Oracle identifiers, quoted or not, cannot contain a double
 * quote or NUL (there is no escape), and are at most 128 bytes.
 */
export function oracleIdentifier(name: string): string {
  if (name.length === 0) throw new IdentifierError(name, 'is empty');
  if (name.includes('"') || name.includes(String.fromCharCode(0))) throw new IdentifierError(name, 'contains a double quote or NUL, which Oracle identifiers cannot hold');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > ORACLE_MAX_IDENTIFIER_BYTES) {
    throw new IdentifierError(name, `is ${bytes} bytes long; Oracle allows ${ORACLE_MAX_IDENTIFIER_BYTES}`);
  }
  return quoteOracleIdentifier(name);
}

/** A schema is an owner: `scott` means SCOTT, as unquoted SQL would; `"scott"` keeps its case. */
export function oracleOwner(schema: string): string {
  const t = schema.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1);
  return /^[A-Za-z][A-Za-z0-9_$#]*$/.test(t) ? t.toUpperCase() : t;
}

export function qualifyOracle(table: TableRef): string {
  return `${oracleIdentifier(oracleOwner(table.schema))}.${oracleIdentifier(table.name)}`;
}

/** SQL with named binds (`:l0`), for connection.execute. */
export interface BoundSql {
  sql: string;
  binds: Record<string, unknown>;
}

function keyColumnsOf(columns: NeutralColumn[], names: string[]): NeutralColumn[] {
  return names.map((name) => {
    const found = columns.find((c) => c.name === name);
    if (!found) throw new Error(`key column ${name} is not among the columns`);
    return found;
  });
}

/**
 * Row-value comparison written out (Oracle has no `(a, b) > (x, y)`):
 * `(k1 > :l0 OR (k1 = :l0 AND k2 > :l1))` and the upper bound with `<` and a final `<=`.
 */
export function oracleRangePredicate(keys: NeutralColumn[], range: KeyRange | undefined, prefix = ''): BoundSql {
  const binds: Record<string, unknown> = {};
  const parts: string[] = [];
  const side = (values: NeutralValue[], tag: 'l' | 'u'): string => {
    if (values.length !== keys.length) throw new Error(`a range bound has ${values.length} values for ${keys.length} key columns`);
    const refs = keys.map((k, i) => {
      const name = `${tag}${i}`;
      const bind = oracleBind(k);
      binds[name] = bind.encode(values[i]);
      return bind.expression(`:${name}`);
    });
    return tupleComparison(keys.map((k) => `${prefix}${oracleIdentifier(k.name)}`), refs, tag === 'l' ? 'lower' : 'upper');
  };
  if (range?.lower) parts.push(side(range.lower, 'l'));
  if (range?.upper) parts.push(side(range.upper, 'u'));
  return { sql: parts.join(' AND '), binds };
}

const userFilter = (where?: string): string | undefined => (where ? `(${where})` : undefined);

const selectList = (columns: NeutralColumn[], prefix = ''): string =>
  columns.map((c) => `${selectExpression(c, `${prefix}${oracleIdentifier(c.name)}`)} AS ${oracleIdentifier(c.name)}`).join(', ');

const orderBy = (keys: NeutralColumn[], direction = '', prefix = ''): string =>
  keys.map((k) => `${prefix}${oracleIdentifier(k.name)}${direction}`).join(', ');

export function oracleReadSql(table: TableRef, columns: NeutralColumn[], keyNames: string[], range?: KeyRange, where?: string): BoundSql {
  const keys = keyColumnsOf(columns, keyNames);
  const predicate = oracleRangePredicate(keys, range);
  const order = keys.length ? ` ORDER BY ${orderBy(keys)}` : '';
  return {
    sql: `SELECT ${selectList(columns)} FROM ${qualifyOracle(table)}${whereClause(predicate.sql, userFilter(where))}${order}`,
    binds: predicate.binds,
  };
}

export function oracleKeyBoundSql(table: TableRef, keys: NeutralColumn[], direction: 'ASC' | 'DESC', where?: string): string {
  return `SELECT ${selectList(keys)} FROM ${qualifyOracle(table)}${whereClause(userFilter(where))} ORDER BY ${orderBy(keys, ` ${direction}`)} FETCH FIRST 1 ROWS ONLY`;
}

export function oracleCountSql(table: TableRef, where?: string): string {
  return `SELECT COUNT(*) AS ${oracleIdentifier('rows')} FROM ${qualifyOracle(table)}${whereClause(userFilter(where))}`;
}

export function oracleSplitSql(table: TableRef, keys: NeutralColumn[], where?: string): string {
  const rn = oracleIdentifier('dbferry_rn');
  const x = oracleIdentifier('x');
  const inner = `SELECT ${orderBy(keys)}, ROW_NUMBER() OVER (ORDER BY ${orderBy(keys)}) AS ${rn} FROM ${qualifyOracle(table)}${whereClause(userFilter(where))}`;
  return `SELECT ${selectList(keys, `${x}.`)} FROM (${inner}) ${x} WHERE MOD(${x}.${rn}, :step) = 0 AND ${x}.${rn} < :total ORDER BY ${x}.${rn}`;
}

/** Per written column: how it is bound, as positional bind `:n`. */
export interface BindPlan {
  target: NeutralColumn;
  bind: OracleBind;
  /** The bound value as the column's type: `TO_NUMBER(:1)`. */
  source: string;
}

export function oracleBindPlan(columns: NeutralColumn[]): BindPlan[] {
  return columns.map((target, i) => {
    const bind = oracleBind(target);
    return { target, bind, source: bind.expression(`:${i + 1}`) };
  });
}

export function oracleInsertSql(table: TableRef, plan: BindPlan[]): string {
  return `INSERT INTO ${qualifyOracle(table)} (${plan.map((p) => oracleIdentifier(p.target.name)).join(', ')}) VALUES (${plan.map((p) => p.source).join(', ')})`;
}

/** One row of binds per executeMany iteration, selected from dual as the MERGE source. */
export function oracleMergeSql(table: TableRef, plan: BindPlan[], keyNames: string[]): string {
  if (keyNames.length === 0) throw new Error('upsert needs key columns');
  const t = oracleIdentifier('t');
  const s = oracleIdentifier('s');
  const alias = (i: number) => oracleIdentifier(`c${i}`);
  const index = new Map(plan.map((p, i) => [p.target.name, i]));
  const using = plan.map((p, i) => `${p.source} AS ${alias(i)}`).join(', ');
  const on = keyNames
    .map((k) => {
      const i = index.get(k);
      if (i === undefined) throw new Error(`key column ${k} is not among the written columns`);
      return `${t}.${oracleIdentifier(k)} = ${s}.${alias(i)}`;
    })
    .join(' AND ');
  const nonKeys = plan.map((p, i) => ({ p, i })).filter(({ p }) => !keyNames.includes(p.target.name));
  const update = nonKeys.length
    ? `\nWHEN MATCHED THEN UPDATE SET ${nonKeys.map(({ p, i }) => `${t}.${oracleIdentifier(p.target.name)} = ${s}.${alias(i)}`).join(', ')}`
    : '';
  return (
    `MERGE INTO ${qualifyOracle(table)} ${t}\n` +
    `USING (SELECT ${using} FROM dual) ${s}\n` +
    `ON (${on})${update}\n` +
    `WHEN NOT MATCHED THEN INSERT (${plan.map((p) => oracleIdentifier(p.target.name)).join(', ')}) VALUES (${plan.map((_p, i) => `${s}.${alias(i)}`).join(', ')})`
  );
}

/** The array-DML statement for a write mode: MERGE for upsert, INSERT otherwise. */
export function oracleWriteSql(table: TableRef, plan: BindPlan[], mode: WriteMode, keyNames: string[]): string {
  return mode === 'upsert' ? oracleMergeSql(table, plan, keyNames) : oracleInsertSql(table, plan);
}

export function oracleDeleteRangeSql(table: TableRef, keys: NeutralColumn[], range?: KeyRange): BoundSql {
  const predicate = oracleRangePredicate(keys, range);
  return { sql: `DELETE FROM ${qualifyOracle(table)}${whereClause(predicate.sql)}`, binds: predicate.binds };
}

/** The rows of a key range, counted in the writer's transaction (WriteRequest.verify). */
export function oracleCountRangeSql(table: TableRef, keys: NeutralColumn[], range?: KeyRange): BoundSql {
  const predicate = oracleRangePredicate(keys, range);
  return { sql: `SELECT COUNT(*) AS ${oracleIdentifier('N')} FROM ${qualifyOracle(table)}${whereClause(predicate.sql)}`, binds: predicate.binds };
}

// --- checksum ---------------------------------------------------------------------------

/** Without MAX_STRING_SIZE = EXTENDED a VARCHAR2 expression, and so the row text, holds 4000 bytes. */
export const ORACLE_MAX_ROW_TEXT_BYTES = 4000;

const NUMBER_KINDS = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'decimal']);

/**
 * The normalised text (checksum.ts `normalizeValue`) of a non-null value and the most bytes it
 * can take; undefined when Oracle cannot render it exactly within a VARCHAR2: floats, LOBs
 * (text, blob, json), xml, intervals, arrays, sets, bit strings, BOOLEAN.
 */
export function oracleChecksumText(column: NeutralColumn, quoted: string): { text: string; maxBytes: number } | undefined {
  const t = column.type;
  const base = oracleBaseType(column);
  const national = base === 'nvarchar2' || base === 'nchar';
  if (NUMBER_KINDS.has(t.kind) || (t.kind === 'bool' && base === 'number')) {
    if (t.kind === 'bool') return { text: `CASE WHEN ${quoted} = 1 THEN '1' ELSE '0' END`, maxBytes: 1 };
    // TM9 is the shortest text (no trailing zeros) but drops the zero before the point.
    return { text: `REGEXP_REPLACE(TO_CHAR(${quoted}, 'TM9'), '^(-?)\\.', '\\10.')`, maxBytes: 64 };
  }
  const chars = 'length' in t && t.length !== undefined ? t.length : undefined;
  switch (t.kind) {
    case 'string':
    case 'enum': {
      if (base !== 'varchar2' && base !== 'varchar' && base !== 'nvarchar2') return undefined;
      const bytes = t.kind === 'enum' ? Math.max(...t.values.map((v) => Buffer.byteLength(v))) : Math.min((chars ?? 4000) * 4, 4000);
      return { text: national ? `TO_CHAR(${quoted})` : quoted, maxBytes: bytes };
    }
    case 'char':
      if (base !== 'char' && base !== 'nchar') return undefined;
      return { text: national ? `RTRIM(TO_CHAR(${quoted}))` : `RTRIM(${quoted})`, maxBytes: Math.min(t.length * 4, 2000) };
    case 'uuid':
      return base === 'raw'
        ? { text: `LOWER(REGEXP_REPLACE(RAWTOHEX(${quoted}), '^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\\1-\\2-\\3-\\4-\\5'))`, maxBytes: 36 }
        : { text: `LOWER(${quoted})`, maxBytes: 36 };
    case 'binary':
      return base === 'raw' ? { text: `LOWER(RAWTOHEX(${quoted}))`, maxBytes: 2 * (t.length ?? 2000) } : undefined;
    case 'date':
      return { text: `TO_CHAR(${quoted}, 'YYYY-MM-DD')`, maxBytes: 10 };
    case 'timestamp':
      return base === 'date' || t.precision === 0
        ? { text: `TO_CHAR(${quoted}, 'YYYY-MM-DD HH24:MI:SS')`, maxBytes: 19 }
        : { text: `RTRIM(RTRIM(TO_CHAR(${quoted}, '${'YYYY-MM-DD HH24:MI:SS.FF9'}'), '0'), '.')`, maxBytes: 29 };
    case 'timestamptz':
      return { text: `RTRIM(RTRIM(TO_CHAR(SYS_EXTRACT_UTC(${quoted}), 'YYYY-MM-DD HH24:MI:SS.FF9'), '0'), '.')`, maxBytes: 29 };
    default:
      return undefined;
  }
}

const TWO_64 = '18446744073709551616';

/**
 * Row count and the sum modulo 2^64 of the first 8 bytes of md5(row text), all in Oracle:
 * STANDARD_HASH (12c) hashes the VARCHAR2 bytes, which are UTF-8 in an AL32UTF8 database.
 * NULL columns are `\N` (CASE, since `||` treats NULL as ''). Null when a column kind has no
 * exact rendering or the row text could exceed 4000 bytes: the worker computes it then.
 */
export function oracleChecksumSql(table: TableRef, columns: NeutralColumn[], keyNames: string[], range?: KeyRange, where?: string): BoundSql | null {
  const texts: string[] = [];
  let bytes = Math.max(0, columns.length - 1);
  for (const c of columns) {
    const quoted = oracleIdentifier(c.name);
    const rendered = oracleChecksumText(c, quoted);
    if (!rendered) return null;
    bytes += Math.max(2, rendered.maxBytes);
    texts.push(`CASE WHEN ${quoted} IS NULL THEN '\\N' ELSE ${rendered.text} END`);
  }
  if (bytes > ORACLE_MAX_ROW_TEXT_BYTES) return null;
  const rowText = texts.join(' || CHR(31) || ');
  const digest = `TO_NUMBER(SUBSTR(RAWTOHEX(STANDARD_HASH(${rowText}, 'MD5')), 1, 16), 'XXXXXXXXXXXXXXXX')`;
  const predicate = oracleRangePredicate(keyColumnsOf(columns, keyNames), range);
  return {
    sql:
      `SELECT COUNT(*) AS ${oracleIdentifier('rows')}, TO_CHAR(MOD(SUM(${digest}), ${TWO_64})) AS ${oracleIdentifier('hash_sum')}\n` +
      `FROM ${qualifyOracle(table)}${whereClause(predicate.sql, userFilter(where))}`,
    binds: predicate.binds,
  };
}

/** The decimal sum from `oracleChecksumSql` as 16 hex digits. */
export function sumToHash(sum: string | null): string {
  if (sum === null || sum.trim() === '') return '0'.repeat(16);
  const m = 1n << 64n;
  return (((BigInt(sum.trim()) % m) + m) % m).toString(16).padStart(16, '0');
}

// --- catalogue --------------------------------------------------------------------------

export const ORACLE_LIST_SCHEMAS_SQL = `SELECT username AS "name" FROM all_users WHERE oracle_maintained = 'N' ORDER BY username`;

export const ORACLE_COLUMNS_SQL = `
SELECT c.column_name AS "columnName", c.data_type AS "dataType", c.data_length AS "dataLength",
       c.char_length AS "charLength", c.char_used AS "charUsed", c.data_precision AS "precision",
       c.data_scale AS "scale", c.nullable AS "nullable", c.data_default AS "dataDefault",
       c.identity_column AS "identity"
FROM all_tab_columns c
WHERE c.owner = :owner AND c.table_name = :tableName
ORDER BY c.column_id`;

export const ORACLE_TABLE_SQL = `SELECT t.num_rows AS "numRows" FROM all_tables t WHERE t.owner = :owner AND t.table_name = :tableName`;

/** Primary key (P) and check (C) constraints with their columns; the key in POSITION order. */
export const ORACLE_CONSTRAINTS_SQL = `
SELECT c.constraint_type AS "type", c.constraint_name AS "name", c.index_name AS "indexName",
       c.search_condition AS "condition", cc.column_name AS "columnName"
FROM all_constraints c
JOIN all_cons_columns cc ON cc.owner = c.owner AND cc.constraint_name = c.constraint_name AND cc.table_name = c.table_name
WHERE c.owner = :owner AND c.table_name = :tableName AND c.constraint_type IN ('P', 'C')
ORDER BY c.constraint_type, c.constraint_name, cc.position`;

/** Plain b-tree and bitmap indexes (function-based and LOB indexes have no plain columns). */
export const ORACLE_INDEXES_SQL = `
SELECT i.index_name AS "indexName", i.uniqueness AS "uniqueness", ic.column_name AS "columnName"
FROM all_indexes i
JOIN all_ind_columns ic ON ic.index_owner = i.owner AND ic.index_name = i.index_name
WHERE i.table_owner = :owner AND i.table_name = :tableName AND i.index_type IN ('NORMAL', 'NORMAL/REV', 'BITMAP')
ORDER BY i.index_name, ic.column_position`;

export const ORACLE_CHARSET_SQL = `SELECT value AS "value" FROM nls_database_parameters WHERE parameter = 'NLS_CHARACTERSET'`;
