import { Injectable } from '@nestjs/common';
import type { DataPlane, DialectName } from '@dbferry/dialects-core';
import { type PooledSession, SessionPool } from '../runs/session-pool';

export interface RepairPlanes {
  /** By connection id. */
  planes: Record<string, DataPlane>;
  dialects: Record<string, DialectName>;
  /** Each connection's default schema as stored. */
  stored: Record<string, PooledSession['connection']['stored']>;
  release(broken: boolean): Promise<void>;
}

/** Pooled sessions on every connection a repair step reads or writes; those taken go back at once if one cannot be opened. */
@Injectable()
export class RepairSessionPool {
  constructor(private readonly pool: SessionPool) {}

  async acquire(ids: string[], writeTo: string[] = []): Promise<RepairPlanes> {
    const taken: PooledSession[] = [];
    try {
      const out: RepairPlanes = { planes: {}, dialects: {}, stored: {}, release: async (broken) => void (await Promise.allSettled(taken.map((s) => s.release(broken)))) };
      for (const id of [...new Set(ids)]) {
        const session = await this.pool.acquire(id, { write: writeTo.includes(id) });
        taken.push(session);
        out.planes[id] = session.connection.data;
        out.dialects[id] = session.connection.stored.dialect;
        out.stored[id] = session.connection.stored;
      }
      return out;
    } catch (error) {
      await Promise.allSettled(taken.map((s) => s.release(false)));
      throw error;
    }
  }
}
