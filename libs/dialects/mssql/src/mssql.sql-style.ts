import {
  plainDeleteWhere,
  plainStringLiteral,
  type SqlStyle,
  standardFilterCall,
  standardFilterCast,
  standardFilterSyntax,
  standardLiterals,
  TRANSACTIONAL_STAGING_SWAP,
} from '@dbferry/dialects-core';
import { mssqlRepairSql } from './mssql.repair-sql';
import { quoteMssqlIdentifier } from './mssql.sql';

/** What the engine writes in SQL Server's T-SQL (see SqlStyle). */
export const mssqlSqlStyle: SqlStyle = {
  label: 'SQL Server',
  quoteIdent: quoteMssqlIdentifier,
  quoteString: (v, national) => `${national ? 'N' : ''}${plainStringLiteral(v)}`,
  booleanValues: false,
  literals: {
    ...standardLiterals,
    date: (v) => `CAST('${v}' AS date)`,
    timestamp: (v) => `CAST('${v}' AS datetime2(7))`,
    timestamptz: (v) => `CAST('${v}' AS datetimeoffset(7))`,
    text: (v, column) => `${/^n/i.test(column.nativeType) ? 'N' : ''}${plainStringLiteral(v)}`,
  },
  filter: {
    ...standardFilterSyntax,
    grammar: 'transactsql',
    identifierQuotes: ['"', '['],
    nationalStrings: true,
    substringNeedsLength: true,
    call: standardFilterCall({
      char_length: (a) => `LEN(${a[0]})`,
      round: (a) => `ROUND(${a[0]}, ${a[1] ?? '0'})`,
      trim: (a) => `LTRIM(RTRIM(${a[0]}))`,
      current_date: () => 'CAST(GETDATE() AS DATE)',
    }),
    extract: (part, src) => `DATEPART(${part}, ${src})`,
    cast: standardFilterCast({
      integer: (t) => (t.name === 'INTEGER' ? 'INT' : t.name),
      float: () => 'FLOAT',
      // NVARCHAR without a length means 30 characters in CAST.
      text: (t) => `NVARCHAR(${t.length !== undefined && t.length <= 4000 ? t.length : 'MAX'})`,
      timestamp: () => 'DATETIME2',
    }),
  },
  staging: TRANSACTIONAL_STAGING_SWAP,
  deleteWhere: plainDeleteWhere,
  repair: mssqlRepairSql(() => mssqlSqlStyle.literals),
};
