import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import { GroupRepository, type GroupWriteRecord } from '@dbferry/control-plane';
import { dialectFor } from '@dbferry/dialects';
import type { DialectName } from '@dbferry/dialects-core';
import { type GroupMemberSnapshot, type GroupWrite, writeGroupRows } from '@dbferry/engine';
import { asError, JobContext, JobHandler, JobHandlerOf } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';
import { GroupAlerts } from '../groups/group-alerts';
import { SessionPool } from '../runs/session-pool';

const asWrite = (w: GroupWriteRecord): GroupWrite => (w.op === 'delete' ? { op: 'delete', key: w.key } : { op: 'upsert', key: w.key, row: w.row ?? {} });

/**
 * Applies what a member owes, in batches (GroupRepository.applyKeys): the job's task's key and
 * more keys of the member's oldest pending tasks, GROUPS_BATCH_KEYS in all (200), each key's
 * newest write only (coalescing every open task of that key and member), under the store's (group, member, key) locks and
 * only when the member holds an older version, so a superseded task is skipped and a late one
 * never overwrites a newer write. One batch per member at a time across the fleet (a SQLite
 * member has one writer). The jobs of tasks a batch settled find them settled and end at once.
 *
 * A batch the member refuses for a reason a retry cannot cure (one bad row) is tried again with
 * the job's own key alone, so the other tasks are not held back by it; an outage fails the job's
 * attempt (the tasks taken with it stay pending, untouched). A failed attempt keeps its error
 * and goes back to pending for the queue's backoff; the last one fails the task for good and
 * mails it. A worker killed mid-batch leaves the store untouched (its transaction dies with it):
 * the stalled job runs again and writes the same rows, an idempotent upsert or delete by key.
 */
@Injectable()
@JobHandler(JobName.ApplySyncTask)
export class ApplySyncTaskHandler implements JobHandlerOf<JobName.ApplySyncTask> {
  constructor(
    private readonly groups: GroupRepository,
    private readonly pool: SessionPool,
    private readonly alerts: GroupAlerts,
    @Inject(workerConfig.KEY) private readonly config: ConfigType<typeof workerConfig>,
  ) {}

  async handle(job: JobContext<JobName.ApplySyncTask>): Promise<{ status: string; appliedVersion?: string; keys?: number; written?: number }> {
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
        const apply = (more: number) =>
          this.groups.applyKeys(task.groupId, task.connectionId, [task.keyDigest], { claim: { limit: more, autoExecute: group.autoExecute }, serialize: true, waitForTasks: true }, (writes) =>
            writeGroupRows(session.connection.data, member, names, group.keyColumns.length, writes.map(asWrite), job.signal),
          );
        let outcome: Awaited<ReturnType<typeof apply>>;
        try {
          outcome = await apply(this.config.groupsBatchKeys - 1);
        } catch (error) {
          // An outage (or a shutdown) is the member's, not a row's: this attempt fails as it is.
          if (job.signal.aborted || dialectFor(member.dialect).classifyError(error).transient) throw error;
          outcome = await apply(0);
        }
        broken = false;
        const status = outcome.done.includes(task.id) ? 'done' : outcome.skipped.includes(task.id) ? 'skipped' : 'settled already';
        return { status, appliedVersion: outcome.held[task.keyDigest], keys: outcome.keys, written: outcome.written.length };
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
