import {
  type ConnectionFormValues,
  type ConnectionView,
  createBody,
  emptyForm,
  formFromConnection,
  parseOptions,
  updateBody,
  validateConnectionForm,
} from './connection-form';

const pg = (over: Partial<ConnectionFormValues> = {}): ConnectionFormValues => ({
  ...emptyForm('postgres'),
  name: 'sales',
  host: 'db.example.com',
  database: 'sales',
  username: 'dbferry',
  ...over,
});

const saved: ConnectionView = {
  id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  name: 'sales',
  dialect: 'postgres',
  host: 'db.example.com',
  port: 5432,
  database: 'sales',
  username: 'dbferry',
  hasPassword: true,
  options: { sslmode: 'require', statement_timeout: 5000 },
  readOnly: false,
  maxParallelChunks: null,
  createdAt: '2026-11-23T09:30:00.000Z',
  updatedAt: '2026-11-23T09:30:00.000Z',
};

describe('validateConnectionForm: required fields per dialect', () => {
  it('accepts a complete networked connection, the port left to the default', () => {
    expect(validateConnectionForm(pg())).toEqual({});
  });

  it.each(['postgres', 'mysql', 'mssql', 'oracle'] as const)('%s needs a name, a host and a database', (dialect) => {
    const errors = validateConnectionForm({ ...emptyForm(dialect) });
    expect(Object.keys(errors).sort()).toEqual(['database', 'host', 'name']);
  });

  it('calls an Oracle database its service name', () => {
    expect(validateConnectionForm(pg({ dialect: 'oracle', database: '' })).database).toBe('Enter the service name.');
  });

  it('SQLite needs only a name and a file path; host and port are not asked for', () => {
    expect(validateConnectionForm({ ...emptyForm('sqlite') })).toEqual({ name: 'Enter a name.', database: 'Enter the file path.' });
    expect(validateConnectionForm({ ...emptyForm('sqlite'), name: 'local', database: 'reports/a.db', port: '99999', host: 'not a host' })).toEqual({});
  });

  it('with a URL needs only the name and the URL', () => {
    expect(validateConnectionForm({ ...emptyForm('mysql'), name: 'm', mode: 'url' })).toEqual({ url: 'Enter a URL, e.g. mysql://user:password@db.example.com:3306/sales' });
    expect(validateConnectionForm({ ...emptyForm('mysql'), name: 'm', mode: 'url', url: 'mysql://root@127.0.0.1/x' })).toEqual({});
  });

  it('refuses a name over 100 characters and a host that is not one', () => {
    expect(validateConnectionForm(pg({ name: 'n'.repeat(101), host: 'db example' }))).toEqual({ name: 'At most 100 characters.', host: 'Not a host name or address.' });
  });
});

describe('validateConnectionForm: port range', () => {
  it.each(['1', '5432', '65535', ' 3306 '])('accepts %j', (port) => {
    expect(validateConnectionForm(pg({ port })).port).toBeUndefined();
  });

  it.each(['0', '65536', '70000', '-1', '54.5', '5432a', 'abc'])('refuses %j', (port) => {
    expect(validateConnectionForm(pg({ port })).port).toBe('A port is a whole number from 1 to 65535.');
  });

  it('bounds max parallel chunks to 1..256', () => {
    expect(validateConnectionForm(pg({ maxParallelChunks: '257' })).maxParallelChunks).toBeDefined();
    expect(validateConnectionForm(pg({ maxParallelChunks: '0' })).maxParallelChunks).toBeDefined();
    expect(validateConnectionForm(pg({ maxParallelChunks: '8' })).maxParallelChunks).toBeUndefined();
  });
});

describe('options', () => {
  it('reads key=value lines, skipping blanks and comments', () => {
    expect(parseOptions('sslmode = require\n\n# note\napplication_name=dbferry=1')).toEqual({ options: { sslmode: 'require', application_name: 'dbferry=1' } });
  });

  it('names the line that is wrong', () => {
    expect(parseOptions('sslmode=require\nnonsense')).toEqual({ error: 'Line 2: write key=value.' });
    expect(parseOptions('a=1\na=2')).toEqual({ error: 'Line 2: a is set twice.' });
    expect(validateConnectionForm(pg({ options: '1x=2' })).options).toMatch(/^Line 1: “1x” is not a setting name/);
  });
});

describe('write-only password on edit', () => {
  it('starts empty and keeps the stored one when left empty', () => {
    const form = formFromConnection(saved);
    expect(form.password).toBe('');
    expect(validateConnectionForm(form, saved)).toEqual({});
    expect(updateBody(form, saved)).toEqual({});
  });

  it('asks for it again when host, port or database change, as the API does', () => {
    const form = formFromConnection(saved);
    expect(validateConnectionForm({ ...form, port: '6432' }, saved).password).toBe(
      'Enter the password again: port changed, and the stored one is never sent to a new destination.',
    );
    expect(validateConnectionForm({ ...form, host: 'other', database: 'x' }, saved).password).toMatch(/^Enter the password again: host, database changed/);
    expect(validateConnectionForm({ ...form, port: '6432', password: 'new-secret' }, saved)).toEqual({});
    expect(validateConnectionForm({ ...form, port: '6432', clearPassword: true }, saved)).toEqual({});
    // An emptied port is the default, 5432, which is what is stored: nothing moved.
    expect(validateConnectionForm({ ...form, port: '' }, saved)).toEqual({});
  });

  it('sends only what changed: a new password, null to remove it', () => {
    const form = formFromConnection(saved);
    expect(updateBody({ ...form, port: '6432', password: 'new-secret' }, saved)).toEqual({ port: 6432, password: 'new-secret' });
    expect(updateBody({ ...form, clearPassword: true, password: 'ignored' }, saved)).toEqual({ password: null });
    expect(updateBody({ ...form, readOnly: true, maxParallelChunks: '4', options: 'sslmode=verify-full' }, saved)).toEqual({
      readOnly: true,
      maxParallelChunks: 4,
      options: { sslmode: 'verify-full' },
    });
  });
});

describe('createBody', () => {
  it('sends the fields the dialect takes, and no empty ones', () => {
    expect(createBody(pg({ port: '5433', password: 'pw', options: 'sslmode=require' }))).toEqual({
      name: 'sales',
      dialect: 'postgres',
      readOnly: false,
      host: 'db.example.com',
      port: 5433,
      database: 'sales',
      username: 'dbferry',
      password: 'pw',
      options: { sslmode: 'require' },
    });
    expect(createBody({ ...emptyForm('sqlite'), name: 'local', database: 'a.db', host: 'left-over', password: 'left-over' })).toEqual({
      name: 'local',
      dialect: 'sqlite',
      readOnly: false,
      database: 'a.db',
    });
    expect(createBody({ ...emptyForm('mysql'), name: 'm', mode: 'url', url: ' mysql://root@127.0.0.1/x ', host: 'ignored' })).toEqual({
      name: 'm',
      dialect: 'mysql',
      readOnly: false,
      url: 'mysql://root@127.0.0.1/x',
    });
  });
});
