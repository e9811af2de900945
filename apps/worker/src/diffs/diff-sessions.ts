import { Injectable } from '@nestjs/common';
import type { DataPlane } from '@dbferry/dialects-core';
import { SessionPool, type PooledSession } from '../runs/session-pool';

/** Pooled sessions on a diff's sides; give them back with `release`. */
export interface DiffSessions {
  reference: DataPlane;
  /** By connection id. */
  others: Record<string, DataPlane>;
  release(broken: boolean): Promise<void>;
}

/**
 * Read-only sessions on every connection a diff step needs, from the worker's session pool
 * (kept across segments). The reference has a session of its own even when an other side is
 * the same connection (two tables of one database), since both are read at once. All are taken
 * at once; if one cannot be opened, the others go back.
 */
@Injectable()
export class DiffSessionPool {
  constructor(private readonly pool: SessionPool) {}

  async acquire(referenceId: string, otherIds: string[]): Promise<DiffSessions> {
    const ids = [referenceId, ...new Set(otherIds)];
    // All at once: each checkout is a store read and a ping, paid per segment.
    const results = await Promise.allSettled(ids.map((id) => this.pool.acquire(id)));
    const taken = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await Promise.allSettled(taken.map((s) => s.release(false)));
      throw failure.reason;
    }
    const sessions = taken as PooledSession[];
    const others: Record<string, DataPlane> = {};
    ids.slice(1).forEach((id, i) => (others[id] = (sessions[i + 1] as PooledSession).connection.data));
    return { reference: (sessions[0] as PooledSession).connection.data, others, release: async (broken) => void (await Promise.allSettled(sessions.map((s) => s.release(broken)))) };
  }
}
