import { Injectable } from '@nestjs/common';
import type { FinishedDiffTable, NewDiff, RunTableEntity, StoredDiffRow, TableDrift } from '@dbferry/control-plane';
import { isTerminal } from '@dbferry/dialects-core';
import { readSnapshot, type TableSnapshot, verifyTable } from '@dbferry/engine';
import { asError } from '@dbferry/queue';
import { WorkerMetrics } from '../ops/worker-metrics';
import { ConnectionOpener, type OpenConnection } from './connection-opener';

/** One verified (or unverifiable) table of a run. */
export interface TableVerifyOutcome {
  table: RunTableEntity;
  drift: TableDrift | null;
  rowsCompared: number;
  verifyError: string | null;
  /** The table as a finished diff's table (every differing key), for the run's diff record. */
  diff: FinishedDiffTable;
}

export interface RunVerifyOutcome {
  tables: TableVerifyOutcome[];
  /** Why some table could not be verified (null when every table was). */
  verifyError: string | null;
  /** The verify as a finished diff (trigger 'run'); absent when the snapshot names no connections. */
  diff?: { diff: NewDiff; tables: FinishedDiffTable[] };
}

const qualified = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

/** A verified table as a diff table: the source is the reference, the target the one other connection. */
function diffTableOf(snapshot: TableSnapshot, targetId: string): Pick<FinishedDiffTable, 'referenceTable' | 'otherTables'> {
  return { referenceTable: qualified(snapshot.source.table), otherTables: { [targetId]: qualified(snapshot.target.table) } };
}

/** The tables a run verifies: those whose snapshot froze the job's verify option on. */
export function tablesToVerify(tables: RunTableEntity[]): { table: RunTableEntity; snapshot: TableSnapshot }[] {
  return tables.filter((t) => t.snapshot).map((table) => ({ table, snapshot: readSnapshot(table.snapshot) })).filter((t) => t.snapshot.diffAfterCopy);
}

/**
 * Verified sync (issue 12, item 4): diffs each table a run wrote (engine verifyTable, from the
 * run's snapshot) on the connections it was planned on. Read only, so a finish-run retried after
 * a crash simply diffs again. A table that cannot be diffed (no key, a terminal database error)
 * gets its reason; a transient error is thrown for the caller to retry or record.
 */
@Injectable()
export class RunVerifier {
  constructor(
    private readonly opener: ConnectionOpener,
    private readonly metrics: WorkerMetrics,
  ) {}

  async verify(tables: { table: RunTableEntity; snapshot: TableSnapshot }[], signal?: AbortSignal): Promise<RunVerifyOutcome> {
    const outcomes: TableVerifyOutcome[] = [];
    const open = new Map<string, OpenConnection>();
    const connect = async (id: string) => {
      const known = open.get(id);
      if (known) return known;
      const made = await this.opener.open(id);
      open.set(id, made);
      return made;
    };
    try {
      for (const { table, snapshot } of tables) {
        signal?.throwIfAborted();
        const { connectionId: sourceId } = snapshot.source;
        const { connectionId: targetId } = snapshot.target;
        if (!sourceId || !targetId) {
          const verifyError = "the run's snapshot names no connections";
          outcomes.push({ table, drift: null, rowsCompared: 0, verifyError, diff: { ...diffTableOf(snapshot, 'target'), rowsCompared: 0, rows: [], status: 'failed', error: verifyError } });
          continue;
        }
        const started = Date.now();
        try {
          const source = await connect(sourceId);
          const target = await connect(targetId);
          const found = await verifyTable(snapshot, { source: source.data, target: target.data, ...(signal && { signal }) }, { keepKeys: true });
          const drift: TableDrift = { missing: found.missing, extra: found.extra, different: found.different, total: found.total, samples: found.samples };
          const keys = found.keys ?? { missing: [], extra: [], different: [] };
          const rows: StoredDiffRow[] = [
            ...keys.missing.map((key): StoredDiffRow => ({ connectionId: targetId, kind: 'missing', key })),
            ...keys.extra.map((key): StoredDiffRow => ({ connectionId: targetId, kind: 'extra', key })),
            ...keys.different.map((d): StoredDiffRow => ({ connectionId: targetId, kind: 'different', key: d.key, columns: d.columns })),
          ];
          const diff: FinishedDiffTable = { ...diffTableOf(snapshot, targetId), snapshot: found.diff, rowsCompared: found.rowsCompared, notes: found.notes, rows };
          outcomes.push({ table, drift, rowsCompared: found.rowsCompared, verifyError: null, diff });
          this.metrics.verifySeconds.observe({ outcome: found.total ? 'drift' : 'clean' }, (Date.now() - started) / 1000);
          for (const kind of ['missing', 'extra', 'different'] as const) if (found[kind]) this.metrics.verifyDrift.inc({ kind }, found[kind]);
        } catch (error) {
          // Terminal: the diff refusing the table (DiffPlanError: a key or column the target lacks; VerifyError: no key), a database refusing for good.
          // A blip (or a worker shutting down) is the caller's to retry; what can never pass is this table's reason.
          this.metrics.verifySeconds.observe({ outcome: 'error' }, (Date.now() - started) / 1000);
          if (!isTerminal(error)) throw error;
          const verifyError = asError(error).message;
          outcomes.push({ table, drift: null, rowsCompared: 0, verifyError, diff: { ...diffTableOf(snapshot, targetId), rowsCompared: 0, rows: [], status: 'failed', error: verifyError } });
        }
      }
    } finally {
      await Promise.allSettled([...open.values()].map((c) => c.session.close()));
    }
    const failed = outcomes.filter((o) => o.verifyError);
    const verifyError = failed.length ? failed.map((o) => `${o.table.sourceTable}: ${o.verifyError}`).join('; ') : null;
    return { tables: outcomes, verifyError, ...this.diffRecord(tables, outcomes) };
  }

  /** The verify as a finished diff: the run's source against its target, one table per table verified. */
  private diffRecord(tables: { snapshot: TableSnapshot }[], outcomes: TableVerifyOutcome[]): Pick<RunVerifyOutcome, 'diff'> {
    const { connectionId: referenceId } = tables[0]?.snapshot.source ?? {};
    const { connectionId: targetId } = tables[0]?.snapshot.target ?? {};
    if (!referenceId || !targetId) return {};
    const request = tables.map(({ snapshot }) => ({
      reference: qualified(snapshot.source.table),
      others: { [targetId]: qualified(snapshot.target.table) },
      keyColumns: snapshot.keyColumns,
      columns: snapshot.columns.map((c) => c.name),
    }));
    return { diff: { diff: { referenceId, otherIds: [targetId], request, createdBy: null, trigger: 'run' }, tables: outcomes.map((o) => o.diff) } };
  }
}
