import { filterDecimalType, plainDeleteWhere, type SqlStyle } from '@dbferry/dialects-core';
import { quoteMysqlIdentifier } from './mysql.sql';

// NO_BACKSLASH_ESCAPES is off by default, so a backslash is an escape character there.
const quoteString = (v: string): string => `'${v.split('\\').join('\\\\').split("'").join("''")}'`;

/** What the engine writes in MySQL's (and MariaDB's) SQL (see SqlStyle). */
export const mysqlSqlStyle: SqlStyle = {
  label: 'MySQL',
  quoteIdent: quoteMysqlIdentifier,
  quoteString,
  booleanValues: true,
  literals: {
    number: (digits) => digits,
    date: (v) => `DATE '${v}'`,
    timestamp: (v) => `TIMESTAMP '${v}'`,
    // The session runs with time_zone '+00:00', so a TIMESTAMP column compares in UTC.
    timestamptz: (v) => `TIMESTAMP '${v.slice(0, -6)}'`,
    uuid: (v) => `'${v}'`,
    text: (v) => quoteString(v),
    bool: (v) => (v ? '1' : '0'),
  },
  filter: {
    grammar: 'mysql',
    identifierQuotes: ['`'],
    doubleQuoteRefusal: "double quotes are ambiguous in MySQL: use 'single quotes' for text and `backticks` for column names",
    nationalStrings: false,
    hashComments: true,
    substringNeedsLength: false,
    call(fn, a) {
      switch (fn) {
        case 'char_length':
          return `CHAR_LENGTH(${a[0]})`;
        case 'substring':
          return `SUBSTRING(${a.join(', ')})`;
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
    extract: (part, src) => `EXTRACT(${part} FROM ${src})`,
    cast(expr, t) {
      switch (t.kind) {
        case 'integer':
          return `CAST(${expr} AS SIGNED)`;
        case 'decimal':
          return `CAST(${expr} AS ${filterDecimalType(t, 'DECIMAL')})`;
        case 'float':
          return `CAST(${expr} AS DOUBLE)`;
        case 'text':
          return `CAST(${expr} AS ${t.length !== undefined ? `CHAR(${t.length})` : 'CHAR'})`;
        case 'date':
          return `CAST(${expr} AS DATE)`;
        case 'timestamp':
          return `CAST(${expr} AS DATETIME)`;
      }
    },
  },
  // DDL commits on its own here, but one RENAME TABLE of both tables is atomic.
  staging: {
    drop: (t) => `DROP TABLE IF EXISTS ${t}`,
    createLike: (stage, target) => `CREATE TABLE ${stage} LIKE ${target}`,
    swap: (target, stage, old) => [[`RENAME TABLE ${target} TO ${old}, ${stage} TO ${target}`], [`DROP TABLE ${old}`]],
    leavesOldTable: true,
  },
  deleteWhere: plainDeleteWhere,
  nativeTypes: {
    mode: 'verbatim',
    // An enum read from a CHECK on a text column keeps the neutral mapping, which keeps the CHECK.
    keeps: (column) => column.type.kind !== 'enum' || /^enum\s*\(/i.test(column.nativeType.trim()),
  },
};
