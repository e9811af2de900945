import { createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { DataSource } from 'typeorm';
import { createControlDataSource } from '../data-source';
import { migrateUnderLock } from '../migrator';
import { AdminBootstrap } from './admin-bootstrap';
import { AuditLogRepository } from './audit-log.repository';
import { ControlStoreProbe } from './control-store-probe';

describe('the control store behind its named classes', () => {
  let db: EphemeralDatabase;
  let source: DataSource;

  beforeAll(async () => {
    db = await createPostgresDatabase('dbferry_store');
    source = createControlDataSource({ url: db.url, applicationName: 'store-test' });
    await source.initialize();
    await migrateUnderLock(source);
  });
  afterAll(async () => {
    if (source.isInitialized) await source.destroy();
    await db.drop();
  });

  it('AdminBootstrap creates one admin however many starts race, and hashes nothing once a user exists', async () => {
    const bootstrap = new AdminBootstrap(source);
    let hashed = 0;
    const admin = { username: 'admin', passwordHash: async () => `hash-${++hashed}` };
    const created = await Promise.all([bootstrap.createIfNoUsers(admin), bootstrap.createIfNoUsers(admin), bootstrap.createIfNoUsers(admin)]);
    expect(created.filter(Boolean)).toHaveLength(1);
    const users: { username: string; role: string; must_change_password: boolean; password_hash: string }[] = await source.query(
      'SELECT username, role, must_change_password, password_hash FROM app_user',
    );
    expect(users).toEqual([{ username: 'admin', role: 'admin', must_change_password: true, password_hash: 'hash-1' }]);
    expect(await bootstrap.createIfNoUsers(admin)).toBe(false);
    expect(hashed).toBe(1);
  });

  it('AuditLogRepository.prune deletes rows past retention batch by batch, keeps the rest, and stops when aborted', async () => {
    const audit = new AuditLogRepository(source);
    await source.query(`INSERT INTO audit_log (at, action) SELECT now() - interval '400 days', 'old' FROM generate_series(1, 7)`);
    await source.query(`INSERT INTO audit_log (at, action) VALUES (now() - interval '10 days', 'recent')`);
    const count = async (action: string) => (await source.query('SELECT count(*)::int AS n FROM audit_log WHERE action = $1', [action]))[0].n;

    const aborted = new AbortController();
    aborted.abort();
    expect(await audit.prune(180, { batchSize: 3, signal: aborted.signal })).toBe(0);
    expect(await count('old')).toBe(7);

    expect(await audit.prune(180, { batchSize: 3 })).toBe(7);
    expect(await count('old')).toBe(0);
    expect(await count('recent')).toBe(1);
    expect(await audit.prune(5)).toBe(1);
  });

  it('ControlStoreProbe.ping resolves while the store answers and rejects once it does not', async () => {
    const probe = new ControlStoreProbe(source);
    await expect(probe.ping()).resolves.toBeUndefined();
    const closed = createControlDataSource({ url: db.url, applicationName: 'store-test-closed' });
    await expect(new ControlStoreProbe(closed).ping()).rejects.toThrow();
  });
});
