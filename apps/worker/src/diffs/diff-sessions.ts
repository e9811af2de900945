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
 * the same connection (two tables of one database), since both are read at once. If one
 * cannot be opened, those already taken go back at once.
 */
@Injectable()
export class DiffSessionPool {
  constructor(private readonly pool: SessionPool) {}

  async acquire(referenceId: string, otherIds: string[]): Promise<DiffSessions> {
    const taken: PooledSession[] = [];
    const take = async (id: string) => {
      const session = await this.pool.acquire(id);
      taken.push(session);
      return session.connection.data;
    };
    try {
      const reference = await take(referenceId);
      const others: Record<string, DataPlane> = {};
      for (const id of [...new Set(otherIds)]) others[id] = await take(id);
      return { reference, others, release: async (broken) => void (await Promise.allSettled(taken.map((s) => s.release(broken)))) };
    } catch (error) {
      await Promise.allSettled(taken.map((s) => s.release(false)));
      throw error;
    }
  }
}
