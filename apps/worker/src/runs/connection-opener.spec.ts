import { existsSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionSecrets, StoredConnection } from '@dbferry/control-plane';
import { DbError, EgressDeniedError } from '@dbferry/dialects-core';
import { ConnectionOpener } from './connection-opener';

/** A stored connection at the metadata address: reaching the egress check shows the open got that far. */
const stored = (readOnly: boolean): StoredConnection => ({ id: 'c1', name: 'replica', dialect: 'postgres', host: '169.254.169.254', database: 'x', readOnly });

const opener = (row: StoredConnection, sqliteRoot = '/tmp') =>
  new ConnectionOpener({ load: async () => row } as unknown as ConnectionSecrets, {
    secretsKey: '',
    hostsAllow: [],
    hostsDeny: [],
    controlStore: { host: '127.0.0.1', port: 5432, database: 'dbferry' },
    sqliteRoot,
    connectionTestTimeoutMs: 1000,
  });

describe('ConnectionOpener', () => {
  it('refuses to open a read-only connection for writing, naming it, before any egress check or connect', async () => {
    const error = await opener(stored(true)).open('c1', { write: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbError);
    expect(error).toMatchObject({ code: 'permission-denied', transient: false });
    expect((error as Error).message).toContain('connection "replica" is read-only');
  });

  it('opens a read-only connection for reading (here as far as the egress check)', async () => {
    await expect(opener(stored(true)).open('c1')).rejects.toBeInstanceOf(EgressDeniedError);
  });

  it('opens a writable connection for writing (here as far as the egress check)', async () => {
    await expect(opener(stored(false)).open('c1', { write: true })).rejects.toBeInstanceOf(EgressDeniedError);
  });

  describe('a SQLite target file that does not exist yet', () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'dbferry-opener-')));
    const lite: StoredConnection = { id: 'c2', name: 'new file', dialect: 'sqlite', database: 'runs/new.db', readOnly: false };
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('is not created by a plain open (unknown database)', async () => {
      await expect(opener(lite, root).open('c2', { write: true })).rejects.toMatchObject({ code: 'unknown-database' });
      expect(existsSync(join(root, 'runs'))).toBe(false);
    });

    it('is created under SQLITE_ROOT with mode 0600 when the run may create tables', async () => {
      const opened = await opener(lite, root).open('c2', { write: true, create: true });
      await opened.session.close();
      expect(statSync(join(root, 'runs', 'new.db')).mode & 0o777).toBe(0o600);
    });
  });
});
