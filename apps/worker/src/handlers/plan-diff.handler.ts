import { Injectable } from '@nestjs/common';
import { DiffRepository, type DiffTableSpec, type FailedDiffTable, type PlannedDiffTable } from '@dbferry/control-plane';
import { defaultSchema } from '@dbferry/dialects';
import { isTerminal, type TableRef } from '@dbferry/dialects-core';
import { compileGlob, DiffPlanError, FilterError, initialSegment, parseTableRef, planDiff, validateFilter } from '@dbferry/engine';
import { asError, JobContext, JobHandler, JobHandlerOf, JobProducer } from '@dbferry/queue';
import { arbitrationJobId, JobName } from '@dbferry/queue-contracts';
import type { OpenConnection } from '../runs/connection-opener';
import { type PooledSession, SessionPool } from '../runs/session-pool';

const qualified = (t: TableRef) => `${t.schema}.${t.name}`;

/** One table of the diff, resolved on every side (a pattern yields several). */
interface ResolvedTable {
  specIndex: number;
  reference: TableRef;
  others: Record<string, TableRef>;
}

/**
 * Turns a queued diff into tables and their first segments: resolves each entry (a name or a
 * pattern "schema.*") on every side, freezes each table with planDiff (a DiffSnapshot), stores
 * the tables and their initial segments in one transaction, then enqueues a diff-segment job
 * per table (stable ids). A table that cannot be diffed (missing, no key, a bad filter) is
 * stored failed with its reason; a connection that is gone fails the tables, not the worker.
 * A retried plan finds its stored tables and only enqueues their open segments again.
 */
@Injectable()
@JobHandler(JobName.PlanDiff)
export class PlanDiffHandler implements JobHandlerOf<JobName.PlanDiff> {
  constructor(
    private readonly diffs: DiffRepository,
    private readonly pool: SessionPool,
    private readonly producer: JobProducer,
  ) {}

  async handle(job: JobContext<JobName.PlanDiff>): Promise<{ tables: number; failed: number } | { skipped: string }> {
    const { diffId } = job.data;
    const diff = await this.diffs.diff(diffId);
    if (!diff) return { skipped: 'diff is gone' };
    if (!(await this.diffs.start(diffId)) && diff.status !== 'running') return { skipped: `diff is ${diff.status}` };
    const stored = await this.diffs.tables(diffId);
    if (stored.length) {
      const open = await this.diffs.openSegmentGroups(diffId);
      await this.enqueueSegments(diffId, open.map((g) => g.leaderId));
      return { tables: stored.length, failed: stored.filter((t) => t.status === 'failed').length };
    }

    // Pooled: the diff's first segment jobs then reuse these sessions instead of connecting again.
    const pooled: PooledSession[] = [];
    const sides: OpenConnection[] = [];
    let broken = true;
    try {
      let unusable: string | undefined;
      for (const id of [diff.referenceId, ...diff.otherIds]) {
        try {
          const session = await this.pool.acquire(id);
          pooled.push(session);
          sides.push(session.connection);
        } catch (error) {
          // A connection deleted (or of a dialect without rows) fails the diff's tables; a network error is retried.
          if (!isTerminal(error)) throw error;
          unusable = `connection ${id}: ${asError(error).message}`;
          break;
        }
      }
      const planned: PlannedDiffTable[] = [];
      const failed: FailedDiffTable[] = [];
      if (unusable) {
        diff.request.forEach((spec, specIndex) => failed.push({ position: specIndex, specIndex, referenceTable: spec.reference, otherTables: spec.others ?? {}, error: unusable }));
      } else {
        const [reference, ...others] = sides;
        let position = 0;
        for (const [specIndex, spec] of diff.request.entries()) {
          let tables: ResolvedTable[];
          try {
            tables = await this.resolve(spec, specIndex, reference, others);
          } catch (error) {
            if (!(error instanceof DiffPlanError) && !isTerminal(error)) throw error;
            failed.push({ position: position++, specIndex, referenceTable: spec.reference, otherTables: spec.others ?? {}, error: asError(error).message });
            continue;
          }
          for (const table of tables) {
            const entry = { position: position++, specIndex, referenceTable: qualified(table.reference), otherTables: Object.fromEntries(Object.entries(table.others).map(([id, t]) => [id, qualified(t)])) };
            try {
              const snapshot = await this.plan(spec, specIndex, table, reference, others, diff.options);
              planned.push({ ...entry, snapshot, notes: snapshot.notes, segment: initialSegment(snapshot) });
            } catch (error) {
              if (!(error instanceof DiffPlanError) && !(error instanceof FilterError) && !isTerminal(error)) throw error;
              failed.push({ ...entry, error: asError(error).message });
            }
          }
        }
      }
      const segmentIds = await this.diffs.addTables(diffId, planned, failed);
      // Nothing to compare (every table failed): finish-diff settles the diff at once.
      if (!segmentIds.length) await this.producer.enqueue(JobName.FinishDiff, { v: 1, diffId }, { jobId: arbitrationJobId.finishDiff(diffId) });
      else await this.enqueueSegments(diffId, segmentIds);
      broken = false;
      return { tables: planned.length + failed.length, failed: failed.length };
    } catch (error) {
      if (job.endsJob(error)) await this.diffs.end(diffId, 'failed', `planning failed: ${asError(error).message}`);
      throw error;
    } finally {
      // A failure may leave a statement half-way on a session: those are closed, not pooled.
      await Promise.allSettled(pooled.map((s) => s.release(broken)));
    }
  }

  /** Segment jobs, each under its group's first segment's stable id (a table's initial segment is its own group). */
  private async enqueueSegments(diffId: string, ids: string[]): Promise<void> {
    await this.producer.enqueueBulk(JobName.DiffSegment, ids.map((segmentId) => ({ data: { v: 1 as const, diffId, segmentId }, jobId: arbitrationJobId.segment(segmentId) })));
  }

  /** The entry's tables: the reference's (by name, or each match of a pattern) and their names on the others. */
  private async resolve(spec: DiffTableSpec, specIndex: number, reference: OpenConnection, others: OpenConnection[]): Promise<ResolvedTable[]> {
    const field = `tables[${specIndex}]`;
    const parsed = parseTableRef(spec.reference);
    if (!parsed) throw new DiffPlanError(`${field}.reference`, `${field}.reference: must be "schema.table" or "schema.*"`);
    let names: string[] = [parsed.name];
    if (parsed.pattern) {
      const matches = compileGlob(parsed.name);
      names = (await reference.session.listTables(parsed.schema)).filter((t) => matches(t.name)).map((t) => t.name);
      if (!names.length) throw new DiffPlanError(`${field}.reference`, `${field}.reference: no table of ${parsed.schema} matches ${parsed.name}`);
    }
    return names.map((name) => ({
      specIndex,
      reference: { schema: parsed.schema, name },
      others: Object.fromEntries(
        others.map((o) => {
          const given = spec.others?.[o.stored.id];
          const ref = given ? parseTableRef(given) : null;
          if (given && !ref) throw new DiffPlanError(`${field}.others`, `${field}.others.${o.stored.id}: must be "schema.table" or "schema.*"`);
          // A pattern entry names the others' schema; a single table may be named whole.
          const other = ref ? { schema: ref.schema, name: ref.pattern || parsed.pattern ? name : ref.name } : { schema: defaultSchema(o.stored), name };
          return [o.stored.id, other];
        }),
      ),
    }));
  }

  private async plan(
    spec: DiffTableSpec,
    specIndex: number,
    table: ResolvedTable,
    reference: OpenConnection,
    others: OpenConnection[],
    options: { bisectionFactor?: number; bisectionThreshold?: number },
  ) {
    const field = `tables[${specIndex}]`;
    // The filter is one boolean expression over the table's columns, re-rendered in each side's SQL.
    let whereOf = (_: OpenConnection): string | undefined => undefined;
    if (spec.where !== undefined) {
      const described = await reference.data.introspector.describeTable(table.reference);
      if (!described) throw new DiffPlanError(`${field}.reference`, `${field}.reference: table ${qualified(table.reference)} does not exist on the reference`);
      const columns = described.columns.map((c) => c.name);
      const rendered = new Map<string, string>();
      try {
        for (const side of [reference, ...others]) rendered.set(side.stored.id + side.stored.dialect, validateFilter({ dialect: side.stored.dialect, filter: spec.where, columns }).sql);
      } catch (error) {
        if (error instanceof FilterError) throw new DiffPlanError(`${field}.where`, `${field}.where: ${error.message}`);
        throw error;
      }
      whereOf = (side) => rendered.get(side.stored.id + side.stored.dialect);
    }
    try {
      return await planDiff({
        reference: { connectionId: reference.stored.id, dialect: reference.stored.dialect, data: reference.data, table: table.reference, ...(whereOf(reference) !== undefined && { where: whereOf(reference) }) },
        others: others.map((o) => ({ connectionId: o.stored.id, dialect: o.stored.dialect, data: o.data, table: table.others[o.stored.id], ...(whereOf(o) !== undefined && { where: whereOf(o) }) })),
        ...(spec.keyColumns && { keyColumns: spec.keyColumns }),
        ...(spec.columns && { columns: spec.columns }),
        ...(options.bisectionFactor !== undefined && { bisectionFactor: options.bisectionFactor }),
        ...(options.bisectionThreshold !== undefined && { bisectionThreshold: options.bisectionThreshold }),
      });
    } catch (error) {
      if (error instanceof DiffPlanError) {
        const at = ['bisectionFactor', 'bisectionThreshold'].includes(error.field) ? `options.${error.field}` : error.field === 'tables' ? `${field}.reference` : `${field}.${error.field}`;
        throw new DiffPlanError(at, `${at}: ${error.message}`);
      }
      throw error;
    }
  }
}
