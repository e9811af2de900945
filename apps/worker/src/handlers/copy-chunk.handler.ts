import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import { FrozenSalt, JobSalts, RunEntity } from '@dbferry/control-plane';
import { copyChunk, decodeKey, EncodedValue, readSnapshot, RejectLimitError, SnapshotError } from '@dbferry/engine';
import { asError, ConnectionSlots, JobContext, JobHandler, JobHandlerOf } from '@dbferry/queue';
import { JobName } from '@dbferry/queue-contracts';
import { WorkerMetrics } from '../ops/worker-metrics';
import { RunStore } from '../runs/run-store';
import { SessionPool } from '../runs/session-pool';

/** A chunk that found its databases busy waits about this long (plus jitter) before trying again. */
const SLOT_RETRY_MS = 1000;

/**
 * A chunk waiting for its table's own cap (Dialect.tableLoadWriters) polls for it this often, for
 * at most this long, holding nothing: a sibling chunk ending frees it, usually within seconds, and a
 * trip through the queue's delayed set would leave the slot idle meanwhile. Longer: postponed.
 */
const TABLE_SLOT_POLL_MS = 25;
const TABLE_SLOT_WAIT_MS = 5000;

/** A chunk's lease outlives BullMQ's lock renewal by a margin; a stalled holder loses it. */
const LEASE_MS = 10 * 60_000;

/** Runs whose connection ids this worker remembers (a run's snapshot never changes, so neither do they). */
const RUN_ENDS_REMEMBERED = 64;

interface RunEnds {
  sourceId: string;
  targetId: string;
  /** Run tables whose snapshot caps the chunks loading them at once: the cap, and the fleet-wide slot it is counted in. */
  tableCaps: Map<string, { slot: string; limit: number }>;
}

/**
 * Lease → engine → complete: takes the chunk's lease, has the engine copy its key range from
 * the run's stored snapshot (copyChunk), then checkpoints it under the lease.
 */
@Injectable()
@JobHandler(JobName.CopyChunk)
export class CopyChunkHandler implements JobHandlerOf<JobName.CopyChunk> {
  constructor(
    private readonly store: RunStore,
    private readonly sessions: SessionPool,
    private readonly metrics: WorkerMetrics,
    private readonly slots: ConnectionSlots,
    private readonly salts: JobSalts,
    @Inject(workerConfig.KEY) private readonly config: ConfigType<typeof workerConfig>,
  ) {}

  private readonly runEnds = new Map<string, RunEnds>();

  async handle(job: JobContext<JobName.CopyChunk>): Promise<{ rows: number } | { skipped: string }> {
    const { runId } = job.data;
    const run = await this.store.run(runId);
    if (!run || run.status !== 'running') return { skipped: `run is ${run?.status ?? 'gone'}` };
    if (run.cancelRequested) return { skipped: 'run cancelled' };
    const ends = await this.endsOf(runId);
    if (!ends) return { skipped: 'run has no planned table' };
    // The fleet-wide cap on chunks per database, and the table's own where its snapshot has one:
    // no free slot, back in the queue, no attempt spent.
    const limits = await this.store.connectionLimits([ends.sourceId, ends.targetId]);
    const tableId = ends.tableCaps.size ? await this.store.chunkTableId(job.data.chunkId) : null;
    const cap = tableId ? ends.tableCaps.get(tableId) : undefined;
    const wants = [
      ...[ends.sourceId, ends.targetId].map((id) => ({ connectionId: id, limit: limits.get(id) ?? this.config.connectionMaxParallelChunks })),
      ...(cap ? [{ connectionId: cap.slot, limit: cap.limit }] : []),
    ];
    let slots = await this.slots.acquire(wants);
    for (const until = Date.now() + TABLE_SLOT_WAIT_MS; !slots && cap && Date.now() < until && !job.signal?.aborted; ) {
      await new Promise((resolve) => setTimeout(resolve, TABLE_SLOT_POLL_MS));
      slots = await this.slots.acquire(wants);
    }
    if (!slots) return job.postpone(SLOT_RETRY_MS + Math.floor(Math.random() * SLOT_RETRY_MS));
    try {
      return await this.copy(job, run, ends);
    } finally {
      await slots.release();
    }
  }

  private async copy(job: JobContext<JobName.CopyChunk>, run: RunEntity, connections: { sourceId: string; targetId: string }): Promise<{ rows: number } | { skipped: string }> {
    const { runId, chunkId } = job.data;
    // The lease itself refuses a chunk of a run that ended or was cancelled since the check above
    // (while this chunk waited for its table's slot, say): the run's close may have keyed the table.
    const lease = await this.store.lease(chunkId, LEASE_MS);
    if (!lease) {
      const now = await this.store.run(runId);
      if (!now || now.status !== 'running') return { skipped: `run is ${now?.status ?? 'gone'}` };
      return { skipped: now.cancelRequested ? 'run cancelled' : 'chunk already done' };
    }

    try {
      // Everything but the databases comes from the run's snapshot, frozen at plan time: an edited job changes nothing here.
      const snapshot = readSnapshot(lease.table.snapshot);
      // Sessions kept from this worker's earlier chunks where the connection's settings are unchanged.
      const ends = await this.sessions.acquirePair(connections.sourceId, connections.targetId);
      let broken = true;
      try {
        const started = Date.now();
        const range = { lower: decodeKey(lease.chunk.lowerKey as EncodedValue[] | null), upper: decodeKey(lease.chunk.upperKey as EncodedValue[] | null) };
        const result = await copyChunk(snapshot, range, {
          source: ends.source.data,
          target: ends.target.data,
          rejectsElsewhere: Number(run.rejects) - lease.chunk.rejects,
          signal: job.signal,
          // Never leased before: nothing of the range can be in the target (a deferred key's first load skips the delete).
          firstAttempt: lease.chunk.attempts === 1,
          // A hashing table's salt, opened from the snapshot's sealed copy for this chunk only.
          ...(snapshot.transform?.hashes && snapshot.transform.salt !== undefined && { salt: this.salts.open(run.jobId, snapshot.transform.salt as FrozenSalt) }),
        });
        broken = false;
        const labels = { source_dialect: snapshot.source.dialect, target_dialect: snapshot.target.dialect };
        this.metrics.rowsCopied.inc(labels, result.rowsWritten);
        this.metrics.chunkSeconds.observe(labels, (Date.now() - started) / 1000);
        if (result.rejects.length) {
          await this.store.log(runId, 'warn', `chunk ${lease.chunk.ordinal}: ${result.rejects.length} row(s) rejected by the target, found in ${result.probes} probe write(s)`, lease.table.sourceTable);
        }
        if (!(await this.store.complete(lease, result))) {
          await this.store.log(runId, 'warn', `chunk ${lease.chunk.ordinal} finished after its lease passed to another worker; its write was idempotent`, lease.table.sourceTable);
        }
        return { rows: result.rowsWritten };
      } finally {
        // A copy that failed or was aborted may have left a transaction or a stream open: those sessions are closed.
        await ends.release(broken);
      }
    } catch (error) {
      const message = asError(error).message;
      // The queue's one retry rule: a terminal error or the last attempt ends the job, a worker
      // shutting down never does (whatever the driver made of the abort, the chunk is not at fault).
      const ends = job.endsJob(error);
      this.metrics.chunkFailures.inc({ retry: String(!ends) });
      if (ends) {
        await this.store.fail(lease, message, error instanceof RejectLimitError ? error.rejects : []);
        await this.store.log(runId, 'error', `chunk ${lease.chunk.ordinal} failed: ${message}`, lease.table.sourceTable, error);
      } else {
        await this.store.release(lease, message);
        // Coalesced: a flapping database writes one such line per chunk a minute, not one per attempt.
        await this.store.logRetry(runId, `chunk ${lease.chunk.ordinal} will retry`, `chunk ${lease.chunk.ordinal} will retry (attempt ${job.attemptsMade + 1}): ${message}`, lease.table.sourceTable, error);
      }
      // Thrown as it is (class, code, cause): the queue layer makes it a retry or a failure.
      throw error;
    }
  }

  /** The connections the run was planned on and its tables' own caps, from its snapshots (the job is never read again); read once per run. */
  private async endsOf(runId: string): Promise<RunEnds | null> {
    const known = this.runEnds.get(runId);
    if (known) return known;
    const tables = (await this.store.tables(runId)).filter((t) => t.snapshot);
    if (!tables.length) return null;
    const { source, target } = readSnapshot(tables[0]?.snapshot);
    if (!source.connectionId || !target.connectionId) throw new SnapshotError("the run's snapshot names no connections");
    const tableCaps = new Map<string, { slot: string; limit: number }>();
    for (const t of tables) {
      const into = readSnapshot(t.snapshot).target;
      if (into.loadWriters !== undefined) tableCaps.set(t.id, { slot: `${target.connectionId}/table/${into.table.schema ?? ''}.${into.table.name}`, limit: into.loadWriters });
    }
    const ends = { sourceId: source.connectionId, targetId: target.connectionId, tableCaps };
    if (this.runEnds.size >= RUN_ENDS_REMEMBERED) this.runEnds.delete(this.runEnds.keys().next().value as string);
    this.runEnds.set(runId, ends);
    return ends;
  }
}
