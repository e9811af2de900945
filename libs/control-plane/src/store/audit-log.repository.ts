import type { DataSource } from 'typeorm';

export interface PruneOptions {
  /** Rows deleted per statement, so a large backlog never holds a long lock. */
  batchSize?: number;
  /** Checked between batches: an aborted prune stops after the batch in flight. */
  signal?: AbortSignal;
}

/** Retention of the audit log. */
export class AuditLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Deletes audit rows older than `olderThanDays`, batch by batch; returns how many went. */
  async prune(olderThanDays: number, options: PruneOptions = {}): Promise<number> {
    const batch = options.batchSize ?? 5000;
    let deleted = 0;
    while (!options.signal?.aborted) {
      const [, count] = (await this.dataSource.query(
        `DELETE FROM audit_log WHERE id IN (
           SELECT id FROM audit_log WHERE at < now() - make_interval(days => $1) LIMIT $2)`,
        [olderThanDays, batch],
      )) as [unknown, number];
      deleted += count;
      if (count < batch) break;
    }
    return deleted;
  }
}
