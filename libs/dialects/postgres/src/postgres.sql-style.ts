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
  // Pure and read-only: nothing here sleeps, reads files, reaches other servers or moves a sequence.
  expression: {
    pipesConcat: true,
    functions: { concat: { min: 1, max: 32 }, concat_ws: { min: 2, max: 32 }, replace: { min: 3, max: 3 }, left: { min: 2, max: 2 }, right: { min: 2, max: 2 }, lpad: { min: 2, max: 3 }, rpad: { min: 2, max: 3 }, ltrim: { min: 1, max: 2 }, rtrim: { min: 1, max: 2 }, btrim: { min: 1, max: 2 }, initcap: { min: 1, max: 1 }, reverse: { min: 1, max: 1 }, repeat: { min: 2, max: 2 }, split_part: { min: 3, max: 3 }, strpos: { min: 2, max: 2 }, md5: { min: 1, max: 1 }, nullif: { min: 2, max: 2 }, greatest: { min: 1, max: 32 }, least: { min: 1, max: 32 }, floor: { min: 1, max: 1 }, ceil: { min: 1, max: 1 }, ceiling: { min: 1, max: 1 }, trunc: { min: 1, max: 2 }, mod: { min: 2, max: 2 }, power: { min: 2, max: 2 }, sqrt: { min: 1, max: 1 }, sign: { min: 1, max: 1 }, to_char: { min: 2, max: 2 }, date_trunc: { min: 2, max: 2 }, age: { min: 1, max: 2 } },
  },
  staging: TRANSACTIONAL_STAGING_SWAP,
  deleteWhere: plainDeleteWhere,
  repair: postgresRepairSql((v) => postgresSqlStyle.quoteString(v, false)),
  nativeTypes: {
    mode: 'catalog',
    createEnum: (qualifiedName, labels) => `CREATE TYPE ${qualifiedName} AS ENUM (${labels.map((l) => postgresSqlStyle.quoteString(l, false)).join(', ')})`,
  },
};
