import { ConnectionError, RequestError } from 'tedious';
import { ConnectionSpecError } from '@dbferry/dialects-core';
import { MSSQL_LIST_TABLES_SQL, MSSQL_PRIMARY_KEYS_SQL, MssqlDialect } from './mssql.dialect';

const dialect = new MssqlDialect();

/** mssql wraps tedious errors: same code, the original kept as `originalError`. */
function mssqlWrap(original: Error & { code?: string }): Error {
  const wrapper = Object.assign(new Error(original.message), { name: 'ConnectionError', code: original.code });
  Object.defineProperty(wrapper, 'originalError', { enumerable: true, value: original });
  return wrapper;
}

describe('MssqlDialect', () => {
  it('declares its real limits', () => {
    expect(dialect.capabilities).toMatchObject({
      networked: true,
      defaultPort: 1433,
      maxIdentifierLength: 128,
      maxBindParams: 2100,
      supportsCopy: true,
      supportsMerge: true,
      transactionalDdl: true,
    });
  });

  it.each([
    ['order', '[order]'],
    ['MixedCase', '[MixedCase]'],
    ['with space', '[with space]'],
    ['a"b', '[a"b]'],
    ['a`b', '[a`b]'],
    ['a]b', '[a]]b]'],
    ['таблица', '[таблица]'],
  ])('quotes %s as %s', (name, quoted) => {
    expect(dialect.quoteIdentifier(name)).toBe(quoted);
  });

  it('sorts a failed login as authentication-failed', () => {
    const error = dialect.classifyError(mssqlWrap(new ConnectionError("Login failed for user 'sa'.", 'ELOGIN')));
    expect(error.code).toBe('authentication-failed');
    expect(error.transient).toBe(false);
  });

  it('sorts error 4060 (cannot open database) as unknown-database', () => {
    const original = new ConnectionError('Cannot open database "nope" requested by the login. The login failed.', 'ELOGIN');
    expect(dialect.classifyError(mssqlWrap(original)).code).toBe('unknown-database');
    const request = Object.assign(new RequestError('Cannot open database', 'EREQUEST'), { number: 4060 });
    expect(dialect.classifyError(request).code).toBe('unknown-database');
  });

  it('finds the refused socket behind ESOCKET', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1433'), { code: 'ECONNREFUSED' });
    const tedious = new ConnectionError('Failed to connect to 127.0.0.1:1433 - connect ECONNREFUSED', 'ESOCKET', { cause: socket });
    const error = dialect.classifyError(mssqlWrap(tedious));
    expect(error.code).toBe('connection-refused');
    expect(error.transient).toBe(true);
  });

  it('sorts ETIMEOUT as a transient timeout', () => {
    const error = dialect.classifyError(mssqlWrap(new ConnectionError('Failed to connect in 1000ms', 'ETIMEOUT')));
    expect(error.code).toBe('timeout');
    expect(error.transient).toBe(true);
  });

  it('sorts a deadlock victim (1205) as transient and a PK violation (2627) as constraint', () => {
    expect(dialect.classifyError(Object.assign(new RequestError('deadlock', 'EREQUEST'), { number: 1205 })).transient).toBe(true);
    expect(dialect.classifyError(Object.assign(new RequestError('dup', 'EREQUEST'), { number: 2627 })).code).toBe('constraint');
  });

  it('refuses a malformed instance name', () => {
    expect(() =>
      dialect.validateSpec({ dialect: 'mssql', host: 'h', database: 'd', options: { instanceName: 'a;b' } }),
    ).toThrow(ConnectionSpecError);
  });

  it('lists user tables with sys.partitions counts and PK columns in key order', () => {
    expect(MSSQL_LIST_TABLES_SQL).toContain('sys.partitions');
    expect(MSSQL_LIST_TABLES_SQL).toContain('p.index_id IN (0, 1)');
    expect(MSSQL_LIST_TABLES_SQL).toContain('is_ms_shipped = 0');
    expect(MSSQL_PRIMARY_KEYS_SQL).toContain('ORDER BY s.name, t.name, ic.key_ordinal');
  });
});
