import type { DialectName, ValueLossKind } from '@dbferry/dialects-core';

/** The dialects with a live server in every environment (fidelity runs all directions among them). */
export type LossyDialect = Extract<DialectName, 'postgres' | 'mysql' | 'sqlite'>;

/** One column of a lossy source table. */
export interface LossyColumn {
  name: string;
  /**
   * The source's own type, written as in the "From <source>" table of docs/type-mapping.md (one
   * of the source type mapper's representative types): the documented loss per target is read
   * from there.
   */
  native: string;
  /** One SQL literal per row (LOSSY_ROW_COUNT rows), in the source's dialect. */
  literals: string[];
  /**
   * Where a target keeps something other than the value the source reads: the documented
   * result, one per row, as `normalizeValue` renders it by the target column's type (null: NULL).
   */
  becomes?: Partial<Record<LossyDialect, (string | null)[]>>;
  /** Value-level losses the copy reports for this column (reader and writer), per target. */
  valueLosses?: Partial<Record<LossyDialect, { kind: ValueLossKind; count: number }>>;
}

export interface LossyTable {
  source: LossyDialect;
  /** Run before the inserts (e.g. a relaxed sql_mode for zero dates), on the same session. */
  before?: string[];
  /** Run after the inserts, to leave the session as it was. */
  after?: string[];
  columns: LossyColumn[];
}

export const LOSSY_ROW_COUNT = 3;
const NULLS = (n = LOSSY_ROW_COUNT - 2) => Array.from({ length: n }, () => 'NULL');
const everywhere = (kind: ValueLossKind, count: number) => ({ postgres: { kind, count }, mysql: { kind, count }, sqlite: { kind, count } });

/**
 * The values that cannot cross between PostgreSQL, MariaDB and SQLite unchanged, one table per
 * source, each column of a type docs/type-mapping.md lists. The first column is the key `id`.
 * A value may change only as its column's `becomes` says, and only where the docs list the loss
 * (a LossNote in the matrix) or a value-level case (zero dates, NULs, fractions cut) that the
 * run report counts.
 */
export const LOSSY_TABLES: readonly LossyTable[] = [
  {
    source: 'postgres',
    columns: [
      { name: 'id', native: 'bigint', literals: ['1', '2', '3'] },
      // MySQL decimal(65,30): both values fit, so they arrive exact; a wider one fails its row.
      { name: 'num', native: 'numeric', literals: ["'12345678901234567890.123456789'", "'-0.000000000000000000000000000001'", ...NULLS()] },
      {
        name: 'span',
        native: 'interval',
        literals: ["'1 year 2 mons 3 days 04:05:06.5'", "'-00:00:01'", ...NULLS()],
        // MySQL varchar: ISO 8601 duration text (interval-as-text).
        becomes: { mysql: ['P1Y2M3DT4H5M6.5S', 'PT-1S', null] },
      },
      {
        name: 'ints',
        native: 'integer[]',
        literals: ['ARRAY[1, 2, NULL]', "'{}'", ...NULLS()],
        // MySQL json: a JSON array (array-as-json).
        becomes: { mysql: ['[1, 2, null]', '[]', null] },
      },
      {
        name: 'tags',
        native: 'text[]',
        literals: [`ARRAY['a', 'b "q"', 'ü']`, "ARRAY['']", ...NULLS()],
        becomes: { mysql: ['["a", "b \\"q\\"", "ü"]', '[""]', null] },
      },
      {
        name: 'bits',
        native: 'bit varying(16)',
        literals: ["B'101'", "B'1111111111111111'", ...NULLS()],
        // MySQL bit(16): shorter values left-padded with zeros (bit-string-reshaped).
        becomes: { mysql: ['0000000000000101', '1111111111111111', null] },
      },
      { name: 'at', native: 'timestamptz', literals: ["'2024-01-01 12:00:00+05:30'", "'1969-07-20 20:17:40.000001-07'", ...NULLS()] },
      {
        name: 'clock',
        native: 'time(3) with time zone',
        literals: ["'12:00:00.5+02'", "'23:59:59.999-11'", ...NULLS()],
        // MySQL time: the local time, without its offset.
        becomes: { mysql: ['12:00:00.5', '23:59:59.999', null] },
      },
      // Before MySQL's documented DATE range (1000-01-01): MariaDB and MySQL store it as given.
      { name: 'old', native: 'date', literals: ["'0500-06-15'", "'0001-01-01'", ...NULLS()] },
    ],
  },
  {
    source: 'mysql',
    // Zero dates go in only under a relaxed sql_mode; the session's own is put back afterwards.
    before: ['SET @fidelity_mode = @@SESSION.sql_mode', "SET SESSION sql_mode = ''"],
    after: ['SET SESSION sql_mode = @fidelity_mode'],
    columns: [
      { name: 'id', native: 'bigint', literals: ['1', '2', '3'] },
      {
        name: 'perms',
        native: "set('read','write','admin')",
        literals: ["'read,admin'", "''", ...NULLS()],
        // PostgreSQL keeps a set as text[]; SQLite as its comma-separated text (set-as-text).
        becomes: { sqlite: ['read,admin', '', null] },
      },
      { name: 'flags', native: 'bit(12)', literals: ["b'000000000101'", "b'111111111111'", ...NULLS()] },
      { name: 'day', native: 'date', literals: ["'0000-00-00'", "'2024-02-29'", ...NULLS()], valueLosses: everywhere('zero-date', 1) },
      {
        name: 'at',
        native: 'datetime(6)',
        literals: ["'0000-00-00 00:00:00'", "'9999-12-31 23:59:59.999999'", ...NULLS()],
        valueLosses: everywhere('zero-date', 1),
      },
      {
        name: 'note',
        native: 'text',
        literals: ["CONCAT('a', CHAR(0), 'b')", "'plain'", ...NULLS()],
        becomes: { postgres: ['ab', 'plain', null] },
        valueLosses: { postgres: { kind: 'nul-stripped', count: 1 } },
      },
    ],
  },
  {
    source: 'sqlite',
    columns: [
      { name: 'id', native: 'INTEGER', literals: ['1', '2', '3'] },
      { name: 'n', native: 'NUMERIC', literals: ["'12.5'", "'-0.001'", ...NULLS()] },
      {
        name: 'body',
        native: 'TEXT',
        literals: ["'a' || char(0) || 'b'", "'plain'", ...NULLS()],
        becomes: { postgres: ['ab', 'plain', null] },
        valueLosses: { postgres: { kind: 'nul-stripped', count: 1 } },
      },
      {
        name: 'at',
        native: 'TIMESTAMP(9)',
        // Rounding the second would leave the year 9999: truncation keeps it in range.
        literals: ["'2024-01-01 00:00:00.123456789'", "'9999-12-31 23:59:59.999999999'", ...NULLS()],
        becomes: {
          postgres: ['2024-01-01 00:00:00.123456', '9999-12-31 23:59:59.999999', null],
          mysql: ['2024-01-01 00:00:00.123456', '9999-12-31 23:59:59.999999', null],
        },
        valueLosses: { postgres: { kind: 'fractional-seconds-truncated', count: 2 }, mysql: { kind: 'fractional-seconds-truncated', count: 2 } },
      },
      {
        name: 'clock',
        native: 'TIME(7)',
        literals: ["'23:59:59.9999999'", "'00:00:00.0000001'", ...NULLS()],
        becomes: { postgres: ['23:59:59.999999', '00:00:00', null], mysql: ['23:59:59.999999', '00:00:00', null] },
        valueLosses: { postgres: { kind: 'fractional-seconds-truncated', count: 2 }, mysql: { kind: 'fractional-seconds-truncated', count: 2 } },
      },
    ],
  },
];
