import { ConnectionSecrets, StoredConnection } from '@dbferry/control-plane';
import { DbError, EgressDeniedError } from '@dbferry/dialects-core';
import { ConnectionOpener } from './connection-opener';

/** A stored connection at the metadata address: reaching the egress check shows the open got that far. */
const stored = (readOnly: boolean): StoredConnection => ({ id: 'c1', name: 'replica', dialect: 'postgres', host: '169.254.169.254', database: 'x', readOnly });

const opener = (row: StoredConnection) =>
  new ConnectionOpener({ load: async () => row } as unknown as ConnectionSecrets, {
    secretsKey: '',
    hostsAllow: [],
    hostsDeny: [],
    controlStore: { host: '127.0.0.1', port: 5432, database: 'dbferry' },
    sqliteRoot: '/tmp',
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
});
