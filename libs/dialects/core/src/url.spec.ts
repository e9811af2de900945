import { ConnectionSpecError } from './errors';
import { parseConnectionUrl } from './url';

function specError(run: () => unknown): ConnectionSpecError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectionSpecError);
    return error as ConnectionSpecError;
  }
  throw new Error('expected a ConnectionSpecError');
}

describe('parseConnectionUrl', () => {
  it('reads every part of a postgres URL, decoding user and password', () => {
    expect(
      parseConnectionUrl('postgres', 'postgresql://app%40corp:p%40ss%3Aw%2Frd@db.example.com:6543/sales?sslmode=require&application_name=x'),
    ).toEqual({
      host: 'db.example.com',
      port: 6543,
      database: 'sales',
      username: 'app@corp',
      password: 'p@ss:w/rd',
      options: { sslmode: 'require', application_name: 'x' },
    });
  });

  it('keeps option values as strings except true/false', () => {
    expect(parseConnectionUrl('mssql', 'sqlserver://sa@10.0.0.1/master?encrypt=false&trustServerCertificate=true&packetSize=4096').options).toEqual({
      encrypt: false,
      trustServerCertificate: true,
      packetSize: '4096',
    });
  });

  it.each([
    ['postgres', 'postgres://h/db'],
    ['mysql', 'mysql://h/db'],
    ['mysql', 'mariadb://h/db'],
    ['mssql', 'mssql://h/db'],
    ['mssql', 'sqlserver://h/db'],
    ['oracle', 'oracle://h/db'],
  ] as const)('accepts %s for %s', (dialect, url) => {
    expect(parseConnectionUrl(dialect, url)).toEqual({ host: 'h', database: 'db' });
  });

  it('reads an oracle service name and an IPv6 host', () => {
    expect(parseConnectionUrl('oracle', 'oracle://scott:tiger@[2001:db8::5]:1522/FREEPDB1')).toEqual({
      host: '2001:db8::5',
      port: 1522,
      database: 'FREEPDB1',
      username: 'scott',
      password: 'tiger',
    });
  });

  it('keeps port 80, which URL parsing of http would drop', () => {
    expect(parseConnectionUrl('postgres', 'postgres://h:80/db').port).toBe(80);
  });

  it('reads sqlite relative and absolute paths', () => {
    expect(parseConnectionUrl('sqlite', 'sqlite:data/app.db')).toEqual({ database: 'data/app.db' });
    expect(parseConnectionUrl('sqlite', 'sqlite:///var/lib/app%20data.db?create=true')).toEqual({
      database: '/var/lib/app data.db',
      options: { create: true },
    });
  });

  it.each([
    ['postgres', 'mysql://h/db'],
    ['mysql', 'postgres://h/db'],
    ['sqlite', 'postgres://h/db'],
    ['oracle', 'sqlite:x.db'],
  ] as const)('refuses a scheme that does not match %s (%s)', (dialect, url) => {
    const error = specError(() => parseConnectionUrl(dialect, url));
    expect(error.field).toBe('url');
    expect(error.code).toBe('invalid-spec');
  });

  it.each(['postgres://h', 'postgres://h/', 'postgres://u:p@h:5432'])('refuses %s without a database', (url) => {
    expect(specError(() => parseConnectionUrl('postgres', url)).field).toBe('database');
  });

  it.each(['postgres://h:0/db', 'postgres://h:65536/db', 'postgres://h:abc/db', 'postgres://u:secret@h:-1/db'])(
    'refuses a bad port in %s',
    (url) => {
      expect(specError(() => parseConnectionUrl('postgres', url)).field).toBe('port');
    },
  );

  it('refuses a sqlite URL with a host', () => {
    expect(specError(() => parseConnectionUrl('sqlite', 'sqlite://host/x.db')).field).toBe('url');
  });

  it('never repeats the password in its error', () => {
    const error = specError(() => parseConnectionUrl('postgres', 'mysql://u:Sup3rS3cret@h/db'));
    expect(error.message).not.toContain('Sup3rS3cret');
    const portError = specError(() => parseConnectionUrl('postgres', 'postgres://u:Sup3rS3cret@h:99999/db'));
    expect(portError.message).not.toContain('Sup3rS3cret');
  });

  it('refuses malformed percent-encoding in the password', () => {
    expect(specError(() => parseConnectionUrl('postgres', 'postgres://u:%E0%A4%A@h/db')).field).toBe('password');
  });
});
