import { randomBytes, randomUUID } from 'node:crypto';
import type { ConfigType } from '@nestjs/config';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ConnectionEntity, ConnectionSecrets, createControlDataSource, migrateUnderLock } from '@dbferry/control-plane';
import { workerConfig } from '@dbferry/config';
import { parseKeyring, SecretBox } from '@dbferry/crypto';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { createConnection } from 'mysql2/promise';
import { ConnectionOpener } from './connection-opener';
import { SessionPool } from './session-pool';

/**
 * The worker's session pool against a real PostgreSQL server: each stored connection carries its
 * own application_name, so pg_stat_activity shows which sessions the pool holds open.
 */
describe('SessionPool', () => {
  let control: EphemeralDatabase;
  let data: EphemeralDatabase;
  let store: DataSource;
  let admin: Client;
  let secrets: ConnectionSecrets;
  let opener: ConnectionOpener;
  const pools: SessionPool[] = [];
  const server = new URL(process.env['TEST_PG_URL'] as string);

  const pool = (idleMs = 60_000) => {
    const made = new SessionPool(opener, { concurrency: 2 } as ConfigType<typeof workerConfig>, { idleMs, pingTimeoutMs: 2000 });
    pools.push(made);
    return made;
  };

  /** A stored connection to the data database, named by its application_name. */
  const connection = async (app: string, extra: Partial<ConnectionEntity> = {}): Promise<string> => {
    const id = randomUUID();
    await store.getRepository(ConnectionEntity).insert({
      id,
      name: app,
      dialect: 'postgres',
      host: server.hostname,
      port: Number(server.port || 5432),
      database: data.name,
      username: decodeURIComponent(server.username) || 'postgres',
      options: { application_name: app },
      ...extra,
    });
    return id;
  };

  /** The backends open under `app`, by pid. */
  const backends = async (app: string): Promise<number[]> =>
    (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid', [app])).rows.map((r) => r.pid);

  /** pg_stat_activity drops a closed session a moment after its client has gone. */
  const settled = async (app: string, count: number): Promise<number[]> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const pids = await backends(app);
      if (pids.length === count || Date.now() > deadline) return pids;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    control = await createPostgresDatabase('dbferry_pool_ctl');
    data = await createPostgresDatabase('dbferry_pool_data');
    store = createControlDataSource({ url: control.url, applicationName: 'pool-test' });
    await store.initialize();
    await migrateUnderLock(store);
    secrets = new ConnectionSecrets(store, new SecretBox(parseKeyring(`k1:${randomBytes(32).toString('base64')}`)));
    opener = new ConnectionOpener(secrets, {
      secretsKey: '',
      hostsAllow: ['127.0.0.0/8', '::1', 'localhost', server.hostname],
      hostsDeny: [],
      controlStore: { host: server.hostname, port: Number(server.port || 5432), database: control.name },
      sqliteRoot: '/tmp',
      connectionTestTimeoutMs: 5000,
    });
    admin = new Client({ connectionString: data.url });
    await admin.connect();
  });

  afterAll(async () => {
    for (const p of pools) await p.onApplicationShutdown();
    await admin?.end();
    await store?.destroy();
    await data?.drop();
    await control?.drop();
  });

  it('hands the same session to the next chunk: one backend, opened once', async () => {
    const app = `reuse_${randomBytes(3).toString('hex')}`;
    const id = await connection(app);
    const sessions = pool();
    const first = await sessions.acquire(id, { write: true });
    const [pid] = await backends(app);
    await first.release(false);
    const second = await sessions.acquire(id);
    expect(second.connection).toBe(first.connection);
    expect(await backends(app)).toEqual([pid]);
    await second.release(false);
    expect(sessions.stats).toMatchObject({ opened: 1, reused: 1 });
    expect(sessions.idleCount).toBe(1);
  });

  it('keeps one session per concurrent holder and at most `concurrency` idle per connection', async () => {
    const app = `many_${randomBytes(3).toString('hex')}`;
    const id = await connection(app);
    const sessions = pool();
    const held = await Promise.all([sessions.acquire(id), sessions.acquire(id), sessions.acquire(id)]);
    expect(new Set(held.map((h) => h.connection)).size).toBe(3);
    expect(await settled(app, 3)).toHaveLength(3);
    for (const h of held) await h.release(false);
    // The worker of this test has two slots: the third idle session is closed.
    expect(await settled(app, 2)).toHaveLength(2);
    expect(sessions.idleCount).toBe(2);
  });

  it('never reuses a session after the connection was edited (PATCH) or made read-only', async () => {
    const app = `patched_${randomBytes(3).toString('hex')}`;
    const id = await connection(app);
    const sessions = pool();
    const before = await sessions.acquire(id, { write: true });
    await before.release(false);
    const renamed = `${app}_v2`;
    await store.getRepository(ConnectionEntity).update({ id }, { options: { application_name: renamed } });
    const after = await sessions.acquire(id, { write: true });
    expect(after.connection).not.toBe(before.connection);
    // The new session runs under the new settings, and the stale one was closed, not kept.
    expect(await settled(renamed, 1)).toHaveLength(1);
    expect(await settled(app, 0)).toEqual([]);
    await after.release(false);

    await store.getRepository(ConnectionEntity).update({ id }, { readOnly: true });
    await expect(sessions.acquire(id, { write: true })).rejects.toMatchObject({ code: 'permission-denied' });
    // Refused as it now stands: the session kept for the old settings is closed at once.
    expect(sessions.idleCount).toBe(0);
    expect(await settled(renamed, 0)).toEqual([]);
    // A read (a source) may use it, but under the new settings: a new session, the old one closed.
    const reader = await sessions.acquire(id);
    expect(reader.connection).not.toBe(after.connection);
    expect(reader.connection.stored.readOnly).toBe(true);
    await reader.release(false);
    expect(await settled(renamed, 1)).toHaveLength(1);
    expect(sessions.stats).toMatchObject({ opened: 3, reused: 0 });
  });

  it('closes a session whose work failed instead of pooling it', async () => {
    const app = `broken_${randomBytes(3).toString('hex')}`;
    const id = await connection(app);
    const sessions = pool();
    const failed = await sessions.acquire(id);
    await failed.release(true);
    expect(await settled(app, 0)).toEqual([]);
    expect(sessions.idleCount).toBe(0);
    const next = await sessions.acquire(id);
    expect(next.connection).not.toBe(failed.connection);
    await next.release(false);
    expect(sessions.stats).toMatchObject({ opened: 2, reused: 0, discarded: 1 });
  });

  it('discards an idle session the server closed, and opens a new one that works', async () => {
    const app = `killed_${randomBytes(3).toString('hex')}`;
    const id = await connection(app);
    const sessions = pool();
    const first = await sessions.acquire(id);
    await first.release(false);
    const [pid] = await backends(app);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await settled(app, 0);
    const second = await sessions.acquire(id);
    expect(second.connection).not.toBe(first.connection);
    await expect(second.connection.session.ping()).resolves.toBeUndefined();
    expect(await backends(app)).not.toContain(pid);
    await second.release(false);
    expect(sessions.stats).toMatchObject({ opened: 2, reused: 0, discarded: 1 });
  });

  it('closes sessions idle longer than idleMs', async () => {
    const app = `idle_${randomBytes(3).toString('hex')}`;
    const id = await connection(app);
    const sessions = pool(400);
    await (await sessions.acquire(id)).release(false);
    expect(await backends(app)).toHaveLength(1);
    expect(await settled(app, 0)).toEqual([]);
    expect(sessions.idleCount).toBe(0);
    expect(sessions.stats.closedIdle).toBe(1);
  });

  it('closes every session on shutdown, a held one when it comes back, and opens none after', async () => {
    const app = `shutdown_${randomBytes(3).toString('hex')}`;
    const id = await connection(app);
    const sessions = pool();
    await (await sessions.acquire(id)).release(false);
    const held = await sessions.acquire(id);
    const other = await sessions.acquire(id);
    await other.release(false);
    expect(await settled(app, 2)).toHaveLength(2);
    await sessions.onApplicationShutdown();
    expect(await settled(app, 1)).toHaveLength(1);
    await held.release(false);
    expect(await settled(app, 0)).toEqual([]);
    await expect(sessions.acquire(id)).rejects.toThrow(/shutting down/);
  });

  it('gives the source back when the target cannot be opened for writing', async () => {
    const app = `pair_${randomBytes(3).toString('hex')}`;
    const sourceId = await connection(app);
    const targetId = await connection(`${app}_ro`, { readOnly: true });
    const sessions = pool();
    await expect(sessions.acquirePair(sourceId, targetId)).rejects.toMatchObject({ code: 'permission-denied' });
    expect(sessions.idleCount).toBe(1);
    const pair = await sessions.acquirePair(sourceId, await connection(`${app}_rw`));
    expect(sessions.stats.reused).toBe(1);
    await pair.release(false);
    expect(sessions.idleCount).toBe(2);
  });

  describe('on MariaDB', () => {
    let mysql: EphemeralDatabase;
    const mysqlServer = new URL(process.env['TEST_MYSQL_URL'] as string);
    beforeAll(async () => {
      mysql = await createMysqlDatabase('dbferry_pool_my');
    });
    afterAll(async () => {
      await mysql?.drop();
    });

    /** The server's sessions on the test database (a session's default database is the connection's). */
    const mysqlSessions = async (): Promise<number> => {
      const admin = await createConnection(mysqlServer.toString());
      try {
        const [rows] = await admin.query('SELECT COUNT(*) AS n FROM information_schema.processlist WHERE db = ?', [mysql.name]);
        return Number((rows as { n: number }[])[0]?.n);
      } finally {
        await admin.end();
      }
    };

    it('reuses a MariaDB session that still works, and closes it when its work failed', async () => {
      const id = randomUUID();
      await store.getRepository(ConnectionEntity).insert({
        id,
        name: 'mariadb',
        dialect: 'mysql',
        host: mysqlServer.hostname,
        port: Number(mysqlServer.port || 3306),
        database: mysql.name,
        username: decodeURIComponent(mysqlServer.username) || 'root',
        options: {},
      });
      const sessions = pool();
      const first = await sessions.acquire(id, { write: true });
      await first.release(false);
      const second = await sessions.acquire(id, { write: true });
      expect(second.connection).toBe(first.connection);
      await expect(second.connection.session.listTables(mysql.name)).resolves.toEqual([]);
      expect(await mysqlSessions()).toBe(1);
      await second.release(true);
      expect(await mysqlSessions()).toBe(0);
      expect(sessions.stats).toMatchObject({ opened: 1, reused: 1, discarded: 1 });
    });
  });
});
