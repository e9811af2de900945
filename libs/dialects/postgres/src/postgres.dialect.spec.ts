import { DatabaseError } from 'pg';
import { ConnectionSpecError, TerminalDbError, TransientDbError } from '@dbferry/dialects-core';
import { POSTGRES_LIST_TABLES_SQL, PostgresDialect } from './postgres.dialect';

const dialect = new PostgresDialect();

function pgError(code: string, message: string): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

describe('PostgresDialect', () => {
  it('declares its real limits', () => {
    expect(dialect.capabilities).toMatchObject({
      networked: true,
      defaultPort: 5432,
      maxIdentifierLength: 63,
      maxBindParams: 65535,
      supportsCopy: true,
      transactionalDdl: true,
      // A table a run creates is loaded bare and keyed after (its deferred statements run in one transaction).
      deferredKeyBuild: true,
    });
  });

  it.each([
    ['15.19 (Debian 15.19-0+deb12u1)', 2],
    ['13.4', 2],
    ['9.6.24', 2],
    ['16.0', undefined],
    ['17.2 (Ubuntu 17.2-1.pgdg24.04+1)', undefined],
    ['', undefined],
    ['unknown', undefined],
  ])('caps the chunks loading one table of server %j at %s (one relation extension lock before 16)', (version, writers) => {
    expect(dialect.tableLoadWriters(version)).toBe(writers);
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
    ['28P01', 'password authentication failed for user "app"', 'authentication-failed', false],
    ['28000', 'no pg_hba.conf entry for host "10.0.0.2"', 'authentication-failed', false],
    ['3D000', 'database "nope" does not exist', 'unknown-database', false],
    ['40001', 'could not serialize access due to concurrent update', 'unknown', true],
    ['40P01', 'deadlock detected', 'unknown', true],
    ['57P01', 'terminating connection due to administrator command', 'unknown', true],
    ['57P03', 'the database system is starting up', 'unknown', true],
    ['53300', 'sorry, too many clients already', 'unknown', true],
    ['23505', 'duplicate key value violates unique constraint "t_pkey"', 'constraint', false],
    ['42P01', 'relation "t" does not exist', 'unknown', false],
  ])('sorts SQLSTATE %s as %s', (code, message, expected, transient) => {
    const error = dialect.classifyError(pgError(code, message));
    expect(error.code).toBe(expected);
    expect(error.transient).toBe(transient);
    expect(error.message).toContain(message);
  });

  it.each([
    ['ECONNREFUSED', 'connection-refused', TransientDbError],
    ['ENOTFOUND', 'host-not-found', TerminalDbError],
    ['EAI_AGAIN', 'host-not-found', TransientDbError],
    ['ETIMEDOUT', 'timeout', TransientDbError],
  ])('sorts socket error %s as %s', (code, expected, kind) => {
    const error = dialect.classifyError(Object.assign(new Error(`connect ${code} 10.0.0.1:5432`), { code, errno: -111 }));
    expect(error.code).toBe(expected);
    expect(error).toBeInstanceOf(kind);
  });

  it('names the column of a rejected value from the error field or the COPY context', () => {
    const tooLong = Object.assign(pgError('22001', 'value too long for type character varying(3)'), { where: 'COPY t, line 7, column my col: "abcdef"' });
    expect(dialect.classifyError(tooLong)).toMatchObject({ code: 'data', column: 'my col' });
    const binary = Object.assign(pgError('22P02', 'invalid input syntax'), { where: 'COPY t, line 2, column n' });
    expect(dialect.classifyError(binary).column).toBe('n');
    const notNull = Object.assign(pgError('23502', 'null value in column "v" of relation "t" violates not-null constraint'), { column: 'v', where: 'COPY t, line 1: "1\t\\N"' });
    expect(dialect.classifyError(notNull)).toMatchObject({ code: 'constraint', column: 'v' });
    const check = Object.assign(pgError('23514', 'new row for relation "t" violates check constraint "t_n_check"'), { where: 'COPY t, line 1: "1\tab"' });
    expect(dialect.classifyError(check).column).toBeUndefined();
  });

  it("sorts node-pg's own connect timeout as a timeout", () => {
    const error = dialect.classifyError(new Error('Connection terminated due to connection timeout'));
    expect(error.code).toBe('timeout');
    expect(error.transient).toBe(true);
  });

  it('sorts a dropped connection as transient, also when a later query finds the client unusable', () => {
    expect(dialect.classifyError(new Error('Connection terminated unexpectedly')).transient).toBe(true);
    expect(dialect.classifyError(new Error('Client has encountered a connection error and is not queryable')).transient).toBe(true);
  });

  it('keeps the driver text of anything else as terminal unknown', () => {
    const error = dialect.classifyError(new Error('something odd'));
    expect(error).toBeInstanceOf(TerminalDbError);
    expect(error.message).toBe('database error: something odd');
  });

  it('refuses an unknown sslmode before connecting', () => {
    expect(() =>
      dialect.validateSpec({ dialect: 'postgres', host: 'h', database: 'd', options: { sslmode: 'sometimes' } }),
    ).toThrow(ConnectionSpecError);
  });

  it('lists tables from pg_class with key order and no system schemas', () => {
    expect(POSTGRES_LIST_TABLES_SQL).toContain('reltuples');
    expect(POSTGRES_LIST_TABLES_SQL).toContain('ORDER BY k.ord');
    expect(POSTGRES_LIST_TABLES_SQL).toContain("NOT IN ('pg_catalog', 'information_schema')");
    expect(POSTGRES_LIST_TABLES_SQL).toContain('c.reltuples < 0 THEN NULL');
  });
});
