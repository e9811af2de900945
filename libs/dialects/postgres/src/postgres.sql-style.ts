import { filterDecimalType, plainDeleteWhere, plainStringLiteral, type SqlStyle, TRANSACTIONAL_STAGING_SWAP } from '@dbferry/dialects-core';
import { quotePostgresIdentifier } from './postgres.sql';

/** What the engine writes in PostgreSQL's SQL (see SqlStyle). */
export const postgresSqlStyle: SqlStyle = {
  label: 'PostgreSQL',
  quoteIdent: quotePostgresIdentifier,
  // E'' keeps a backslash literal whatever standard_conforming_strings says.
  quoteString: (v) => (v.includes('\\') ? `E'${v.split('\\').join('\\\\').split("'").join("''")}'` : plainStringLiteral(v)),
  booleanValues: true,
  literals: {
    number: (digits) => digits,
    date: (v) => `DATE '${v}'`,
    timestamp: (v) => `TIMESTAMP '${v}'`,
    timestamptz: (v) => `TIMESTAMPTZ '${v}'`,
    uuid: (v) => `'${v}'`,
    text: (v) => postgresSqlStyle.quoteString(v, false),
    bool: (v) => (v ? 'TRUE' : 'FALSE'),
  },
  filter: {
    grammar: 'postgresql',
    identifierQuotes: ['"'],
    nationalStrings: false,
    hashComments: false,
    substringNeedsLength: false,
    call(fn, a) {
      switch (fn) {
        case 'char_length':
          return `CHAR_LENGTH(${a[0]})`;
        case 'substring':
          return `SUBSTR(${a.join(', ')})`;
        case 'date':
          return `CAST(${a[0]} AS DATE)`;
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
          return `CAST(${expr} AS ${t.name})`;
        case 'decimal':
          return `CAST(${expr} AS ${filterDecimalType(t, 'NUMERIC')})`;
        case 'float':
          return `CAST(${expr} AS DOUBLE PRECISION)`;
        case 'text':
          return `CAST(${expr} AS ${t.length !== undefined ? `VARCHAR(${t.length})` : 'TEXT'})`;
        case 'date':
          return `CAST(${expr} AS DATE)`;
        case 'timestamp':
          return `CAST(${expr} AS TIMESTAMP)`;
      }
    },
  },
  staging: TRANSACTIONAL_STAGING_SWAP,
  deleteWhere: plainDeleteWhere,
  nativeTypes: {
    mode: 'catalog',
    createEnum: (qualifiedName, labels) => `CREATE TYPE ${qualifiedName} AS ENUM (${labels.map((l) => postgresSqlStyle.quoteString(l, false)).join(', ')})`,
  },
};
