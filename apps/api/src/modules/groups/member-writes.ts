import { Injectable } from '@nestjs/common';
import { GroupRepository, type GroupRecord, type GroupWriteRecord } from '@dbferry/control-plane';
import { dialectFor } from '@dbferry/dialects';
import { type GroupMemberSnapshot, type GroupWrite, writeGroupRows } from '@dbferry/engine';
import { ConnectionsService } from '../connections/connections.service';

/** Keys of the writes in flight that one member transaction takes at most. */
export const MEMBER_BATCH_KEYS = 100;

interface Waiter {
  digest: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface MemberQueue {
  group: GroupRecord;
  member: GroupMemberSnapshot;
  waiting: Waiter[];
  running: boolean;
}

const asWrite = (w: GroupWriteRecord): GroupWrite => (w.op === 'delete' ? { op: 'delete', key: w.key } : { op: 'upsert', key: w.key, row: w.row ?? {} });

/** The first waiters holding at most `limit` distinct keys (a second write of a taken key comes along: one apply serves both). */
function take(waiting: Waiter[], limit: number): Waiter[] {
  const keys = new Set<string>();
  let n = 0;
  while (n < waiting.length && (keys.has(waiting[n].digest) || keys.size < limit)) keys.add(waiting[n++].digest);
  return waiting.splice(0, n);
}

/**
 * The API's synchronous member writes, coalesced (issue 13, H4): the multi-writes in flight to one
 * member are written together, in one store transaction (GroupRepository.applyKeys: each key's
 * newest write, under its (group, member, key) lock, only when newer than what the member holds)
 * and one member transaction, one batch per member at a time in this process. The first write to
 * an idle member goes at once; those arriving while it is written form the next batch, so under
 * load a member sees one transaction per batch instead of one per write (a SQLite member, one
 * writer at a time, no longer queues its writers on its busy timeout, and the store's pool is no
 * longer held by one transaction per member per write).
 *
 * Each write is answered when the batch holding it committed: the member holds its key's newest
 * write (this write, or a newer one that supersedes it). A batch the member refuses for a reason a
 * retry cannot cure (one bad row) is written again one key at a time, so each write gets its own
 * answer; an outage or an injected fault fails every write of the batch with that error.
 */
@Injectable()
export class MemberWrites {
  private readonly queues = new Map<string, MemberQueue>();

  constructor(
    private readonly groups: GroupRepository,
    private readonly connections: ConnectionsService,
  ) {}

  /** Resolves once `member` holds the newest write of the key `digest` (or rejects with the member's error). */
  write(group: GroupRecord, member: GroupMemberSnapshot, digest: string): Promise<void> {
    const id = `${group.id}:${member.connectionId}`;
    let queue = this.queues.get(id);
    if (!queue) {
      queue = { group, member, waiting: [], running: false };
      this.queues.set(id, queue);
    }
    const answer = new Promise<void>((resolve, reject) => queue.waiting.push({ digest, resolve, reject }));
    if (!queue.running) void this.drain(id, queue);
    return answer;
  }

  private async drain(id: string, queue: MemberQueue): Promise<void> {
    queue.running = true;
    try {
      while (queue.waiting.length) {
        const batch = take(queue.waiting, MEMBER_BATCH_KEYS);
        try {
          await this.apply(queue, batch.map((w) => w.digest));
          for (const w of batch) w.resolve();
        } catch (error) {
          const distinct = new Set(batch.map((w) => w.digest)).size;
          if (distinct === 1 || dialectFor(queue.member.dialect).classifyError(error).transient) {
            for (const w of batch) w.reject(error);
            continue;
          }
          for (const w of batch) {
            try {
              await this.apply(queue, [w.digest]);
              w.resolve();
            } catch (alone) {
              w.reject(alone);
            }
          }
        }
      }
    } finally {
      queue.running = false;
      if (!queue.waiting.length) this.queues.delete(id);
      else void this.drain(id, queue);
    }
  }

  private async apply(queue: MemberQueue, digests: string[]): Promise<void> {
    const { group, member } = queue;
    const names = group.columns.map((c) => c.name);
    await this.connections.withPooledConnection(member.connectionId, async (session) => {
      if (!session.data) throw new Error(`${member.dialect} rows cannot be written yet`);
      const data = session.data;
      await this.groups.applyKeys(group.id, member.connectionId, digests, {}, (writes) => writeGroupRows(data, member, names, group.keyColumns.length, writes.map(asWrite)));
    });
  }
}
