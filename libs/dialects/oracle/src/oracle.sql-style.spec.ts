import { join } from 'node:path';
import { goldenSql, sqlStyleSample } from '@dbferry/dialects-core';
import { oracleSqlStyle } from './oracle.sql-style';
import { OracleDialect } from './oracle.dialect';

describe('oracle SqlStyle: the SQL the engine writes through the dialect (golden)', () => {
  it('renders quoting, literals, filter functions, deletes and the staging swap as golden/engine-sql.sql', () => {
    const { actual, expected } = goldenSql(join(__dirname, '..', 'golden'), 'engine-sql', sqlStyleSample(oracleSqlStyle));
    expect(actual).toBe(expected);
  });

  it('is the dialect contract\'s sql, with one identifier quoting', () => {
    const dialect = new OracleDialect();
    expect(dialect.sql).toBe(oracleSqlStyle);
    for (const name of ['a', 'Mixed Case', 'q"u`o]te']) expect(dialect.sql.quoteIdent(name)).toBe(dialect.quoteIdentifier(name));
  });
});
