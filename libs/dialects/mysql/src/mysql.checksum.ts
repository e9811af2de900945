import type { Connection } from 'mysql2/promise';
import {
  ChecksumAccumulator,
  type ChecksumRequest,
  type ChecksumResult,
  type Checksummer,
  type NeutralColumn,
  type NeutralKind,
} from '@dbferry/dialects-core';
import { type ErrorMapper, guarded, type MysqlReader, rawQuery } from './mysql.reader';
import { keyColumnsOf, qualify, quoteId, whereClause } from './mysql.sql';

/**
 * Kinds whose reference text (checksum.ts) SQL cannot reproduce here: json (canonical key
 * order), floats (JS exponent notation), set (JSON array text with escapes), and kinds MySQL
 * never yields. A request with any of them is checksummed in the worker over the read rows.
 */
const WORKER_KINDS = new Set<NeutralKind>(['json', 'float32', 'float64', 'set', 'array', 'interval', 'xml']);

export function checksumInDatabase(columns: NeutralColumn[]): boolean {
  return columns.every((c) => !WORKER_KINDS.has(c.type.kind));
}

/** `text` with trailing fractional zeros and a bare trailing dot removed (checksum.ts trimFraction). */
const trimFraction = (text: string) => `TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${text}))`;
const utf8 = (text: string) => `CONVERT(${text} USING utf8mb4) COLLATE utf8mb4_bin`;

/** The normalised text of one column (NULL stays NULL), matching checksum.ts normalizeValue; rowTextExpression makes it UTF-8. */
export function columnTextExpression(column: NeutralColumn): string {
  const c = quoteId(column.name);
  const t = column.type;
  switch (t.kind) {
    case 'bool':
      return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} <> 0 THEN '1' ELSE '0' END`;
    case 'int8': case 'int16': case 'int32': case 'int64':
    case 'uint8': case 'uint16': case 'uint32': case 'uint64':
      return `CAST(${c} AS CHAR)`;
    case 'decimal':
      // Decimals print without exponent and with exactly the column's scale: a scale prints a
      // point, so only then are there fraction zeros to trim (known from the type, not per row).
      if (t.scale !== undefined) return t.scale > 0 ? trimFraction(`CAST(${c} AS CHAR)`) : `CAST(${c} AS CHAR)`;
      return `CASE WHEN INSTR(CAST(${c} AS CHAR), '.') > 0 THEN ${trimFraction(`CAST(${c} AS CHAR)`)} ELSE CAST(${c} AS CHAR) END`;
    case 'char':
      return `TRIM(TRAILING ' ' FROM ${c})`;
    case 'uuid':
      return `LOWER(${c})`;
    case 'binary':
    case 'blob':
      return `LOWER(HEX(${c}))`;
    case 'bit':
      return `LPAD(BIN(${c} + 0), ${t.length}, '0')`;
    case 'date':
      // Zero dates read as NULL (mysql.values.ts isZeroDate): the same here.
      return `CASE WHEN MONTH(${c}) = 0 OR DAYOFMONTH(${c}) = 0 THEN NULL ELSE DATE_FORMAT(${c}, '%Y-%m-%d') END`;
    case 'time':
      return `CASE WHEN INSTR(CAST(${c} AS CHAR), '.') > 0 THEN ${trimFraction(`CAST(${c} AS CHAR)`)} ELSE CAST(${c} AS CHAR) END`;
    case 'timestamp':
    case 'timestamptz':
      // The session zone is UTC, so a TIMESTAMP prints as the instant in UTC.
      return `CASE WHEN MONTH(${c}) = 0 OR DAYOFMONTH(${c}) = 0 THEN NULL ELSE ${trimFraction(`DATE_FORMAT(${c}, '%Y-%m-%d %H:%i:%s.%f')`)} END`;
    default:
      return c;
  }
}

/**
 * Kinds whose normalised text is ASCII whatever the column's character set (digits, hex, dates):
 * the same bytes in the session's utf8mb4, so no per-row conversion.
 */
const ASCII_KINDS = new Set<NeutralKind>([
  'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'decimal', 'binary', 'blob', 'bit', 'date', 'time', 'timestamp', 'timestamptz',
]);

/** Row text as checksum.ts builds it: each value or `\N`, joined by U+001F. */
export function rowTextExpression(columns: NeutralColumn[]): string {
  const parts = columns.map((col) => {
    const text = columnTextExpression(col);
    return `IFNULL(${ASCII_KINDS.has(col.type.kind) ? text : utf8(text)}, '\\\\N')`;
  });
  return `CONCAT(${parts.join(', CHAR(31 USING utf8mb4), ')})`;
}

/**
 * The native digest's row text (ChecksumRequest.digest, every side MySQL/MariaDB): each value as
 * the server prints it, as bytes (no normalisation, no collation to mix), joined by U+001F, then
 * one NULL flag per column. Equal values on two servers of the same types print alike; anything
 * else (another scale, charset or JSON spacing) only makes a range look unequal, and its rows are
 * then compared exactly in the worker.
 */
export function nativeRowTextExpression(columns: NeutralColumn[]): string {
  const values = columns.map((c) => `CAST(${quoteId(c.name)} AS BINARY)`);
  const nulls = columns.map((c) => `ISNULL(${quoteId(c.name)})`);
  return `CONCAT_WS(0x1f, ${values.join(', ')}, CONCAT(${nulls.join(', ')}))`;
}

/**
 * Count and digest in one pass: the first 16 hex digits of MD5 read as an unsigned 64-bit
 * integer, summed exactly (SUM over BIGINT UNSIGNED is DECIMAL) and reduced modulo 2^64.
 * `hash` 'crc': the native digest, CRC32 and CRC32C of the native row text as one 64-bit value
 * (MariaDB 10.8+); 'md5': MD5 of the native row text. Building the normalised text is most of the
 * portable digest's cost here (docs/benchmarks.md, "Diff").
 */
export function checksumSql(request: ChecksumRequest, hash: 'crc' | 'md5' = 'md5'): string {
  const keys = keyColumnsOf(request.columns, request.keyColumns);
  const native = request.digest === 'native' || request.digest === 'typed';
  const text = native ? nativeRowTextExpression(request.columns) : rowTextExpression(request.columns);
  const digest = native && hash === 'crc' ? `((CRC32(${text}) << 32) | CRC32C(${text}))` : `CAST(CONV(SUBSTRING(MD5(${text}), 1, 16), 16, 10) AS UNSIGNED)`;
  return (
    `SELECT COUNT(*), CAST(MOD(COALESCE(SUM(${digest}), 0), 18446744073709551616) AS CHAR) ` +
    `FROM ${qualify(request.table)}${whereClause(keys, request.range, request.where)}`
  );
}

export class MysqlChecksummer implements Checksummer {
  constructor(
    private readonly main: Connection,
    private readonly reader: MysqlReader,
    private readonly mapError: ErrorMapper,
  ) {}

  /** Whether the server has CRC32C (MariaDB 10.8+), probed at the first native request. */
  private crc32c: boolean | undefined;

  async checksum(request: ChecksumRequest): Promise<ChecksumResult> {
    // 'typed' (the same column types on every side too) is the native digest here: it already
    // hashes each value as the server prints it, with no normalisation to drop.
    const native = request.digest === 'native' || request.digest === 'typed';
    // The native text takes every kind as the server prints it; the portable one only kinds SQL can normalise.
    if (!native && !checksumInDatabase(request.columns)) return this.inWorker(request);
    if (native && this.crc32c === undefined) this.crc32c = await rawQuery(this.main, "SELECT CRC32C('')").then(() => true, () => false);
    const hash = this.crc32c ? 'crc' : 'md5';
    return guarded(this.mapError, async () => {
      const rows = await rawQuery(this.main, checksumSql(request, hash));
      const row = rows[0] ?? [];
      const count = Number(row[0]?.toString('latin1') ?? '0');
      const sum = BigInt(row[1]?.toString('latin1') ?? '0');
      return { rows: count, hash: `${native ? `mysql-${hash}:` : ''}${sum.toString(16).padStart(16, '0')}` };
    });
  }

  /** Reads the range and feeds the reference accumulator: exact for every kind, at the cost of the transfer. */
  private async inWorker(request: ChecksumRequest): Promise<ChecksumResult> {
    const accumulator = new ChecksumAccumulator(request.columns.map((c) => c.type));
    const batches = this.reader.read({ ...request, batchSize: 5000 });
    for await (const batch of batches) for (const row of batch.rows) accumulator.add(row);
    return { rows: accumulator.rows, hash: accumulator.hash };
  }
}
