import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionSpecError, DIALECT_NAMES, EgressDeniedError, EgressPolicy, type LookupFn } from '@dbferry/dialects-core';
import { ALL_DIALECTS, dialectFor, prepareConnection, sameDatabase, tableNamesIgnoreCase } from './index';

const lookups: string[] = [];
const lookup: LookupFn = async (hostname) => {
  lookups.push(hostname);
  if (hostname === 'db.example.com') return [{ address: '203.0.113.10', family: 4 }];
  if (hostname === 'metadata.example.com') return [{ address: '169.254.169.254', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};

describe('dialect registry', () => {
  let sqliteRoot: string;
  const egress = new EgressPolicy({ allow: [], deny: ['10.0.0.0/8'] }, lookup);

  beforeAll(async () => {
    sqliteRoot = await realpath(await mkdtemp(join(tmpdir(), 'dbferry-registry-')));
    await writeFile(join(sqliteRoot, 'app.db'), '');
  });
  afterAll(async () => {
    await rm(sqliteRoot, { recursive: true, force: true });
  });
  beforeEach(() => {
    lookups.length = 0;
  });

  it('has one dialect per name, each answering to its name', () => {
    expect(ALL_DIALECTS.map((d) => d.name)).toEqual([...DIALECT_NAMES]);
    for (const name of DIALECT_NAMES) expect(dialectFor(name).name).toBe(name);
  });

  it('pins a networked host to the address the policy resolved, and fills the default port', async () => {
    const spec = await prepareConnection({ dialect: 'postgres', host: 'db.example.com', database: 'd' }, { egress, sqliteRoot });
    expect(spec).toEqual({ dialect: 'postgres', host: 'db.example.com', address: '203.0.113.10', port: 5432, database: 'd' });
    expect(lookups).toEqual(['db.example.com']);
  });

  it.each([
    ['mysql', 3306],
    ['mssql', 1433],
    ['oracle', 1521],
  ] as const)('fills %s default port %d and keeps a given one', async (dialect, port) => {
    await expect(prepareConnection({ dialect, host: '203.0.113.1', database: 'd' }, { egress, sqliteRoot })).resolves.toMatchObject({ port });
    await expect(prepareConnection({ dialect, host: '203.0.113.1', port: 9999, database: 'd' }, { egress, sqliteRoot })).resolves.toMatchObject({ port: 9999 });
  });

  it('leaves the port of a named SQL Server instance to the SQL Browser', async () => {
    const spec = await prepareConnection(
      { dialect: 'mssql', host: '203.0.113.1', database: 'd', options: { instanceName: 'SQLEXPRESS' } },
      { egress, sqliteRoot },
    );
    expect(spec.port).toBeUndefined();
  });

  it('refuses what the egress policy refuses', async () => {
    await expect(
      prepareConnection({ dialect: 'mysql', host: 'metadata.example.com', database: 'd' }, { egress, sqliteRoot }),
    ).rejects.toBeInstanceOf(EgressDeniedError);
    await expect(prepareConnection({ dialect: 'mysql', host: '10.2.3.4', database: 'd' }, { egress, sqliteRoot })).rejects.toBeInstanceOf(
      EgressDeniedError,
    );
  });

  it('requires a host for networked dialects, before any lookup', async () => {
    await expect(prepareConnection({ dialect: 'postgres', database: 'd' }, { egress, sqliteRoot })).rejects.toMatchObject({ field: 'host' });
    await expect(prepareConnection({ dialect: 'postgres', host: 'bad host!', database: 'd' }, { egress, sqliteRoot })).rejects.toMatchObject({
      field: 'host',
    });
    expect(lookups).toEqual([]);
  });

  it('confines a SQLite path to the root and refuses a host', async () => {
    await expect(prepareConnection({ dialect: 'sqlite', database: 'app.db' }, { egress, sqliteRoot })).resolves.toEqual({
      dialect: 'sqlite',
      database: join(sqliteRoot, 'app.db'),
    });
    await expect(prepareConnection({ dialect: 'sqlite', database: '../x.db' }, { egress, sqliteRoot })).rejects.toBeInstanceOf(ConnectionSpecError);
    await expect(prepareConnection({ dialect: 'sqlite', host: 'h', database: 'app.db' }, { egress, sqliteRoot })).rejects.toMatchObject({
      field: 'host',
    });
  });

  it('refuses an unknown dialect name', () => {
    expect(() => dialectFor('db2' as never)).toThrow(ConnectionSpecError);
  });
});

describe('sameDatabase', () => {
  it('is the same connection, the same SQLite file, or the same server and database', () => {
    expect(sameDatabase({ id: 'c1', dialect: 'postgres', database: 'a' }, { id: 'c1', dialect: 'mysql', database: 'b' })).toBe(true);
    expect(sameDatabase({ dialect: 'sqlite', database: 'dir/../x.db' }, { dialect: 'sqlite', database: 'x.db' })).toBe(true);
    expect(sameDatabase({ dialect: 'sqlite', database: 'x.db' }, { dialect: 'sqlite', database: 'y.db' })).toBe(false);
    // localhost and 127.0.0.1 are one host; a missing port is the dialect's default.
    expect(sameDatabase({ dialect: 'postgres', host: 'LOCALHOST.', database: 'app' }, { dialect: 'postgres', host: '127.0.0.1', port: 5432, database: 'app' })).toBe(true);
    expect(sameDatabase({ dialect: 'postgres', host: 'localhost', database: 'app' }, { dialect: 'postgres', host: 'localhost', database: 'other' })).toBe(false);
    expect(sameDatabase({ dialect: 'postgres', host: 'localhost', database: 'app' }, { dialect: 'postgres', host: 'localhost', port: 5433, database: 'app' })).toBe(false);
    // A MySQL server's databases are schemas: any two on one server reach the same tables.
    expect(sameDatabase({ dialect: 'mysql', host: 'db', database: 'a' }, { dialect: 'mysql', host: 'db', port: 3306, database: 'b' })).toBe(true);
    expect(sameDatabase({ dialect: 'mysql', host: 'db', database: 'a' }, { dialect: 'mssql', host: 'db', database: 'a' })).toBe(false);
  });

  it('says whose table names compare without case', () => {
    expect(DIALECT_NAMES.filter(tableNamesIgnoreCase)).toEqual(['mysql', 'mssql', 'sqlite']);
  });
});
