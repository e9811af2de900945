import { plainDeleteWhere, type SqlStyle, standardFilterCall, standardFilterCast, standardFilterSyntax, standardLiterals } from '@dbferry/dialects-core';
import { mysqlRepairSql } from './mysql.repair-sql';
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
    ...standardLiterals,
    // The session runs with time_zone '+00:00', so a TIMESTAMP column compares in UTC.
    timestamptz: (v) => `TIMESTAMP '${v.slice(0, -6)}'`,
    text: (v) => quoteString(v),
  },
  filter: {
    ...standardFilterSyntax,
    grammar: 'mysql',
    identifierQuotes: ['`'],
    doubleQuoteRefusal: "double quotes are ambiguous in MySQL: use 'single quotes' for text and `backticks` for column names",
    hashComments: true,
    call: standardFilterCall({ date: (a) => `DATE(${a[0]})` }),
    cast: standardFilterCast({
      integer: () => 'SIGNED',
      float: () => 'DOUBLE',
      text: (t) => (t.length !== undefined ? `CHAR(${t.length})` : 'CHAR'),
      timestamp: () => 'DATETIME',
    }),
  },
  // Pure and read-only: nothing here sleeps, reads files, reaches other servers or moves a sequence.
  expression: {
    pipesConcat: false,
    functions: { concat: { min: 1, max: 32 }, concat_ws: { min: 2, max: 32 }, replace: { min: 3, max: 3 }, left: { min: 2, max: 2 }, right: { min: 2, max: 2 }, lpad: { min: 3, max: 3 }, rpad: { min: 3, max: 3 }, ltrim: { min: 1, max: 1 }, rtrim: { min: 1, max: 1 }, reverse: { min: 1, max: 1 }, repeat: { min: 2, max: 2 }, locate: { min: 2, max: 3 }, instr: { min: 2, max: 2 }, md5: { min: 1, max: 1 }, sha2: { min: 2, max: 2 }, nullif: { min: 2, max: 2 }, ifnull: { min: 2, max: 2 }, if: { min: 3, max: 3 }, greatest: { min: 2, max: 32 }, least: { min: 2, max: 32 }, floor: { min: 1, max: 1 }, ceil: { min: 1, max: 1 }, ceiling: { min: 1, max: 1 }, truncate: { min: 2, max: 2 }, mod: { min: 2, max: 2 }, power: { min: 2, max: 2 }, sqrt: { min: 1, max: 1 }, sign: { min: 1, max: 1 }, date_format: { min: 2, max: 2 }, year: { min: 1, max: 1 }, month: { min: 1, max: 1 }, day: { min: 1, max: 1 }, datediff: { min: 2, max: 2 } },
  },
  // DDL commits on its own here, but one RENAME TABLE of both tables is atomic.
  staging: {
    drop: (t) => `DROP TABLE IF EXISTS ${t}`,
    createLike: (stage, target) => `CREATE TABLE ${stage} LIKE ${target}`,
    swap: (target, stage, old) => [[`RENAME TABLE ${target} TO ${old}, ${stage} TO ${target}`], [`DROP TABLE ${old}`]],
    leavesOldTable: true,
  },
  deleteWhere: plainDeleteWhere,
  repair: mysqlRepairSql,
  nativeTypes: {
    mode: 'verbatim',
    // An enum read from a CHECK on a text column keeps the neutral mapping, which keeps the CHECK.
    keeps: (column) => column.type.kind !== 'enum' || /^enum\s*\(/i.test(column.nativeType.trim()),
  },
};
