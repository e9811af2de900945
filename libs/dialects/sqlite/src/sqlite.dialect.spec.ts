import { TerminalDbError } from '@dbferry/dialects-core';
import { SqliteDialect } from './sqlite.dialect';

const dialect = new SqliteDialect();

/** The shape sqlite3 gives its errors. */
function sqliteError(code: string, errno: number, text: string): Error {
  return Object.assign(new Error(`${code}: ${text}`), { code, errno });
}

describe('SqliteDialect', () => {
  it('declares its limits and no server', () => {
    expect(dialect.capabilities).toMatchObject({
      networked: false,
      maxIdentifierLength: 1024,
      maxBindParams: 32766,
      transactionalDdl: true,
      // No ADD PRIMARY KEY on an existing table.
      deferredKeyBuild: false,
    });
    expect(dialect.capabilities.defaultPort).toBeUndefined();
  });

  it.each([
    ['order', '"order"'],
    ['MixedCase', '"MixedCase"'],
    ['with space', '"with space"'],
    ['a"b', '"a""b"'],
    ['a`b', '"a`b"'],
    ['a]b', '"a]b"'],
    ['таблица', '"таблица"'],
  ])('quotes %s as %s', (name, quoted) => {
    expect(dialect.quoteIdentifier(name)).toBe(quoted);
  });

  it.each([
    ['SQLITE_CANTOPEN', 14, 'unable to open database file', 'unknown-database', false],
    ['SQLITE_NOTADB', 26, 'file is not a database', 'unknown-database', false],
    ['SQLITE_BUSY', 5, 'database is locked', 'timeout', true],
    ['SQLITE_READONLY', 8, 'attempt to write a readonly database', 'permission-denied', false],
    ['SQLITE_CONSTRAINT', 19, 'UNIQUE constraint failed: t.id', 'constraint', false],
    ['SQLITE_ERROR', 1, 'no such table: t', 'unknown', false],
  ])('sorts %s as %s', (code, errno, text, expected, transient) => {
    const error = dialect.classifyError(sqliteError(code, errno, text));
    expect(error.code).toBe(expected);
    expect(error.transient).toBe(transient);
    expect(error.message).toContain(text);
  });

  it('refuses a host or port on a file database', () => {
    expect(() => dialect.validateSpec({ dialect: 'sqlite', host: 'h', database: 'x.db' })).toThrow(TerminalDbError);
    expect(() => dialect.validateSpec({ dialect: 'sqlite', port: 1, database: 'x.db' })).toThrow(/port/);
  });
});
