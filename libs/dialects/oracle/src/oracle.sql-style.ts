import { filterDecimalType, plainDeleteWhere, plainStringLiteral, type SqlStyle } from '@dbferry/dialects-core';
import { quoteOracleIdentifier } from './oracle.sql';

/** What the engine writes in Oracle's SQL (see SqlStyle). */
export const oracleSqlStyle: SqlStyle = {
  label: 'Oracle',
  quoteIdent: quoteOracleIdentifier,
  quoteString: (v) => plainStringLiteral(v),
  booleanValues: false,
  literals: {
    number: (digits) => digits,
    date: (v) => `DATE '${v}'`,
    timestamp: (v) => `TIMESTAMP '${v}'`,
    timestamptz: (v) => `TIMESTAMP '${v.slice(0, -6)} +00:00'`,
    // A uuid kept as RAW(16) compares with its bytes.
    uuid: (v, column) => (/^RAW/i.test(column.nativeType) ? `HEXTORAW('${v.replace(/-/g, '')}')` : `'${v}'`),
    text: (v) => plainStringLiteral(v),
    bool: (v) => (v ? '1' : '0'),
  },
  filter: {
    // node-sql-parser has no Oracle grammar: the PostgreSQL one reads the same expression syntax
    // (double-quoted identifiers, '' in strings), and rendering is Oracle's own.
    grammar: 'postgresql',
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
          return `TRUNC(${a[0]})`;
        case 'current_date':
          return 'TRUNC(SYSDATE)';
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
          return `CAST(${expr} AS INTEGER)`;
        case 'decimal':
          return `CAST(${expr} AS ${filterDecimalType(t, 'NUMBER')})`;
        case 'float':
          return `CAST(${expr} AS BINARY_DOUBLE)`;
        case 'text':
          return `CAST(${expr} AS VARCHAR2(${t.length ?? 4000}))`;
        case 'date':
          return `CAST(${expr} AS DATE)`;
        case 'timestamp':
          return `CAST(${expr} AS TIMESTAMP)`;
      }
    },
    // Oracle has no % operator.
    modulo: (l, r) => `MOD(${l}, ${r})`,
  },
  // One PL/SQL block: a failing block rolls back as one statement.
  staging: {
    drop: (t) => `BEGIN EXECUTE IMMEDIATE 'DROP TABLE ${t.split("'").join("''")} PURGE'; EXCEPTION WHEN OTHERS THEN IF SQLCODE != -942 THEN RAISE; END IF; END;`,
    swap: (target, stage, _old, columns) => [
      [`BEGIN DELETE FROM ${target}; INSERT INTO ${target} (${columns}) SELECT ${columns} FROM ${stage}; END;`],
      [`DROP TABLE ${stage} PURGE`],
    ],
    leavesOldTable: false,
  },
  deleteWhere: plainDeleteWhere,
};
