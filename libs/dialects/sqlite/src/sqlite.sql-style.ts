import {
  type FilterDatePart,
  plainDeleteWhere,
  plainStringLiteral,
  type SqlStyle,
  standardFilterCall,
  standardFilterCast,
  standardFilterSyntax,
  standardLiterals,
  TRANSACTIONAL_STAGING_SWAP,
} from '@dbferry/dialects-core';
import { sqliteRepairSql } from './sqlite.repair-sql';
import { quoteSqliteIdentifier } from './sqlite.sql';

const castAs = standardFilterCast({ integer: () => 'INTEGER', decimal: () => 'NUMERIC', float: () => 'REAL', text: () => 'TEXT' });

const STRFTIME: Record<FilterDatePart, string> = { YEAR: '%Y', MONTH: '%m', DAY: '%d', HOUR: '%H', MINUTE: '%M', SECOND: '%S' };

/** What the engine writes in SQLite's SQL (see SqlStyle). */
export const sqliteSqlStyle: SqlStyle = {
  label: 'SQLite',
  quoteIdent: quoteSqliteIdentifier,
  quoteString: (v) => plainStringLiteral(v),
  booleanValues: true,
  literals: {
    ...standardLiterals,
    // 64-bit unsigned integers and wide decimals are kept as TEXT (exact digits): a bare number
    // would be converted to that column's text through a double and match nothing. Quoted, the
    // digits compare as stored text, and INTEGER or NUMERIC affinity converts them exactly.
    number: (digits) => `'${digits}'`,
    // Dates and timestamps are text in the neutral form, which sorts like the instant.
    date: (v) => `'${v}'`,
    timestamp: (v) => `'${v}'`,
    timestamptz: (v) => `'${v}'`,
  },
  filter: {
    ...standardFilterSyntax,
    grammar: 'sqlite',
    call: standardFilterCall({
      char_length: (a) => `LENGTH(${a[0]})`,
      substring: (a) => `SUBSTR(${a.join(', ')})`,
      date: (a) => `DATE(${a[0]})`,
    }),
    extract: (part, src) => `CAST(STRFTIME('${STRFTIME[part]}', ${src}) AS INTEGER)`,
    cast(expr, t) {
      // CAST(x AS DATE) has NUMERIC affinity in SQLite: '2024-01-31' would become 2024.
      if (t.kind === 'date') return `DATE(${expr})`;
      if (t.kind === 'timestamp') return `DATETIME(${expr})`;
      return castAs(expr, t);
    },
  },
  // Pure and read-only: nothing here sleeps, reads files, reaches other servers or moves a sequence.
  expression: {
    pipesConcat: true,
    functions: { replace: { min: 3, max: 3 }, ltrim: { min: 1, max: 2 }, rtrim: { min: 1, max: 2 }, instr: { min: 2, max: 2 }, nullif: { min: 2, max: 2 }, ifnull: { min: 2, max: 2 }, iif: { min: 3, max: 3 }, hex: { min: 1, max: 1 }, unicode: { min: 1, max: 1 }, printf: { min: 1, max: 32 }, strftime: { min: 2, max: 8 }, datetime: { min: 1, max: 8 }, julianday: { min: 1, max: 8 }, time: { min: 1, max: 8 } },
  },
  staging: TRANSACTIONAL_STAGING_SWAP,
  deleteWhere: plainDeleteWhere,
  repair: sqliteRepairSql((v) => plainStringLiteral(v)),
};
