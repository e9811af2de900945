import { ConnectionSpecError } from '@dbferry/dialects-core';
import { ORACLE_LIST_TABLES_SQL, ORACLE_PRIMARY_KEYS_SQL, OracleDialect } from './oracle.dialect';

const dialect = new OracleDialect();

/** The shape node-oracledb gives its errors: `code` ORA-/NJS-, `errorNum` for ORA. */
function oraError(code: string, message: string, errorNum?: number): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code, errorNum, offset: 0 });
}

describe('OracleDialect', () => {
  it('declares its real limits', () => {
    expect(dialect.capabilities).toMatchObject({
      networked: true,
      defaultPort: 1521,
      maxIdentifierLength: 128,
      maxBindParams: 65535,
      supportsCopy: false,
      supportsMerge: true,
      transactionalDdl: false,
    });
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
    [oraError('ORA-01017', 'invalid credential or not authorized; logon denied', 1017), 'authentication-failed', false],
    [oraError('ORA-12514', 'Cannot connect to database. Service x is not registered with the listener', 12514), 'unknown-database', false],
    [oraError('NJS-518', 'cannot connect to Oracle Database. Service "NOPE" is not registered with the listener at host 10.0.0.1 port 1521.'), 'unknown-database', false],
    [oraError('NJS-503', 'connection to host 127.0.0.1 port 1 could not be established.\nconnect ECONNREFUSED 127.0.0.1:1'), 'connection-refused', true],
    [oraError('NJS-503', 'connection to host 10.255.255.1 port 1521 could not be established.\nconnect ETIMEDOUT'), 'timeout', true],
    [oraError('NJS-510', 'connection to host 10.255.255.1 port 1521 timed out. Request exceeded "transportConnectTimeout" of 1 seconds.'), 'timeout', true],
    [oraError('ORA-00060', 'deadlock detected while waiting for resource', 60), 'unknown', true],
    [oraError('ORA-00001', 'unique constraint (A.PK) violated', 1), 'constraint', false],
    [oraError('ORA-00904', '"X": invalid identifier', 904), 'unknown', false],
  ])('sorts %s as %s', (error, expected, transient) => {
    const sorted = dialect.classifyError(error);
    expect(sorted.code).toBe(expected);
    expect(sorted.transient).toBe(transient);
  });

  it('refuses a service name that could smuggle Easy Connect parameters', () => {
    for (const database of ['svc?https_proxy=evil.example', '(DESCRIPTION=(ADDRESS=(HOST=evil)))', 'svc/x']) {
      expect(() => dialect.validateSpec({ dialect: 'oracle', host: 'h', database })).toThrow(ConnectionSpecError);
    }
    expect(() => dialect.validateSpec({ dialect: 'oracle', host: 'h', database: 'orclpdb1.example.com' })).not.toThrow();
  });

  it("lists the current schema's tables (or the given owner's) with PK columns in position order", () => {
    expect(ORACLE_LIST_TABLES_SQL).toContain('all_tables');
    expect(ORACLE_LIST_TABLES_SQL).toContain('num_rows');
    expect(ORACLE_LIST_TABLES_SQL).toContain("COALESCE(:owner, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'))");
    expect(ORACLE_PRIMARY_KEYS_SQL).toContain("constraint_type = 'P'");
    expect(ORACLE_PRIMARY_KEYS_SQL).toContain('ORDER BY c.table_name, cc.position');
  });
});
