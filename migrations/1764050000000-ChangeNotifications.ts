import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run or a diff that changes says so on a channel of its own (`dbferry_run`, `dbferry_diff`,
 * the row's id as the payload), from the database itself: whatever writes the row (the worker's
 * repositories, a cancel through the API, the reconciler), the API's event streams
 * (GET /api/runs/:id/stream, GET /api/diffs/:id/stream) hear it at the commit instead of finding
 * it at their next poll, up to a second later. NOTIFY folds repeats of one payload within a
 * transaction, and a listener that is away misses nothing it needs: the streams still re-read
 * every second.
 */
export class ChangeNotifications1764050000000 implements MigrationInterface {
  name = 'ChangeNotifications1764050000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION dbferry_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(TG_ARGV[0], NEW.id::text);
        RETURN NULL;
      END
      $$`);
    await db.query(`CREATE TRIGGER run_changed AFTER UPDATE ON run FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION dbferry_notify_change('dbferry_run')`);
    await db.query(`CREATE TRIGGER diff_changed AFTER UPDATE ON diff FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION dbferry_notify_change('dbferry_diff')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER diff_changed ON diff`);
    await db.query(`DROP TRIGGER run_changed ON run`);
    await db.query(`DROP FUNCTION dbferry_notify_change()`);
  }
}
