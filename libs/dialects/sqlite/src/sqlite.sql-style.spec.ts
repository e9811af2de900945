import { join } from 'node:path';
import { goldenSql, sqlStyleSample } from '@dbferry/dialects-core';
import { sqliteSqlStyle } from './sqlite.sql-style';
import { SqliteDialect } from './sqlite.dialect';

describe('sqlite SqlStyle: the SQL the engine writes through the dialect (golden)', () => {
  it('renders quoting, literals, filter functions, deletes and the staging swap as golden/engine-sql.sql', () => {
    const { actual, expected } = goldenSql(join(__dirname, '..', 'golden'), 'engine-sql', sqlStyleSample(sqliteSqlStyle));
    expect(actual).toBe(expected);
  });

  it('is the dialect contract\'s sql, with one identifier quoting', () => {
    const dialect = new SqliteDialect();
    expect(dialect.sql).toBe(sqliteSqlStyle);
    for (const name of ['a', 'Mixed Case', 'q"u`o]te']) expect(dialect.sql.quoteIdent(name)).toBe(dialect.quoteIdentifier(name));
  });
});
