import {
  filterDecimalType,
  plainDeleteWhere,
  plainStringLiteral,
  type SqlStyle,
  standardFilterCall,
  standardFilterCast,
  standardFilterSyntax,
  standardLiterals,
} from '@dbferry/dialects-core';
import { oracleRepairSql } from './oracle.repair-sql';
import { quoteOracleIdentifier } from './oracle.sql';

/** What the engine writes in Oracle's SQL (see SqlStyle). */
export const oracleSqlStyle: SqlStyle = {
  label: 'Oracle',
  quoteIdent: quoteOracleIdentifier,
  quoteString: (v) => plainStringLiteral(v),
  booleanValues: false,
  literals: {
    ...standardLiterals,
    timestamptz: (v) => `TIMESTAMP '${v.slice(0, -6)} +00:00'`,
    // A uuid kept as RAW(16) compares with its bytes.
    uuid: (v, column) => (/^RAW/i.test(column.nativeType) ? `HEXTORAW('${v.replace(/-/g, '')}')` : `'${v}'`),
  },
  filter: {
    ...standardFilterSyntax,
    // node-sql-parser has no Oracle grammar: the PostgreSQL one reads the same expression syntax
    // (double-quoted identifiers, '' in strings), and rendering is Oracle's own.
    grammar: 'postgresql',
    call: standardFilterCall({
      char_length: (a) => `LENGTH(${a[0]})`,
      substring: (a) => `SUBSTR(${a.join(', ')})`,
      date: (a) => `TRUNC(${a[0]})`,
      current_date: () => 'TRUNC(SYSDATE)',
    }),
    cast: standardFilterCast({
      integer: () => 'INTEGER',
      decimal: (t) => filterDecimalType(t, 'NUMBER'),
      float: () => 'BINARY_DOUBLE',
      text: (t) => `VARCHAR2(${t.length ?? 4000})`,
    }),
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
  repair: oracleRepairSql(() => oracleSqlStyle.literals),
};
