import { join } from 'node:path';
import { goldenSql, sqlStyleSample } from '@dbferry/dialects-core';
import { postgresSqlStyle } from './postgres.sql-style';
import { PostgresDialect } from './postgres.dialect';

describe('postgres SqlStyle: the SQL the engine writes through the dialect (golden)', () => {
  it('renders quoting, literals, filter functions, deletes and the staging swap as golden/engine-sql.sql', () => {
    const { actual, expected } = goldenSql(join(__dirname, '..', 'golden'), 'engine-sql', sqlStyleSample(postgresSqlStyle));
    expect(actual).toBe(expected);
  });

  it('is the dialect contract\'s sql, with one identifier quoting', () => {
    const dialect = new PostgresDialect();
    expect(dialect.sql).toBe(postgresSqlStyle);
    for (const name of ['a', 'Mixed Case', 'q"u`o]te']) expect(dialect.sql.quoteIdent(name)).toBe(dialect.quoteIdentifier(name));
  });
});
