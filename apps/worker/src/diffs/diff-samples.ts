import { Injectable, Logger } from '@nestjs/common';
import { DiffRepository, type DiffRowEntity, type DiffSample, type DiffTableEntity } from '@dbferry/control-plane';
import { type DiffSnapshot, type EncodedValue, REFERENCE_SIDE, rowsByKey } from '@dbferry/engine';
import { DiffSessionPool } from './diff-sessions';

/** Rows kept as samples per (connection, kind) of a table. */
export const SAMPLES_PER_KIND = 3;

/**
 * A few differing rows of each table with both sides' values, read when the diff finishes so
 * a reader of GET /api/diffs/:id sees what differs without a second call.
 */
@Injectable()
export class DiffSamples {
  private readonly logger = new Logger(DiffSamples.name);

  constructor(
    private readonly diffs: DiffRepository,
    private readonly sessions: DiffSessionPool,
  ) {}

  /** The samples of one table; empty (and said in the log) when a side cannot be read now: a sample is never worth failing the diff. */
  async of(table: DiffTableEntity, signal?: AbortSignal): Promise<DiffSample[]> {
    if (!table.snapshot) return [];
    const rows = await this.diffs.firstRows(table.id, SAMPLES_PER_KIND);
    if (!rows.length) return [];
    const snapshot = table.snapshot as DiffSnapshot;
    try {
      return await this.read(snapshot, rows, signal);
    } catch (error) {
      this.logger.warn(`samples of ${table.referenceTable} (diff ${table.diffId}) not read: ${(error as Error).message}`);
      return [];
    }
  }

  private async read(snapshot: DiffSnapshot, rows: DiffRowEntity[], signal?: AbortSignal): Promise<DiffSample[]> {
    const refId = snapshot.reference.connectionId;
    const sides = await this.sessions.acquire(refId, [...new Set(rows.map((r) => r.connectionId))]);
    let broken = true;
    try {
      const samples: DiffSample[] = [];
      for (const connectionId of [...new Set(rows.map((r) => r.connectionId))]) {
        for (const kind of ['missing', 'extra', 'different'] as const) {
          const group = rows.filter((r) => r.connectionId === connectionId && r.kind === kind);
          if (!group.length) continue;
          const keys = group.map((r) => r.key as EncodedValue[]);
          const keysFrom = kind === 'extra' ? connectionId : REFERENCE_SIDE;
          const common = { snapshot, keys, keysFrom, ...(signal && { signal }) };
          const [onReference, onOther] = await Promise.all([
            rowsByKey({ ...common, side: REFERENCE_SIDE, plane: sides.reference }),
            rowsByKey({ ...common, side: connectionId, plane: sides.others[connectionId] }),
          ]);
          group.forEach((r, i) => {
            // A reference that is also an other (two tables of one database) keeps the other's row under its id.
            const values = connectionId === refId ? { [connectionId]: onOther[i] } : { [refId]: onReference[i], [connectionId]: onOther[i] };
            samples.push({ key: r.key, kind, connectionId, columns: r.columns, values });
          });
        }
      }
      broken = false;
      return samples;
    } finally {
      await sides.release(broken);
    }
  }
}
