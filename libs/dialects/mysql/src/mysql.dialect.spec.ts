import { TerminalDbError, TransientDbError } from '@dbferry/dialects-core';
import { describeMysqlVersion, MYSQL_LIST_TABLES_SQL, MYSQL_PRIMARY_KEYS_SQL, MysqlDialect } from './mysql.dialect';

const dialect = new MysqlDialect();

/** The shape mysql2 gives server errors. */
function mysqlError(code: string, errno: number, sqlState: string, message: string): Error {
  return Object.assign(new Error(message), { code, errno, sqlState, sqlMessage: message, fatal: true });
}

describe('MysqlDialect', () => {
  it('declares its real limits', () => {
    expect(dialect.capabilities).toMatchObject({
      networked: true,
      defaultPort: 3306,
      maxIdentifierLength: 64,
      maxBindParams: 65535,
      supportsCopy: true,
      supportsMerge: false,
      transactionalDdl: false,
      // InnoDB clusters on the key: adding it after the load rebuilds the table.
      deferredKeyBuild: false,
    });
  });

  it.each([
    ['order', '`order`'],
    ['MixedCase', '`MixedCase`'],
    ['with space', '`with space`'],
    ['a"b', '`a"b`'],
    ['a`b', '`a``b`'],
    ['a]b', '`a]b`'],
    ['таблица', '`таблица`'],
  ])('quotes %s as %s', (name, quoted) => {
    expect(dialect.quoteIdentifier(name)).toBe(quoted);
  });

  it.each([
    ['ER_ACCESS_DENIED_ERROR', 1045, '28000', "Access denied for user 'u'@'10.0.0.2' (using password: YES)", 'authentication-failed', false],
    ['ER_BAD_DB_ERROR', 1049, '42000', "Unknown database 'nope'", 'unknown-database', false],
    ['ER_LOCK_DEADLOCK', 1213, '40001', 'Deadlock found when trying to get lock', 'unknown', true],
    ['ER_LOCK_WAIT_TIMEOUT', 1205, 'HY000', 'Lock wait timeout exceeded', 'unknown', true],
    ['CR_SERVER_GONE_ERROR', 2006, 'HY000', 'MySQL server has gone away', 'unknown', true],
    ['CR_SERVER_LOST', 2013, 'HY000', 'Lost connection to MySQL server during query', 'unknown', true],
    ['ER_DUP_ENTRY', 1062, '23000', "Duplicate entry '1' for key 'PRIMARY'", 'constraint', false],
    ['ER_DATA_TOO_LONG', 1406, '22001', "Data too long for column 'txt' at row 1", 'data', false],
    ['ER_WARN_DATA_OUT_OF_RANGE', 1264, '22003', "Out of range value for column 'n' at row 1", 'data', false],
    ['ER_TRUNCATED_WRONG_VALUE', 1292, '22007', "Incorrect datetime value: '0000-00-00' for column 'd' at row 1", 'data', false],
    ['ER_CONSTRAINT_FAILED', 4025, '23000', 'CONSTRAINT `j` failed for `d`.`t`', 'constraint', false],
    ['ER_NO_SUCH_TABLE', 1146, '42S02', "Table 'd.t' doesn't exist", 'unknown', false],
  ])('sorts %s (%d) as %s', (code, errno, sqlState, message, expected, transient) => {
    const error = dialect.classifyError(mysqlError(code, errno, sqlState, message));
    expect(error.code).toBe(expected);
    expect(error.transient).toBe(transient);
    expect(error.message).toContain(message);
  });

  it.each([
    [1406, "Data too long for column 'txt' at row 3", 'txt'],
    [1366, "Incorrect string value: '\\xF0\\x9F' for column `d`.`t`.`my col` at row 1", 'my col'],
    [1292, "Incorrect datetime value: '0000-00-00' for column `d`.`t`.`a``b` at row 2", 'a`b'],
    [1048, "Column 'note' cannot be null", 'note'],
    [4025, 'CONSTRAINT `j` failed for `d`.`t`', undefined],
  ])('names the column of a rejected value (%d) when the server does', (errno, message, column) => {
    const error = dialect.classifyError(mysqlError('ER_X', errno, '22000', message));
    expect(['data', 'constraint']).toContain(error.code);
    expect(error.column).toBe(column);
  });

  it('sorts a mysql2 connect timeout and a refused socket', () => {
    const timeout = Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT', errorno: 'ETIMEDOUT', fatal: true });
    expect(dialect.classifyError(timeout)).toBeInstanceOf(TransientDbError);
    expect(dialect.classifyError(timeout).code).toBe('timeout');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', errno: -111 });
    expect(dialect.classifyError(refused).code).toBe('connection-refused');
  });

  it('sorts a command on a connection that died earlier as transient', () => {
    const closed = Object.assign(new Error("Can't add new command when connection is in closed state"), { fatal: true });
    expect(dialect.classifyError(closed)).toBeInstanceOf(TransientDbError);
    expect(dialect.classifyError(new Error("Can't write in closed state"))).toBeInstanceOf(TransientDbError);
  });

  it('keeps unknown driver text as terminal unknown', () => {
    const error = dialect.classifyError(new Error('odd'));
    expect(error).toBeInstanceOf(TerminalDbError);
    expect(error.code).toBe('unknown');
  });

  it.each([
    ['10.11.19-MariaDB-0+deb12u1', 'mariadb', 'MariaDB 10.11.19'],
    ['5.5.5-10.6.12-MariaDB-log', 'mariadb', 'MariaDB 10.6.12'],
    ['8.4.2', 'mysql', 'MySQL 8.4.2'],
    ['8.0.36-0ubuntu0.22.04.1', 'mysql', 'MySQL 8.0.36'],
  ])('reads %s as %s', (raw, flavor, serverVersion) => {
    expect(describeMysqlVersion(raw)).toEqual({ flavor, serverVersion });
  });

  it('lists base tables of the connection database with PK columns in index order', () => {
    expect(MYSQL_LIST_TABLES_SQL).toContain('TABLE_ROWS');
    expect(MYSQL_LIST_TABLES_SQL).toContain('COALESCE(?, DATABASE())');
    expect(MYSQL_LIST_TABLES_SQL).toContain("'performance_schema'");
    expect(MYSQL_PRIMARY_KEYS_SQL).toContain('ORDER BY s.TABLE_NAME, s.SEQ_IN_INDEX');
  });
});
