import { plainDeleteWhere, plainStringLiteral, type FilterDatePart, type SqlStyle, TRANSACTIONAL_STAGING_SWAP } from '@dbferry/dialects-core';
import { quoteSqliteIdentifier } from './sqlite.sql';

const STRFTIME: Record<FilterDatePart, string> = { YEAR: '%Y', MONTH: '%m', DAY: '%d', HOUR: '%H', MINUTE: '%M', SECOND: '%S' };

/** What the engine writes in SQLite's SQL (see SqlStyle). */
export const sqliteSqlStyle: SqlStyle = {
  label: 'SQLite',
  quoteIdent: quoteSqliteIdentifier,
  quoteString: (v) => plainStringLiteral(v),
  booleanValues: true,
  literals: {
    // 64-bit unsigned integers and wide decimals are kept as TEXT (exact digits): a bare number
    // would be converted to that column's text through a double and match nothing. Quoted, the
    // digits compare as stored text, and INTEGER or NUMERIC affinity converts them exactly.
    number: (digits) => `'${digits}'`,
    // Dates and timestamps are text in the neutral form, which sorts like the instant.
    date: (v) => `'${v}'`,
    timestamp: (v) => `'${v}'`,
    timestamptz: (v) => `'${v}'`,
    uuid: (v) => `'${v}'`,
    text: (v) => plainStringLiteral(v),
    bool: (v) => (v ? '1' : '0'),
  },
  filter: {
    grammar: 'sqlite',
    identifierQuotes: ['"'],
    nationalStrings: false,
    hashComments: false,
    substringNeedsLength: false,
    call(fn, a) {
      switch (fn) {
        case 'char_length':
          return `LENGTH(${a[0]})`;
        case 'substring':
          return `SUBSTR(${a.join(', ')})`;
        case 'date':
          return `DATE(${a[0]})`;
        case 'current_date':
          return 'CURRENT_DATE';
        case 'current_timestamp':
          return 'CURRENT_TIMESTAMP';
        default:
          return `${fn.toUpperCase()}(${a.join(', ')})`;
      }
    },
    extract: (part, src) => `CAST(STRFTIME('${STRFTIME[part]}', ${src}) AS INTEGER)`,
    cast(expr, t) {
      switch (t.kind) {
        case 'integer':
          return `CAST(${expr} AS INTEGER)`;
        case 'decimal':
          return `CAST(${expr} AS NUMERIC)`;
        case 'float':
          return `CAST(${expr} AS REAL)`;
        case 'text':
          return `CAST(${expr} AS TEXT)`;
        // CAST(x AS DATE) has NUMERIC affinity in SQLite: '2024-01-31' would become 2024.
        case 'date':
          return `DATE(${expr})`;
        case 'timestamp':
          return `DATETIME(${expr})`;
      }
    },
  },
  staging: TRANSACTIONAL_STAGING_SWAP,
  deleteWhere: plainDeleteWhere,
};
