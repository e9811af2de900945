import type { NeutralColumn, NeutralKind, NeutralType } from './types';
import { RowCountMismatchError } from './errors';
import type { LossNote } from './types';
import type { ValueLoss } from './loss-report';

/**
 * The in-memory form of one value, lossless for its neutral kind (see VALUE_FORMS below).
 * Never a JS number unless the kind fits one exactly.
 */
export type NeutralValue = null | boolean | number | bigint | string | Buffer | NeutralValue[];

/**
 * How each neutral kind is held in memory while crossing from a reader to a writer.
 * Every reader produces exactly these forms, every writer accepts exactly these forms.
 */
export const VALUE_FORMS = {
  bool: 'boolean',
  'int8|int16|int32|uint8|uint16|uint32': 'number (integer, exact)',
  'int64|uint64': 'bigint',
  decimal: "string, plain notation as the database prints it ('-12.50', never exponent)",
  'float32|float64': 'number (NaN and ±Infinity allowed where the database has them)',
  'string|char|text|enum|xml': 'string (char keeps its padding as the database returns it)',
  uuid: 'string, lower-case 8-4-4-4-12',
  json: 'string, the JSON text (jsonb as PostgreSQL normalises it)',
  'binary|blob': 'Buffer',
  bit: "string of '0' and '1'",
  date: "string 'YYYY-MM-DD'",
  time: "string 'HH:MM:SS[.fraction]'",
  timestamp: "string 'YYYY-MM-DD HH:MM:SS[.fraction]' (no zone; never shifted by the process TZ)",
  timestamptz: "string 'YYYY-MM-DD HH:MM:SS[.fraction]+00:00' (the instant, in UTC)",
  interval: "string, ISO 8601 duration 'P1Y2M3DT4H5M6.5S'",
  'array|set': 'array of element values',
} as const;

export interface TableRef {
  /** Schema (PostgreSQL/SQL Server/Oracle owner), database (MySQL) or 'main' (SQLite). */
  schema: string;
  name: string;
}

export interface IndexInfo {
  name: string;
  columns: string[];
  unique: boolean;
}

export interface TableSchema extends TableRef {
  columns: NeutralColumn[];
  primaryKey: string[];
  /** Secondary and unique indexes, not the primary key's own. */
  indexes: IndexInfo[];
  rowEstimate: number | null;
}

/** A type as the catalogue knows it, for same-dialect copies that keep user-defined types. */
export interface NamedType {
  schema: string;
  name: string;
  /** 'builtin': the database's own (PostgreSQL pg_catalog); 'enum': labels below; 'other': an extension's, a domain, a composite… */
  kind: 'builtin' | 'enum' | 'other';
  /** An enum's labels in declaration order. */
  labels?: string[];
}

/** Reads the catalogue. */
export interface Introspector {
  listSchemas(): Promise<string[]>;
  /** Null when the table does not exist. */
  describeTable(table: TableRef): Promise<TableSchema | null>;
  /**
   * The type a type text names (`mood`, `"Other".mood`, `numeric(12,2)`; not an array), resolved as
   * this session would resolve it; null when no such type exists. Dialects with user-defined
   * types (PostgreSQL) implement it.
   */
  lookupType?(typeText: string): Promise<NamedType | null>;
  /**
   * The columns these expressions (already validated, in this dialect's SQL) would give when
   * selected from the table, typed from the result's metadata without reading a row; rejects
   * with the database's own error (a DbError) when it cannot evaluate one. Dialects whose
   * results carry no type (SQLite) leave it out and the engine infers the type.
   */
  describeExpressions?(table: TableRef, expressions: { name: string; sql: string }[]): Promise<NeutralColumn[]>;
}

/** A batch of rows that carries its columns: `rows[i][j]` is the value of `columns[j]`. */
export interface RowBatch {
  columns: NeutralColumn[];
  /**
   * A batch that carries `native` data may decode these on first access only: code that only
   * counts rows uses `batchRowCount`, so a writer that takes the native data never pays for it.
   */
  rows: NeutralValue[][];
  /** The number of rows, known without decoding `rows`; set by readers whose `rows` are lazy. */
  rowCount?: number;
  /** Value-level losses met while reading this batch (e.g. MySQL zero dates read as NULL), counted per column, for the run report. */
  warnings?: ValueLoss[];
  /** The same rows in the source database's own wire format (see NativeRows). */
  native?: NativeRows;
}

/**
 * Rows as the source database sent them, for a writer that can load them without a JS value per
 * field: the same database's own format (PostgreSQL binary COPY into PostgreSQL, issue 3 item 6),
 * or the neutral text of each value that any writer may take (NEUTRAL_TEXT_ROWS, from MySQL's
 * text protocol). A writer that cannot use them reads `rows` instead. Opaque to the engine.
 */
export interface NativeRows {
  /** e.g. 'postgres-binary-copy', NEUTRAL_TEXT_ROWS; a writer takes only formats it knows. */
  format: string;
  /** Per column, the source type the bytes are in (for PostgreSQL: pg_type's typname, or 'enum'; for NEUTRAL_TEXT_ROWS the neutral kind). */
  types: string[];
  /** The rows, complete, in `format`. */
  data: Buffer;
}

/** Rows in a batch without decoding lazy rows. */
export function batchRowCount(batch: RowBatch): number {
  return batch.rowCount ?? batch.rows.length;
}

/**
 * A key range: rows whose key (compared as a tuple, in key order) is `> lower` and `<= upper`.
 * A missing bound is open. `lower`/`upper` hold one value per key column.
 */
export interface KeyRange {
  lower?: NeutralValue[];
  upper?: NeutralValue[];
}

/**
 * Readers end a batch early once its rows hold about this many bytes of values (as the
 * database sent them), whatever `batchSize` says: memory per batch stays bounded for wide rows,
 * and the rows of a batch are written before the garbage collector moves them out of the young
 * generation, so a long copy does not grow the old generation with dead rows (peak RSS).
 */
export const READ_BATCH_BYTES = 128 * 1024;

/**
 * A column to read. With `expression` (a transform's, validated and rendered in this dialect's
 * SQL by the engine), the source evaluates it in the SELECT list as `(<expression>) AS <name>`;
 * its type is the one the introspector described for it (describeExpressions).
 */
export interface ReadColumn extends NeutralColumn {
  expression?: string;
}

/** A read column in a SELECT list: its quoted name, or its expression under that name. */
export function selectItem(column: ReadColumn, quotedName: string): string {
  return column.expression === undefined ? quotedName : `(${column.expression}) AS ${quotedName}`;
}

export interface ReadRequest {
  table: TableRef;
  /** The columns to read, as described by the introspector (their types drive decoding). */
  columns: ReadColumn[];
  /** Rows come in this key order; ranges are over this key. Empty: no order, no range. */
  keyColumns: string[];
  range?: KeyRange;
  /** An already validated boolean expression in this dialect's SQL (issue 4 validates it). */
  where?: string;
  /** Rows per batch; the reader may use a smaller one for wide rows (READ_BATCH_BYTES). */
  batchSize: number;
  /**
   * The consumer does not need key order (a chunk written in one transaction): the reader may
   * return the range's rows in any order, e.g. in the heap's physical order instead of an index
   * scan's. Readers that always read in key order ignore it.
   */
  unordered?: boolean;
  /**
   * NativeRows formats the consumer takes (Writer.nativeFormats): a reader able to give one of
   * them may carry its batches' rows in it, `rows` then decoded only when read. Readers whose
   * native rows cost nothing extra (PostgreSQL's binary COPY) give theirs regardless.
   */
  nativeFormats?: readonly string[];
  signal?: AbortSignal;
}

export interface KeyBounds {
  min: NeutralValue[];
  max: NeutralValue[];
}

export interface Reader {
  /** Streams the rows in key order (unless the request is `unordered`) with a server-side cursor or stream; memory stays flat. */
  read(request: ReadRequest): AsyncIterable<RowBatch>;
  /** Smallest and largest key, or null for an empty table. */
  keyBounds(table: TableRef, keyColumns: NeutralColumn[], where?: string): Promise<KeyBounds | null>;
  /**
   * Splits the table into at most `parts` ranges of about equal row counts, covering every
   * key (first range has no lower bound, last has no upper bound).
   */
  splitRanges(table: TableRef, keyColumns: NeutralColumn[], parts: number, where?: string): Promise<KeyRange[]>;
  /** The table's exact row count (`count(*)`), one statement. Required of dialects declaring DialectCapabilities.deferredKeyBuild. */
  countRows?(table: TableRef): Promise<number>;
}

export type WriteMode = 'insert' | 'upsert' | 'replace-range';

export interface WriteRequest {
  table: TableRef;
  /** Target columns, in the order of the incoming batches' columns. */
  columns: NeutralColumn[];
  keyColumns: string[];
  mode: WriteMode;
  /** For replace-range: the range deleted before the insert, in the same transaction. */
  range?: KeyRange;
  /**
   * What to do with U+0000 in text values (string/char/text/enum/xml/json, array elements
   * included): PostgreSQL text cannot hold it. 'strip' (the default) removes it and adds a
   * warning naming the column; 'reject' fails the whole write (TerminalDbError 'data') before
   * anything is committed. Dialects whose text holds NUL ignore this.
   */
  nul?: 'strip' | 'reject';
  /**
   * Do everything the write would do, then roll the transaction back instead of committing: a
   * probe telling whether the target accepts these rows (bad-row isolation) without changing it.
   */
  rollback?: boolean;
  /**
   * Count the rows of `range` on the target inside the write's transaction, after the rows are
   * written (WriteResult.rangeRows). In replace-range mode a count other than the rows written
   * fails the write with RowCountMismatchError before anything is committed. Ignored by a
   * rolled-back probe.
   */
  verify?: boolean;
  /**
   * For an insert into rows known to be absent (a keyless table's first load of a range, see
   * DialectCapabilities.deferredKeyBuild): the database's own count of the rows this write stored
   * (PostgreSQL: COPY's command tag) must equal the rows given, or the write fails with
   * RowCountMismatchError before anything is committed. Nothing is read back. Ignored by a
   * rolled-back probe and by dialects without deferredKeyBuild.
   */
  verifyStored?: boolean;
  signal?: AbortSignal;
}

export interface WriteResult {
  rowsWritten: number;
  /** With `verify`: the rows the target's `range` held just before the commit (its own order). */
  rangeRows?: number;
  /** Value-level losses met while writing (e.g. NULs stripped), counted per column, for the run report. */
  warnings: ValueLoss[];
}

export interface Writer {
  /** The NativeRows formats this writer loads without decoding `rows` (ReadRequest.nativeFormats). */
  readonly nativeFormats?: readonly string[];
  /**
   * Writes every batch in ONE target transaction with the database's fastest bulk path,
   * sized by its bind-parameter limit; awaits the database before pulling the next batch.
   */
  write(request: WriteRequest, batches: AsyncIterable<RowBatch>): Promise<WriteResult>;
}

export interface ChecksumRequest {
  table: TableRef;
  columns: NeutralColumn[];
  keyColumns: string[];
  range?: KeyRange;
  where?: string;
  /**
   * 'native': the digest is compared only with this same dialect's (a diff whose sides are all
   * this dialect), so the checksummer may hash the same normalised row text with a cheaper
   * function of its own; such a hash starts with '<name>:' and never equals a portable one.
   * 'typed': as 'native', and besides every column has the same native type on every side, so
   * the checksummer may hash each value by its type's own hash (no row text at all), as long as
   * values equal by the diff's rules (row-compare) hash equal; such a hash starts with its own
   * '<name>:' prefix. A checksummer without a typed digest treats 'typed' as 'native'.
   * A checksummer without one returns the portable digest. Default 'portable'.
   */
  digest?: 'portable' | 'native' | 'typed';
}

export interface ChecksumResult {
  rows: number;
  /**
   * Order-independent digest: the sum modulo 2^64 of the first 8 bytes (big-endian) of
   * md5(normalised row text), as 16 lower-case hex digits. See checksum.ts for the row text.
   * With `digest: 'native'` or 'typed' possibly the dialect's own prefixed digest (ChecksumRequest.digest).
   */
  hash: string;
}

export interface Checksummer {
  checksum(request: ChecksumRequest): Promise<ChecksumResult>;
  /**
   * The checksums of every sub-range of `request.range` cut at `bounds` (ascending inner
   * boundaries of a one-column integer key; bucket i is (bounds[i-1], bounds[i]], the first and
   * last open-ended like the range), in ONE pass over the range: result i is what `checksum` gives
   * for bucket i. Null when this checksummer cannot here (another key, a digest computed in the
   * worker); the caller then checksums the sub-ranges one by one. Optional.
   */
  checksumBuckets?(request: ChecksumRequest, bounds: NeutralValue[][]): Promise<ChecksumResult[] | null>;
}

export interface CreateTableOptions {
  /** Per-column native type overrides, verbatim. */
  typeOverrides?: Record<string, string>;
  /**
   * Leave the primary key and the indexes out of the CREATE TABLE and return the statements that
   * build them as DdlPlan.deferred, to run once the table is loaded. Only dialects declaring
   * DialectCapabilities.deferredKeyBuild honour it; the others ignore it (deferred stays absent).
   */
  deferKey?: boolean;
}

export interface DdlPlan {
  statements: string[];
  /** With CreateTableOptions.deferKey: the key and indexes the CREATE TABLE left out, built after the load (in one transaction). */
  deferred?: string[];
  /** Columns whose type this dialect cannot hold faithfully, reported in the run. */
  losses: { column: string; note: LossNote }[];
}

/** Pure SQL text builders: golden-SQL tests snapshot their output. */
export interface DdlBuilder {
  /** Refuses (throws ConnectionSpecError-like IdentifierError) names longer than the dialect allows, before any SQL. */
  createTable(target: TableRef, schema: Pick<TableSchema, 'columns' | 'primaryKey' | 'indexes'>, options?: CreateTableOptions): DdlPlan;
  addColumns(target: TableRef, columns: NeutralColumn[], options?: CreateTableOptions): DdlPlan;
  qualify(table: TableRef): string;
}

/** Thrown before any DDL when an identifier cannot exist in the target dialect. */
export class IdentifierError extends Error {
  /** Terminal: a name the target cannot hold never becomes one on retry. */
  readonly transient = false;
  constructor(
    readonly identifier: string,
    readonly reason: string,
  ) {
    super(`identifier "${identifier.slice(0, 80)}" ${reason}`);
    this.name = 'IdentifierError';
  }
}

/**
 * The check a writer runs with `verify` once it has counted the range: in replace-range mode the
 * range was emptied and then given exactly the rows written, so any other count means rows were
 * lost (or came from elsewhere) and the write must not commit.
 */
export function checkReplacedRangeCount(request: Pick<WriteRequest, 'mode' | 'table'>, written: number, counted: number): void {
  if (request.mode !== 'replace-range' || counted === written) return;
  throw new RowCountMismatchError(
    written,
    counted,
    `the key range of ${request.table.schema}.${request.table.name} holds ${counted} row(s) after ${written} were written into it, in the same transaction (rolled back)`,
  );
}

/**
 * The neutral order of a key kind, the order the engine assumes when it cuts a table into key
 * ranges on one database and deletes the same range on another: integers and decimals by value,
 * uuid and binary by their bytes (unsigned, shorter first on a common prefix), dates and
 * timestamps by time (timestamptz by instant). Text has no neutral order (collations).
 */
export const NEUTRAL_KEY_ORDER_KINDS: readonly NeutralKind[] = [
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'decimal',
  'uuid', 'binary', 'blob', 'date', 'timestamp', 'timestamptz',
];

/** What a session offers beyond connectivity; every dialect implements all of it (issue 3). */
export interface DataPlane {
  /**
   * Key kinds whose values this dialect, as it stores them in the columns it maps them to and
   * compares them in its range predicates, orders exactly in their neutral order
   * (NEUTRAL_KEY_ORDER_KINDS). A chunk is replaced by key range only when the source and the
   * target both list the kinds of every key column; absent: none (the safe answer).
   */
  readonly orderedKeyKinds?: readonly NeutralKind[];
  introspector: Introspector;
  reader: Reader;
  writer: Writer;
  checksummer: Checksummer;
  ddl: DdlBuilder;
  /** Runs statements (DDL from `ddl`, test fixtures) in order, in one transaction where DDL is transactional. */
  execute(statements: string[]): Promise<void>;
}

/** Re-exported for implementers' convenience. */
export type { NeutralColumn, NeutralType };
