import {
  filterDecimalType,
  plainDeleteWhere,
  plainStringLiteral,
  type SqlStyle,
  standardFilterCall,
  standardFilterCast,
  standardFilterSyntax,
  standardLiterals,
  TRANSACTIONAL_STAGING_SWAP,
} from '@dbferry/dialects-core';
import { postgresRepairSql } from './postgres.repair-sql';
import { quotePostgresIdentifier } from './postgres.sql';

/** What the engine writes in PostgreSQL's SQL (see SqlStyle). */
export const postgresSqlStyle: SqlStyle = {
  label: 'PostgreSQL',
  quoteIdent: quotePostgresIdentifier,
  // E'' keeps a backslash literal whatever standard_conforming_strings says.
  quoteString: (v) => (v.includes('\\') ? `E'${v.split('\\').join('\\\\').split("'").join("''")}'` : plainStringLiteral(v)),
  booleanValues: true,
  literals: {
    ...standardLiterals,
    timestamptz: (v) => `TIMESTAMPTZ '${v}'`,
    text: (v) => postgresSqlStyle.quoteString(v, false),
    bool: (v) => (v ? 'TRUE' : 'FALSE'),
  },
  filter: {
    ...standardFilterSyntax,
    grammar: 'postgresql',
    call: standardFilterCall({ substring: (a) => `SUBSTR(${a.join(', ')})` }),
    cast: standardFilterCast({
      decimal: (t) => filterDecimalType(t, 'NUMERIC'),
      text: (t) => (t.length !== undefined ? `VARCHAR(${t.length})` : 'TEXT'),
    }),
  },
  staging: TRANSACTIONAL_STAGING_SWAP,
  deleteWhere: plainDeleteWhere,
  repair: postgresRepairSql((v) => postgresSqlStyle.quoteString(v, false)),
  nativeTypes: {
    mode: 'catalog',
    createEnum: (qualifiedName, labels) => `CREATE TYPE ${qualifiedName} AS ENUM (${labels.map((l) => postgresSqlStyle.quoteString(l, false)).join(', ')})`,
  },
};
