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
