import { Injectable } from '@nestjs/common';
import { GroupRepository } from '@dbferry/control-plane';
import type { DialectName } from '@dbferry/dialects-core';
import { type GroupMemberSnapshot, writeGroupRow } from '@dbferry/engine';
import { asError, JobContext, JobHandler, JobHandlerOf } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';
import { GroupAlerts } from '../groups/group-alerts';
import { SessionPool } from '../runs/session-pool';

/**
 * Applies what a member owes for one key: the key's newest write (coalescing every open task of
 * that key and member), under the store's (group, member, key) lock and only when the member
 * holds an older version, so a superseded task is skipped and a late one never overwrites a
 * newer write. A failed attempt keeps its error and goes back to pending for the queue's
 * backoff; the last one fails the task for good and mails it. A worker killed mid-apply leaves
 * the store untouched (its transaction dies with it): the stalled job runs again and writes the
 * same row, an idempotent upsert or delete by key.
 */
@Injectable()
@JobHandler(JobName.ApplySyncTask)
export class ApplySyncTaskHandler implements JobHandlerOf<JobName.ApplySyncTask> {
  constructor(
    private readonly groups: GroupRepository,
    private readonly pool: SessionPool,
    private readonly alerts: GroupAlerts,
  ) {}

  async handle(job: JobContext<JobName.ApplySyncTask>): Promise<{ status: string; appliedVersion?: string; wrote?: boolean }> {
    const task = await this.groups.start(job.data.taskId);
    if (!task) return { status: 'settled already' };
    const group = await this.groups.group(task.groupId);
    const record = group?.members.find((m) => m.connectionId === task.connectionId);
    if (!group || !record) return { status: 'group or member gone' };
    try {
      const session = await this.pool.acquire(task.connectionId, { write: true });
      let broken = true;
      try {
        const member: GroupMemberSnapshot = {
          connectionId: record.connectionId,
          dialect: session.connection.stored.dialect as DialectName,
          table: record.table,
          columns: record.columns as GroupMemberSnapshot['columns'],
        };
        const names = group.columns.map((c) => c.name);
        const outcome = await this.groups.applyNewest(task.groupId, task.connectionId, task.keyDigest, (newest) =>
          writeGroupRow(session.connection.data, member, names, group.keyColumns.length, newest.op === 'delete' ? { op: 'delete', key: newest.key } : { op: 'upsert', key: newest.key, row: newest.row ?? {} }, job.signal),
        );
        broken = false;
        const status = outcome.done.includes(task.id) ? 'done' : outcome.skipped.includes(task.id) ? 'skipped' : 'settled already';
        return { status, appliedVersion: outcome.appliedVersion, wrote: outcome.wrote };
      } finally {
        await session.release(broken);
      }
    } catch (error) {
      const final = job.endsJob(error);
      const message = asError(error).message;
      if ((await this.groups.attemptFailed(task.id, message, final)) && final) await this.alerts.taskFailed(group, task, message);
      throw error;
    }
  }
}
