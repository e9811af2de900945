import { filterDecimalType, plainDeleteWhere, plainStringLiteral, type SqlStyle, TRANSACTIONAL_STAGING_SWAP } from '@dbferry/dialects-core';
import { quoteMssqlIdentifier } from './mssql.sql';

/** What the engine writes in SQL Server's T-SQL (see SqlStyle). */
export const mssqlSqlStyle: SqlStyle = {
  label: 'SQL Server',
  quoteIdent: quoteMssqlIdentifier,
  quoteString: (v, national) => `${national ? 'N' : ''}${plainStringLiteral(v)}`,
  booleanValues: false,
  literals: {
    number: (digits) => digits,
    date: (v) => `CAST('${v}' AS date)`,
    timestamp: (v) => `CAST('${v}' AS datetime2(7))`,
    timestamptz: (v) => `CAST('${v}' AS datetimeoffset(7))`,
    uuid: (v) => `'${v}'`,
    text: (v, column) => `${/^n/i.test(column.nativeType) ? 'N' : ''}${plainStringLiteral(v)}`,
    bool: (v) => (v ? '1' : '0'),
  },
  filter: {
    grammar: 'transactsql',
    identifierQuotes: ['"', '['],
    nationalStrings: true,
    hashComments: false,
    substringNeedsLength: true,
    call(fn, a) {
      switch (fn) {
        case 'char_length':
          return `LEN(${a[0]})`;
        case 'round':
          return `ROUND(${a[0]}, ${a[1] ?? '0'})`;
        case 'trim':
          return `LTRIM(RTRIM(${a[0]}))`;
        case 'substring':
          return `SUBSTRING(${a.join(', ')})`;
        case 'date':
          return `CAST(${a[0]} AS DATE)`;
        case 'current_date':
          return 'CAST(GETDATE() AS DATE)';
        case 'current_timestamp':
          return 'CURRENT_TIMESTAMP';
        default:
          return `${fn.toUpperCase()}(${a.join(', ')})`;
      }
    },
    extract: (part, src) => `DATEPART(${part}, ${src})`,
    cast(expr, t) {
      switch (t.kind) {
        case 'integer':
          return `CAST(${expr} AS ${t.name === 'INTEGER' ? 'INT' : t.name})`;
        case 'decimal':
          return `CAST(${expr} AS ${filterDecimalType(t, 'DECIMAL')})`;
        case 'float':
          return `CAST(${expr} AS FLOAT)`;
        case 'text':
          // NVARCHAR without a length means 30 characters in CAST.
          return `CAST(${expr} AS NVARCHAR(${t.length !== undefined && t.length <= 4000 ? t.length : 'MAX'}))`;
        case 'date':
          return `CAST(${expr} AS DATE)`;
        case 'timestamp':
          return `CAST(${expr} AS DATETIME2)`;
      }
    },
  },
  staging: TRANSACTIONAL_STAGING_SWAP,
  deleteWhere: plainDeleteWhere,
};
