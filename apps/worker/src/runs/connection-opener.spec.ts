import { existsSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionSecrets, StoredConnection } from '@dbferry/control-plane';
import { DbError, EgressDeniedError, type FaultOperation, InjectedFaultError, isTerminal } from '@dbferry/dialects-core';
import type { FaultRegistry } from '@dbferry/queue';
import { ConnectionOpener } from './connection-opener';

/** A stored connection at the metadata address: reaching the egress check shows the open got that far. */
const stored = (readOnly: boolean): StoredConnection => ({ id: 'c1', name: 'replica', dialect: 'postgres', host: '169.254.169.254', database: 'x', readOnly });

const opener = (row: StoredConnection, sqliteRoot = '/tmp', faults?: FaultRegistry) =>
  new ConnectionOpener(
    { load: async () => row } as unknown as ConnectionSecrets,
    {
      secretsKey: '',
      hostsAllow: [],
      hostsDeny: [],
      controlStore: { host: '127.0.0.1', port: 5432, database: 'dbferry' },
      sqliteRoot,
      connectionTestTimeoutMs: 1000,
    },
    faults,
  );

/** The registry's two members the opener uses: faults on `failing` operations of connection c3, every look-up recorded. */
const faultsOn = (enabled: boolean, failing: FaultOperation[], asked: string[]) =>
  ({
    enabled,
    hit: async (connectionId: string, operation: FaultOperation) => {
      asked.push(`${connectionId}:${operation}`);
      return connectionId === 'c3' && failing.includes(operation) ? `fault-${operation}` : null;
    },
  }) as Pick<FaultRegistry, 'enabled' | 'hit'> as FaultRegistry;

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

  describe('with injected faults', () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'dbferry-opener-faults-')));
    const lite: StoredConnection = { id: 'c3', name: 'faulted', dialect: 'sqlite', database: 'f.db', readOnly: false };
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('fails the open under a connect fault, as a transient error naming it, before the database is touched', async () => {
      const asked: string[] = [];
      const error = await opener(lite, root, faultsOn(true, ['connect'], asked)).open('c3', { write: true, create: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InjectedFaultError);
      expect(isTerminal(error)).toBe(false);
      expect((error as Error).message).toContain('injected fault fault-connect');
      expect(existsSync(join(root, 'f.db'))).toBe(false);
    });

    it('fails the writes of an opened session under a write fault while its reads go on', async () => {
      const asked: string[] = [];
      const opened = await opener(lite, root, faultsOn(true, ['write'], asked)).open('c3', { write: true, create: true });
      try {
        await expect(opened.data.execute(['CREATE TABLE t (id integer PRIMARY KEY)'])).rejects.toThrow('injected fault fault-write');
        expect(await opened.data.introspector.describeTable({ schema: 'main', name: 't' })).toBeNull();
        expect(asked).toEqual(['c3:connect', 'c3:write', 'c3:read']);
      } finally {
        await opened.session.close();
      }
    });

    it('installs nothing when fault injection is off: no look-up, the work goes through', async () => {
      const asked: string[] = [];
      const opened = await opener(lite, root, faultsOn(false, ['connect', 'read', 'write'], asked)).open('c3', { write: true, create: true });
      try {
        await opened.data.execute(['CREATE TABLE t2 (id integer PRIMARY KEY)']);
        expect(await opened.data.introspector.describeTable({ schema: 'main', name: 't2' })).not.toBeNull();
        expect(asked).toEqual([]);
      } finally {
        await opened.session.close();
      }
    });
  });
});
