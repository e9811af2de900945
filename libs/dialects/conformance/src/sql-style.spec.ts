import { join } from 'node:path';
import { DIALECT_NAMES, goldenSql, sqlStyleSample } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';

// Every dialect, by name, through the registry: the SqlStyle the engine reaches as Dialect.sql.
describe.each(DIALECT_NAMES)('%s SqlStyle: the SQL the engine writes through the dialect (golden)', (name) => {
  const dialect = dialectFor(name);

  it("renders quoting, literals, filter functions, deletes and the staging swap as the dialect's golden/engine-sql.sql", () => {
    const { actual, expected } = goldenSql(join(__dirname, '..', '..', name, 'golden'), 'engine-sql', sqlStyleSample(dialect.sql));
    expect(actual).toBe(expected);
  });

  it('has one identifier quoting: Dialect.sql.quoteIdent is Dialect.quoteIdentifier', () => {
    for (const ident of ['a', 'Mixed Case', 'q"u`o]te']) expect(dialect.sql.quoteIdent(ident)).toBe(dialect.quoteIdentifier(ident));
  });
});
