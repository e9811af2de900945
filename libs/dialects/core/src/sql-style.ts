import type { NeutralValue, TableRef } from './data-plane';
import type { NeutralColumn } from './types';

/**
 * The SQL a dialect gives the engine for the statements and fragments the engine writes itself
 * (filters, watermark and key-set predicates, key-set deletes, the keyless staging swap, enum
 * types): spelling as data and small builders, so the engine branches on these facts and never
 * on the dialect's name. Golden-SQL tests snapshot each dialect's (sqlStyleSample).
 */
export interface SqlStyle {
  /** The product's name in messages ('PostgreSQL'). */
  readonly label: string;
  /** The dialect's one identifier quoting (Dialect.quoteIdentifier is the same function). */
  quoteIdent(name: string): string;
  /** A string literal that reads back as exactly `value`; `national` gives N'…' where the dialect has it. */
  quoteString(value: string, national: boolean): string;
  /** False where a boolean is not a value (SQL Server, Oracle): TRUE becomes 1, or 1 = 1 as a condition. */
  readonly booleanValues: boolean;
  readonly literals: SqlLiterals;
  readonly filter: FilterDialect;
  /**
   * Where a job's transform may set a column to an expression this database evaluates in the
   * read's SELECT list (docs/transforms.md); absent: such transforms are refused for this source.
   */
  readonly expression?: ExpressionDialect;
  readonly staging: StagingSwap;
  /** `DELETE FROM <table> WHERE <predicate>`; the table is already qualified. */
  deleteWhere(qualifiedTable: string, predicate: string): string;
  /** Present where a same-dialect copy keeps the source's own column types (PostgreSQL, MySQL). */
  readonly nativeTypes?: NativeTypeRules;
  /** The SQL of a repair plan (issue 12), for a DBA to read or run by hand. */
  readonly repair: RepairSqlStyle;
}

/**
 * A repair plan as SQL: every value (any kind, in its VALUE_FORMS form) spelled as a literal of
 * the target column through the same encoding the dialect's writer applies, every name quoted
 * by the dialect. Golden-SQL tests snapshot each dialect's statements.
 */
export interface RepairSqlStyle {
  /** `value` as a literal written into `column`; NULL for null. */
  valueLiteral(column: NeutralColumn, value: NeutralValue): string;
  /**
   * One statement inserting `rows` (values in `columns` order) and, where a row with the same
   * key exists, updating its other columns instead (ON CONFLICT, ON DUPLICATE KEY, MERGE).
   */
  upsert(table: TableRef, columns: NeutralColumn[], keyColumns: string[], rows: NeutralValue[][]): string;
}

/**
 * Literals from checked neutral text (VALUE_FORMS): the engine validates the text's shape and
 * the column's kind, the dialect spells it.
 */
export interface SqlLiterals {
  /** Whole numbers and decimals, digits as given (SQLite quotes them: its wide numbers are TEXT). */
  number(digits: string): string;
  date(text: string): string;
  timestamp(text: string): string;
  /** `text` ends in +00:00 (the instant in UTC). */
  timestamptz(text: string): string;
  /** Lower-case 8-4-4-4-12; the column says how the dialect stores it (Oracle RAW(16)). */
  uuid(text: string, column: NeutralColumn): string;
  /** A text value compared with `column` (SQL Server: N'…' for n-types). */
  text(value: string, column: NeutralColumn): string;
  bool(value: boolean): string;
}

/** The grammar node-sql-parser reads a dialect's filter with (it has no Oracle one). */
export type FilterGrammar = 'postgresql' | 'mysql' | 'transactsql' | 'sqlite';
export type FilterDatePart = 'YEAR' | 'MONTH' | 'DAY' | 'HOUR' | 'MINUTE' | 'SECOND';
export type FilterFunction =
  | 'lower'
  | 'upper'
  | 'char_length'
  | 'coalesce'
  | 'abs'
  | 'round'
  | 'trim'
  | 'substring'
  | 'date'
  | 'current_date'
  | 'current_timestamp';
export type FilterCastType =
  | { kind: 'integer'; name: 'SMALLINT' | 'INTEGER' | 'BIGINT' }
  | { kind: 'decimal'; precision?: number; scale?: number }
  | { kind: 'float' }
  | { kind: 'text'; length?: number }
  | { kind: 'date' }
  | { kind: 'timestamp' };

/** How a job filter is written in this dialect, and how the few things a filter may hold are rendered. */
export interface FilterDialect {
  readonly grammar: FilterGrammar;
  /** Characters opening a quoted identifier ('[' closes with ']'). */
  readonly identifierQuotes: readonly ('"' | '`' | '[')[];
  /** Why a double quote is refused, where it is not an identifier quote (MySQL: it may be text). */
  readonly doubleQuoteRefusal?: string;
  /** N'…' national string literals. */
  readonly nationalStrings: boolean;
  /** Whether # starts a comment here (refused as a comment rather than as a stray character). */
  readonly hashComments: boolean;
  /** SUBSTRING needs its length argument (SQL Server). */
  readonly substringNeedsLength: boolean;
  call(fn: FilterFunction, args: string[]): string;
  extract(part: FilterDatePart, source: string): string;
  cast(expr: string, type: FilterCastType): string;
  /** Set where `%` is not an operator (Oracle: MOD). */
  modulo?(left: string, right: string): string;
}

/**
 * What a transform expression may hold here beyond a filter's values: the filter's functions,
 * operators, CAST and CASE, plus `functions` (pure and read-only: nothing that sleeps, reads
 * files, reaches other servers or changes a sequence), each rendered `NAME(args)` upper-cased.
 */
export interface ExpressionDialect {
  /** Whether `a || b` joins text here (in MySQL it is a logical OR: CONCAT is the way). */
  readonly pipesConcat: boolean;
  /** Allowed functions by lower-case name, with their argument counts. */
  readonly functions: Readonly<Record<string, { min: number; max: number }>>;
}

/**
 * How the dialect replaces a table's rows with a staging table's, atomically. All names are
 * already qualified; `columns` is the quoted column list. Each inner list of `swap` is run by
 * one `execute` (one transaction where the dialect's DDL is transactional).
 */
export interface StagingSwap {
  drop(table: string): string;
  /** A staging table shaped exactly like the target; absent: created from the columns. */
  createLike?(stage: string, target: string): string;
  swap(target: string, stage: string, old: string, columns: string): string[][];
  /** Whether a failed swap can leave the old table behind (MySQL's RENAME), so a retry drops it too. */
  readonly leavesOldTable: boolean;
}

/** The swap where the dialect runs DML and DROP in one transaction (PostgreSQL, SQL Server, SQLite). */
export const TRANSACTIONAL_STAGING_SWAP: StagingSwap = {
  drop: (t) => `DROP TABLE IF EXISTS ${t}`,
  swap: (target, stage, _old, columns) => [
    [`DELETE FROM ${target}`, `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM ${stage}`],
    [`DROP TABLE ${stage}`],
  ],
  leavesOldTable: false,
};

/**
 * How a same-dialect copy keeps the source's own types. 'verbatim': the introspected native type
 * text, for the columns `keeps` accepts. 'catalog': types are resolved through
 * Introspector.lookupType on both sides, and a missing enum type is created with `createEnum`.
 */
export interface NativeTypeRules {
  readonly mode: 'verbatim' | 'catalog';
  keeps?(column: NeutralColumn): boolean;
  createEnum?(qualifiedName: string, labels: string[]): string;
}

export const plainDeleteWhere = (qualifiedTable: string, predicate: string): string => `DELETE FROM ${qualifiedTable} WHERE ${predicate}`;

/** `'…'` with quotes doubled, the literal every dialect reads when backslashes are not escapes. */
export const plainStringLiteral = (value: string): string => `'${value.split("'").join("''")}'`;

/** `decimal(p, s)`, `decimal(p)` or `decimal` for a filter CAST. */
export function filterDecimalType(type: Extract<FilterCastType, { kind: 'decimal' }>, name: string): string {
  if (type.precision === undefined) return name;
  return type.scale === undefined ? `${name}(${type.precision})` : `${name}(${type.precision}, ${type.scale})`;
}

/**
 * The literals in standard SQL: digits as given, typed DATE/TIMESTAMP literals, a uuid as text,
 * '…' strings with quotes doubled, and 1/0 for booleans (every dialect but PostgreSQL, which
 * spells TRUE/FALSE). A dialect spreads these and overrides what it spells its own way.
 */
export const standardLiterals: SqlLiterals = {
  number: (digits) => digits,
  date: (text) => `DATE '${text}'`,
  timestamp: (text) => `TIMESTAMP '${text}'`,
  timestamptz: (text) => `TIMESTAMP WITH TIME ZONE '${text}'`,
  uuid: (text) => `'${text}'`,
  text: (value) => plainStringLiteral(value),
  bool: (value) => (value ? '1' : '0'),
};

/**
 * The filter grammar facts most dialects share: double-quoted identifiers, no N'…', no #
 * comments, SUBSTRING without a length, and EXTRACT(part FROM x). Spread, then set `grammar`,
 * `call` and `cast`, and override the rest where the dialect differs.
 */
export const standardFilterSyntax = {
  identifierQuotes: ['"'],
  nationalStrings: false,
  hashComments: false,
  substringNeedsLength: false,
  extract: (part: FilterDatePart, source: string): string => `EXTRACT(${part} FROM ${source})`,
} as const satisfies Partial<FilterDialect>;

type FilterCallRendering = (args: string[]) => string;

const STANDARD_CALLS: Partial<Record<FilterFunction, FilterCallRendering>> = {
  char_length: (a) => `CHAR_LENGTH(${a[0]})`,
  date: (a) => `CAST(${a[0]} AS DATE)`,
  current_date: () => 'CURRENT_DATE',
  current_timestamp: () => 'CURRENT_TIMESTAMP',
};

/**
 * FilterDialect.call in standard SQL: `FN(args)` upper-cased (LOWER, SUBSTRING, ROUND, …),
 * CHAR_LENGTH(x), CAST(x AS DATE) for date(x), and CURRENT_DATE / CURRENT_TIMESTAMP; `own`
 * gives the functions the dialect spells its own way.
 */
export function standardFilterCall(own: Partial<Record<FilterFunction, FilterCallRendering>> = {}): FilterDialect['call'] {
  return (fn, args) => {
    const render = own[fn] ?? STANDARD_CALLS[fn];
    return render ? render(args) : `${fn.toUpperCase()}(${args.join(', ')})`;
  };
}

/** The type a filter CAST names, per kind of cast. */
export type FilterCastTypeNames = { [K in FilterCastType['kind']]: (type: Extract<FilterCastType, { kind: K }>) => string };

const STANDARD_CAST_TYPES: FilterCastTypeNames = {
  integer: (t) => t.name,
  decimal: (t) => filterDecimalType(t, 'DECIMAL'),
  float: () => 'DOUBLE PRECISION',
  text: (t) => (t.length !== undefined ? `VARCHAR(${t.length})` : 'VARCHAR'),
  date: () => 'DATE',
  timestamp: () => 'TIMESTAMP',
};

/**
 * FilterDialect.cast as `CAST(x AS <type>)`, the standard type names (the integer's own name,
 * DECIMAL(p, s), DOUBLE PRECISION, VARCHAR(n), DATE, TIMESTAMP) replaced by the dialect's in `own`.
 */
export function standardFilterCast(own: Partial<FilterCastTypeNames> = {}): FilterDialect['cast'] {
  const names: FilterCastTypeNames = { ...STANDARD_CAST_TYPES, ...own };
  return (expr, type) => `CAST(${expr} AS ${(names[type.kind] as (t: FilterCastType) => string)(type)})`;
}

const SAMPLE_FUNCTIONS: FilterFunction[] = ['lower', 'upper', 'char_length', 'coalesce', 'abs', 'round', 'trim', 'substring', 'date', 'current_date', 'current_timestamp'];
const SAMPLE_PARTS: FilterDatePart[] = ['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND'];
const SAMPLE_CASTS: FilterCastType[] = [
  { kind: 'integer', name: 'SMALLINT' },
  { kind: 'integer', name: 'INTEGER' },
  { kind: 'integer', name: 'BIGINT' },
  { kind: 'decimal' },
  { kind: 'decimal', precision: 12 },
  { kind: 'decimal', precision: 12, scale: 2 },
  { kind: 'float' },
  { kind: 'text' },
  { kind: 'text', length: 20 },
  { kind: 'text', length: 5000 },
  { kind: 'date' },
  { kind: 'timestamp' },
];

/**
 * Every fragment a SqlStyle writes for the engine, one per line, for each dialect's golden-SQL
 * test: a change to any of them shows in review.
 */
export function sqlStyleSample(style: SqlStyle): string {
  const col = (name: string, nativeType: string, type: NeutralColumn['type']): NeutralColumn => ({ name, nativeType, nullable: true, type });
  const f = style.filter;
  const q = (name: string) => style.quoteIdent(name);
  const [a, t, x, sTable, stage, old] = [q('a'), q('t'), q('x'), `${q('s')}.${q('t')}`, `${q('s')}.${q('stage')}`, `${q('s')}.${q('old')}`];
  const lines: string[] = [
    `-- ${style.label}`,
    `-- identifiers`,
    style.quoteIdent('plain'),
    style.quoteIdent('Mixed Case'),
    style.quoteIdent('q"u`o]te'),
    `-- strings`,
    style.quoteString("it's", false),
    style.quoteString('back\\slash', false),
    style.quoteString('ü', true),
    `-- literals`,
    style.literals.number('-9223372036854775808'),
    style.literals.number('12.50'),
    style.literals.date('2024-02-29'),
    style.literals.timestamp('2024-02-29 23:59:59.123456'),
    style.literals.timestamptz('2024-02-29 23:59:59.5+00:00'),
    style.literals.uuid('0f8fad5b-d9cb-469f-a165-70867728950e', col('id', 'uuid', { kind: 'uuid' })),
    style.literals.uuid('0f8fad5b-d9cb-469f-a165-70867728950e', col('id', 'RAW(16)', { kind: 'uuid' })),
    style.literals.text("o'k", col('name', 'varchar(10)', { kind: 'string', length: 10 })),
    style.literals.text("o'k", col('name', 'nvarchar(10)', { kind: 'string', length: 10 })),
    style.literals.bool(true),
    style.literals.bool(false),
    `-- filter (${f.grammar}; identifier quotes ${f.identifierQuotes.join(' ')}; national strings ${f.nationalStrings}; # comments ${f.hashComments}; boolean values ${style.booleanValues})`,
    ...SAMPLE_FUNCTIONS.map((fn) => f.call(fn, fn.startsWith('current') ? [] : fn === 'substring' ? [a, '2', '3'] : fn === 'coalesce' || fn === 'round' ? [a, '2'] : [a])),
    f.call('round', [a]),
    ...SAMPLE_PARTS.map((part) => f.extract(part, t)),
    ...SAMPLE_CASTS.map((type) => f.cast(x, type)),
    f.modulo?.(a, '3') ?? `${a} % 3`,
    `-- delete`,
    style.deleteWhere(sTable, `${q('id')} IN (1, 2)`),
    `-- keyless staging swap`,
    style.staging.drop(stage),
    style.staging.createLike?.(stage, sTable) ?? '(stage created from the columns)',
    ...style.staging.swap(sTable, stage, old, `${a}, ${q('b')}`).map((step) => step.join(';\n')),
  ];
  if (style.nativeTypes) {
    lines.push(`-- native types (${style.nativeTypes.mode})`);
    if (style.nativeTypes.createEnum) lines.push(style.nativeTypes.createEnum(`${style.quoteIdent('s')}.${style.quoteIdent('mood')}`, ['ok', "it's"]));
  }
  return lines.join('\n');
}
