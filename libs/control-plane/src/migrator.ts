import { DataSource } from 'typeorm';

/** Arbitrary but fixed: every dbferry process that migrates takes this one advisory lock. */
export const MIGRATION_LOCK_KEY = 0x64626672; // "dbfr"

export interface MigrationOutcome {
  applied: string[];
  waitedMs: number;
}

/**
 * Runs pending migrations while holding a session-level advisory lock on a connection of
 * the DataSource's pool kept aside for it, so APIs that start together migrate once: the
 * second waits, then finds nothing to do. Each migration runs in its own transaction, on
 * another pooled connection.
 */
export async function migrateUnderLock(dataSource: DataSource): Promise<MigrationOutcome> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  const started = Date.now();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const waitedMs = Date.now() - started;
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return { applied: applied.map((m) => m.name), waitedMs };
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
  }
}

/**
 * True when the store has every migration this build knows; the worker checks this at boot.
 * Read-only: TypeORM's showMigrations() would create the migrations table, and a process
 * that does not migrate must leave an empty store empty.
 */
export async function isSchemaCurrent(dataSource: DataSource): Promise<boolean> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const [{ present }] = await dataSource.query<{ present: boolean }[]>('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
  if (!present) return false;
  const rows = await dataSource.query<{ name: string }[]>(`SELECT name FROM ${dataSource.driver.escape(table)}`);
  const applied = new Set(rows.map((r) => r.name));
  return dataSource.migrations.every((m) => applied.has(m.name ?? m.constructor.name));
}
