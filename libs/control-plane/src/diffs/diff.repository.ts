import type { DataSource, EntityManager } from 'typeorm';
import {
  DiffColumnNoteRecord,
  DiffEntity,
  DiffOptions,
  DiffRowEntity,
  DiffRowKind,
  DiffSample,
  DiffSegmentEntity,
  DiffTableEntity,
  DiffTableSpec,
  DiffTrigger,
} from '../entities/diff.entity';

/** The legal moves of a diff and its tables (target → from-states), as for runs: one conditional UPDATE each. */
export const DIFF_MOVES = {
  running: ['queued'],
  succeeded: ['queued', 'running'],
  failed: ['queued', 'running'],
  cancelled: ['queued', 'running'],
} as const;
const OPEN_SEGMENT = ['pending', 'running'];

/**
 * Sibling segments (children of one split, by ordinal: 0–15, 16–31, …) that one diff-segment job
 * runs one after another on one set of sessions and slots, settling them in one statement: a
 * job's fixed costs (its store reads and writes, the slots, the session checkouts, two BullMQ
 * moves) are paid once per group instead of once per ~10 ms checksum. The job's stable id is
 * its group's first segment's (`groupLeaders`); a table's initial segment is a group of its own.
 */
export const SEGMENTS_PER_JOB = 16;

/** The first segment of each group of `SEGMENTS_PER_JOB`, from a split's children in ordinal order. */
export function groupLeaders(childIds: string[]): string[] {
  return childIds.filter((_, i) => i % SEGMENTS_PER_JOB === 0);
}

export type DiffEnd = 'succeeded' | 'failed' | 'cancelled';

export interface NewDiff {
  referenceId: string;
  otherIds: string[];
  request: DiffTableSpec[];
  options?: DiffOptions;
  createdBy: string | null;
  trigger?: DiffTrigger;
}

/** A differing key as the worker stores it (key already in the engine's lossless JSON). */
export interface StoredDiffRow {
  connectionId: string;
  kind: DiffRowKind;
  key: unknown[];
  columns?: string[];
}

/** A table plan-diff resolved and froze, with its first segment. */
export interface PlannedDiffTable {
  position: number;
  specIndex: number;
  referenceTable: string;
  otherTables: Record<string, string>;
  snapshot: unknown;
  notes: DiffColumnNoteRecord[];
  /** The initial DiffSegment (whole table). */
  segment: unknown;
}

export interface FailedDiffTable {
  position: number;
  specIndex: number;
  referenceTable: string;
  otherTables: Record<string, string>;
  error: string;
}

/** A whole table's result computed elsewhere (a repair's re-verify, a verified run), stored as a finished diff. */
export interface FinishedDiffTable {
  referenceTable: string;
  otherTables: Record<string, string>;
  snapshot?: unknown;
  rowsCompared: number;
  notes?: DiffColumnNoteRecord[];
  rows: StoredDiffRow[];
  samples?: DiffSample[];
  /** Default 'succeeded'; 'failed' with `error`. */
  status?: 'succeeded' | 'failed';
  error?: string;
}

/** One segment of a job's group, as stored. */
export interface SegmentGroupMember {
  id: string;
  status: DiffSegmentEntity['status'];
  segment: unknown;
}

/** What a diff-segment job reads before it runs: its diff's state, its group of segments, and the limits of the diff's connections. */
export interface SegmentGroupToRun {
  diffStatus: DiffEntity['status'];
  diffTableId: string;
  /** The group's segments in ordinal order, whatever their status. */
  members: SegmentGroupMember[];
  /** max_parallel_chunks of the diff's connections that set one, by id. */
  limits: Map<string, number>;
}

/** A segment's 'done' outcome, to settle with others (`completeSegments`). */
export interface CompletedSegment {
  segmentId: string;
  rowsCompared: number;
  rows: StoredDiffRow[];
}

export interface DiffProgress {
  segmentsDone: number;
  segmentsTotal: number;
  rowsCompared: number;
  differences: number;
}

/** Per (connection, kind) counts and the columns that differ, from a table's stored rows. */
export interface TableTotals {
  missing: Record<string, number>;
  extra: Record<string, number>;
  different: Record<string, number>;
  columns: Record<string, string[]>;
}

/** Rows inserted per statement (jsonb_to_recordset keeps it one round trip). */
const ROW_BATCH = 5000;

/**
 * The one owner of diff state in the control store (diff, diff_table, diff_segment, diff_row).
 * A segment's differing rows and its 'done' mark, or its children and its 'split' mark, are
 * written in one transaction, each conditional on the segment still being open: a segment run
 * twice (a stalled worker, a re-enqueue) settles once and never doubles a row.
 */
export class DiffRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  transaction<T>(work: (tx: DiffRepository) => Promise<T>): Promise<T> {
    const bound = (tx: EntityManager) => work(new DiffRepository(tx));
    return 'createQueryRunner' in this.db ? (this.db as DataSource).transaction(bound) : (this.db as EntityManager).transaction(bound);
  }

  // ---- reads ----

  diff(id: string): Promise<DiffEntity | null> {
    return this.db.getRepository(DiffEntity).findOneBy({ id });
  }

  tables(diffId: string): Promise<DiffTableEntity[]> {
    return this.db.getRepository(DiffTableEntity).find({ where: { diffId }, order: { position: 'ASC' } });
  }

  table(id: string): Promise<DiffTableEntity | null> {
    return this.db.getRepository(DiffTableEntity).findOneBy({ id });
  }

  /** A diff with its tables; null when there is no such diff. */
  async withTables(id: string): Promise<{ diff: DiffEntity; tables: DiffTableEntity[] } | null> {
    const diff = await this.diff(id);
    return diff ? { diff, tables: await this.tables(id) } : null;
  }

  /** Diffs, newest first. */
  async list(limit: number, offset: number): Promise<{ items: DiffEntity[]; total: number }> {
    const [items, total] = await this.db.getRepository(DiffEntity).findAndCount({ order: { createdAt: 'DESC', id: 'DESC' }, take: limit, skip: offset });
    return { items, total };
  }

  /** For a page of diffs: each one's tables (reference names, in order) and differing rows found so far (settled tables' counts, else stored rows). */
  async summaries(diffIds: string[]): Promise<Map<string, { tables: string[]; differences: number }>> {
    if (!diffIds.length) return new Map();
    const rows: { diff_id: string; tables: string[]; differences: string }[] = await this.db.query(
      `SELECT t.diff_id, array_agg(t.reference_table ORDER BY t.position) AS tables,
              sum(CASE WHEN t.status IN ('pending', 'running') THEN (SELECT count(*) FROM diff_row r WHERE r.diff_table_id = t.id)
                       ELSE (SELECT coalesce(sum(v::bigint), 0) FROM (SELECT value AS v FROM jsonb_each_text(t.missing)
                              UNION ALL SELECT value FROM jsonb_each_text(t.extra) UNION ALL SELECT value FROM jsonb_each_text(t.different)) c) END)::text AS differences
         FROM diff_table t WHERE t.diff_id = ANY($1::uuid[]) GROUP BY t.diff_id`,
      [diffIds],
    );
    return new Map(rows.map((r) => [r.diff_id, { tables: r.tables, differences: Number(r.differences) }]));
  }

  segment(id: string): Promise<DiffSegmentEntity | null> {
    return this.db.getRepository(DiffSegmentEntity).findOneBy({ id });
  }

  /**
   * One round trip for a segment job's reads: the diff's status, every segment of the job's
   * group (`SEGMENTS_PER_JOB` siblings around `segmentId`, any status), and the connection limits
   * of the diff's sides. Null when the segment (or its diff) is gone.
   */
  async segmentGroupToRun(diffId: string, segmentId: string): Promise<SegmentGroupToRun | null> {
    const [row] = await this.db.query(
      `SELECT d.status AS "diffStatus", s.diff_table_id AS "diffTableId",
              jsonb_build_object('id', s.id, 'status', s.status, 'segment', s.segment) AS self,
              (SELECT jsonb_agg(jsonb_build_object('id', m.id, 'status', m.status, 'segment', m.segment) ORDER BY m.ordinal) FROM diff_segment m
                WHERE m.diff_table_id = s.diff_table_id AND m.parent_id = s.parent_id
                  AND m.ordinal >= (s.ordinal / $3) * $3 AND m.ordinal < (s.ordinal / $3 + 1) * $3) AS members,
              (SELECT coalesce(jsonb_object_agg(c.id, c.max_parallel_chunks), '{}'::jsonb) FROM connection c
                WHERE (c.id = d.reference_id OR c.id = ANY(d.other_ids)) AND c.max_parallel_chunks IS NOT NULL) AS limits
         FROM diff_segment s JOIN diff_table t ON t.id = s.diff_table_id JOIN diff d ON d.id = t.diff_id
        WHERE s.id = $1 AND d.id = $2`,
      [segmentId, diffId, SEGMENTS_PER_JOB],
    );
    if (!row) return null;
    // An initial segment (no parent) is its own group.
    const members = (row.members as SegmentGroupMember[] | null) ?? [row.self as SegmentGroupMember];
    return { diffStatus: row.diffStatus, diffTableId: row.diffTableId, members, limits: new Map(Object.entries(row.limits as Record<string, number>)) };
  }

  /** A table's frozen DiffSnapshot (null when planning failed or the table is gone). */
  async snapshot(diffTableId: string): Promise<unknown> {
    const [row] = await this.db.query('SELECT snapshot FROM diff_table WHERE id = $1', [diffTableId]);
    return row?.snapshot ?? null;
  }

  /**
   * The diff's open segments by job group: each group's first segment (its job's stable id) and
   * its segments still pending or running, shallowest first.
   */
  async openSegmentGroups(diffId: string): Promise<{ leaderId: string; segmentIds: string[] }[]> {
    return this.db.query(
      `SELECT coalesce(l.id, s.id) AS "leaderId", array_agg(s.id ORDER BY s.ordinal) AS "segmentIds"
         FROM diff_segment s JOIN diff_table t ON t.id = s.diff_table_id
         LEFT JOIN diff_segment l ON l.diff_table_id = s.diff_table_id AND l.parent_id = s.parent_id AND l.ordinal = (s.ordinal / $3) * $3
        WHERE t.diff_id = $1 AND s.status = ANY($2)
        GROUP BY coalesce(l.id, s.id) ORDER BY min(s.depth), min(s.ordinal)`,
      [diffId, OPEN_SEGMENT, SEGMENTS_PER_JOB],
    );
  }

  /** The first segment of each job group holding an open child of `parentIds`. */
  async openChildGroups(parentIds: string[]): Promise<string[]> {
    if (!parentIds.length) return [];
    const rows: { id: string }[] = await this.db.query(
      `SELECT DISTINCT l.id, l.ordinal FROM diff_segment c
         JOIN diff_segment l ON l.diff_table_id = c.diff_table_id AND l.parent_id = c.parent_id AND l.ordinal = (c.ordinal / $3) * $3
        WHERE c.parent_id = ANY($1::uuid[]) AND c.status = ANY($2) ORDER BY l.ordinal`,
      [parentIds, OPEN_SEGMENT, SEGMENTS_PER_JOB],
    );
    return rows.map((r) => r.id);
  }

  async openSegmentCount(diffId: string): Promise<number> {
    const [row] = await this.db.query(
      `SELECT count(*)::int AS n FROM diff_segment s JOIN diff_table t ON t.id = s.diff_table_id WHERE t.diff_id = $1 AND s.status = ANY($2)`,
      [diffId, OPEN_SEGMENT],
    );
    return row.n as number;
  }

  /** When the diff's last segment settled (null: none has). */
  async lastSettledAt(diffId: string): Promise<Date | null> {
    const [row] = await this.db.query(`SELECT max(s.finished_at) AS at FROM diff_segment s JOIN diff_table t ON t.id = s.diff_table_id WHERE t.diff_id = $1`, [diffId]);
    return row?.at ?? null;
  }

  /** Segments done / total, rows compared and differences stored so far, over the diff's tables. */
  async progress(diffId: string): Promise<DiffProgress> {
    const [row] = await this.db.query(
      `SELECT coalesce(sum(segments_done), 0)::int AS done, coalesce(sum(segments_total), 0)::int AS total, coalesce(sum(rows_compared), 0)::text AS compared,
              (SELECT count(*) FROM diff_row r JOIN diff_table t2 ON t2.id = r.diff_table_id WHERE t2.diff_id = $1)::int AS differences
         FROM diff_table WHERE diff_id = $1`,
      [diffId],
    );
    return { segmentsDone: row.done, segmentsTotal: row.total, rowsCompared: Number(row.compared), differences: row.differences };
  }

  /** A page of a table's differing keys, in the order they were stored. */
  async rows(diffTableId: string, filter: { connectionId?: string; kind?: DiffRowKind }, limit: number, offset: number): Promise<{ items: DiffRowEntity[]; total: number }> {
    const where = { diffTableId, ...(filter.connectionId && { connectionId: filter.connectionId }), ...(filter.kind && { kind: filter.kind }) };
    const [items, total] = await this.db.getRepository(DiffRowEntity).findAndCount({ where, order: { id: 'ASC' }, take: limit, skip: offset });
    return { items, total };
  }

  /** The first `perKind` rows of each (connection, kind) of a table. */
  async firstRows(diffTableId: string, perKind: number): Promise<DiffRowEntity[]> {
    const rows: { id: string; connection_id: string; kind: DiffRowKind; key: unknown[]; columns: string[]; segment_id: string | null }[] = await this.db.query(
      `SELECT id, connection_id, kind, key, columns, segment_id FROM (
         SELECT r.*, row_number() OVER (PARTITION BY connection_id, kind ORDER BY id) AS n FROM diff_row r WHERE diff_table_id = $1) f
        WHERE n <= $2 ORDER BY id`,
      [diffTableId, perKind],
    );
    return rows.map((r) => Object.assign(new DiffRowEntity(), { id: r.id, diffTableId, connectionId: r.connection_id, kind: r.kind, key: r.key, columns: r.columns, segmentId: r.segment_id }));
  }

  /** Every stored row's counts and differing columns per connection, from diff_row. */
  async totals(diffTableId: string): Promise<TableTotals> {
    const counts: { connection_id: string; kind: DiffRowKind; n: number }[] = await this.db.query(
      'SELECT connection_id, kind, count(*)::int AS n FROM diff_row WHERE diff_table_id = $1 GROUP BY connection_id, kind',
      [diffTableId],
    );
    const columns: { connection_id: string; column: string }[] = await this.db.query(
      `SELECT DISTINCT connection_id, c AS column FROM diff_row, unnest(columns) AS c WHERE diff_table_id = $1 AND kind = 'different' ORDER BY connection_id, c`,
      [diffTableId],
    );
    const totals: TableTotals = { missing: {}, extra: {}, different: {}, columns: {} };
    for (const c of counts) totals[c.kind][c.connection_id] = c.n;
    for (const c of columns) (totals.columns[c.connection_id] ??= []).push(c.column);
    return totals;
  }

  /** Diffs queued or running, created more than `graceSeconds` ago, oldest first. */
  activeOlderThan(graceSeconds: number): Promise<{ id: string; status: 'queued' | 'running' }[]> {
    return this.db.query(
      `SELECT id, status FROM diff WHERE status IN ('queued', 'running') AND created_at < now() - make_interval(secs => $1) ORDER BY created_at`,
      [graceSeconds],
    );
  }

  async countByStatus(): Promise<Map<string, number>> {
    const rows: { status: string; n: string }[] = await this.db.query('SELECT status, count(*) AS n FROM diff GROUP BY status');
    return new Map(rows.map((r) => [r.status, Number(r.n)]));
  }

  // ---- diff transitions ----

  /** A new queued diff; returns its id. */
  async create(diff: NewDiff): Promise<string> {
    const [row] = await this.db.query(
      `INSERT INTO diff (reference_id, other_ids, request, options, created_by, trigger) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [diff.referenceId, diff.otherIds, JSON.stringify(diff.request), JSON.stringify(diff.options ?? {}), diff.createdBy, diff.trigger ?? 'manual'],
    );
    return row.id as string;
  }

  /** queued → running; false when it was not queued. */
  async start(diffId: string): Promise<boolean> {
    const [rows] = await this.db.query(`UPDATE diff SET status = 'running', started_at = coalesce(started_at, now()) WHERE id = $1 AND status = ANY($2) RETURNING id`, [
      diffId,
      DIFF_MOVES.running,
    ]);
    return rows.length > 0;
  }

  /** queued | running → an end state; false when it had already ended. */
  async end(diffId: string, status: DiffEnd, error: string | null): Promise<boolean> {
    const [rows] = await this.db.query(`UPDATE diff SET status = $2, error = $3, finished_at = now() WHERE id = $1 AND status = ANY($4) RETURNING id`, [
      diffId,
      status,
      error,
      DIFF_MOVES[status],
    ]);
    return rows.length > 0;
  }

  /** queued | running → cancelled, with its open tables and segments, in one transaction; false when it had ended. */
  cancel(diffId: string): Promise<boolean> {
    return this.transaction(async (tx) => {
      const [rows] = await tx.db.query(
        `UPDATE diff SET cancel_requested = true, status = 'cancelled', finished_at = now() WHERE id = $1 AND status = ANY($2) RETURNING id`,
        [diffId, DIFF_MOVES.cancelled],
      );
      if (!rows.length) return false;
      // Segments before their tables, as a segment's completion takes them: the other way round,
      // a cancel and a completing segment deadlocked.
      await tx.db.query(
        `UPDATE diff_segment SET status = 'cancelled', finished_at = now() WHERE status = ANY($2) AND diff_table_id IN (SELECT id FROM diff_table WHERE diff_id = $1)`,
        [diffId, OPEN_SEGMENT],
      );
      await tx.db.query(`UPDATE diff_table SET status = 'cancelled', finished_at = now() WHERE diff_id = $1 AND status IN ('pending', 'running')`, [diffId]);
      return true;
    });
  }

  /** Holds the diff's row until the transaction ends; its status (null: no such diff). */
  async lock(diffId: string): Promise<DiffEntity['status'] | null> {
    const [row] = await this.db.query('SELECT status FROM diff WHERE id = $1 FOR UPDATE', [diffId]);
    return row ? (row.status as DiffEntity['status']) : null;
  }

  // ---- planned tables ----

  /**
   * Stores the planned tables (each with its initial segment) and the failed ones in one
   * transaction; returns the initial segments' ids. A diff cancelled while it was planned gets
   * none (its row is held meanwhile, so a cancel waits for or precedes this, never interleaves).
   */
  addTables(diffId: string, planned: PlannedDiffTable[], failed: FailedDiffTable[]): Promise<string[]> {
    return this.transaction(async (tx) => {
      if ((await tx.lock(diffId)) !== 'running') return [];
      const ids: string[] = [];
      for (const t of planned) {
        const [table] = await tx.db.query(
          `INSERT INTO diff_table (diff_id, position, spec_index, reference_table, other_tables, snapshot, notes, segments_total)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 1) RETURNING id`,
          [diffId, t.position, t.specIndex, t.referenceTable, JSON.stringify(t.otherTables), JSON.stringify(t.snapshot), JSON.stringify(t.notes)],
        );
        const [segment] = await tx.db.query(`INSERT INTO diff_segment (diff_table_id, parent_id, ordinal, segment, depth) VALUES ($1, NULL, 0, $2, 0) RETURNING id`, [
          table.id,
          JSON.stringify(t.segment),
        ]);
        ids.push(segment.id);
      }
      for (const t of failed) {
        await tx.db.query(
          `INSERT INTO diff_table (diff_id, position, spec_index, reference_table, other_tables, status, error, finished_at)
           VALUES ($1, $2, $3, $4, $5, 'failed', $6, now())`,
          [diffId, t.position, t.specIndex, t.referenceTable, JSON.stringify(t.otherTables), t.error],
        );
      }
      return ids;
    });
  }

  // ---- segment transitions ----

  /** pending | running → running for each of `segmentIds` (a stalled holder's are taken over); the ids taken, those that had settled left out. */
  async takeSegments(segmentIds: string[]): Promise<Set<string>> {
    if (!segmentIds.length) return new Set();
    // An UPDATE … RETURNING answers [rows, count].
    const [rows]: [{ id: string }[], number] = await this.db.query(
      `UPDATE diff_segment SET status = 'running', attempts = attempts + 1, started_at = now(), error = NULL WHERE id = ANY($1::uuid[]) AND status = ANY($2) RETURNING id`,
      [segmentIds, OPEN_SEGMENT],
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Several segments' 'done' outcomes (a job's group) in one statement: each segment's mark, its
   * rows and its table's counts, each only if the segment was still open (a re-run settles once).
   * Returns the ids settled here. A batch of more than ROW_BATCH rows goes one segment at a time.
   */
  async completeSegments(done: CompletedSegment[]): Promise<Set<string>> {
    if (!done.length) return new Set();
    if (done.reduce((n, d) => n + d.rows.length, 0) > ROW_BATCH) {
      const settled = new Set<string>();
      for (const d of done) if (await this.completeSegment(d.segmentId, d.rowsCompared, d.rows)) settled.add(d.segmentId);
      return settled;
    }
    const count = (rows: StoredDiffRow[], kind: DiffRowKind) => rows.filter((r) => r.kind === kind).length;
    const segments = done.map((d) => ({ id: d.segmentId, rows_compared: d.rowsCompared, missing: count(d.rows, 'missing'), extra: count(d.rows, 'extra'), different: count(d.rows, 'different') }));
    const rows = done.flatMap((d) => d.rows.map((r) => ({ segment_id: d.segmentId, connection_id: r.connectionId, kind: r.kind, key: r.key, columns: r.columns ?? [] })));
    const settled: { id: string }[] = await this.db.query(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(id uuid, rows_compared bigint, missing int, extra int, different int)),
       seg AS (
         UPDATE diff_segment s SET status = 'done', rows_compared = i.rows_compared, missing = i.missing, extra = i.extra, different = i.different, finished_at = now()
           FROM input i WHERE s.id = i.id AND s.status = ANY($3) RETURNING s.id, s.diff_table_id, i.rows_compared),
       ins AS (
         INSERT INTO diff_row (diff_table_id, connection_id, kind, key, columns, segment_id)
         SELECT seg.diff_table_id, r.connection_id, r.kind, r.key, ARRAY(SELECT jsonb_array_elements_text(r.columns)), r.segment_id
           FROM jsonb_to_recordset($2::jsonb) AS r(segment_id uuid, connection_id uuid, kind text, key jsonb, columns jsonb) JOIN seg ON seg.id = r.segment_id
         ON CONFLICT (diff_table_id, connection_id, key_hash) DO NOTHING),
       tab AS (
         UPDATE diff_table t SET segments_done = segments_done + c.n, rows_compared = rows_compared + c.compared,
                status = CASE WHEN status = 'pending' THEN 'running' ELSE status END, started_at = coalesce(started_at, now())
           FROM (SELECT diff_table_id, count(*)::int AS n, sum(rows_compared) AS compared FROM seg GROUP BY diff_table_id) c WHERE t.id = c.diff_table_id)
       SELECT id FROM seg`,
      [JSON.stringify(segments), JSON.stringify(rows), OPEN_SEGMENT],
    );
    return new Set(settled.map((r) => r.id));
  }

  /**
   * running → done with its differing rows and counts rolled into its table, in one
   * transaction; false when another attempt settled it first (nothing is written then).
   */
  async completeSegment(segmentId: string, rowsCompared: number, rows: StoredDiffRow[]): Promise<boolean> {
    const count = (kind: DiffRowKind) => rows.filter((r) => r.kind === kind).length;
    if (rows.length <= ROW_BATCH) {
      // The usual case (a few rows at most) in one statement, so one round trip: the segment's
      // mark, its rows and its table's counts commit together, and only if the segment was open.
      const [row] = await this.db.query(
        `WITH seg AS (
           UPDATE diff_segment SET status = 'done', rows_compared = $2, missing = $3, extra = $4, different = $5, finished_at = now()
            WHERE id = $1 AND status = ANY($6) RETURNING diff_table_id),
         ins AS (
           INSERT INTO diff_row (diff_table_id, connection_id, kind, key, columns, segment_id)
           SELECT seg.diff_table_id, r.connection_id, r.kind, r.key, ARRAY(SELECT jsonb_array_elements_text(r.columns)), $1
             FROM seg, jsonb_to_recordset($7::jsonb) AS r(connection_id uuid, kind text, key jsonb, columns jsonb)
           ON CONFLICT (diff_table_id, connection_id, key_hash) DO NOTHING),
         tab AS (
           UPDATE diff_table SET segments_done = segments_done + 1, rows_compared = rows_compared + $2,
                  status = CASE WHEN status = 'pending' THEN 'running' ELSE status END, started_at = coalesce(started_at, now())
            WHERE id = (SELECT diff_table_id FROM seg))
         SELECT count(*)::int AS n FROM seg`,
        [
          segmentId,
          rowsCompared,
          count('missing'),
          count('extra'),
          count('different'),
          OPEN_SEGMENT,
          JSON.stringify(rows.map((r) => ({ connection_id: r.connectionId, kind: r.kind, key: r.key, columns: r.columns ?? [] }))),
        ],
      );
      return row.n > 0;
    }
    return this.transaction(async (tx) => {
      const [updated] = await tx.db.query(
        `UPDATE diff_segment SET status = 'done', rows_compared = $2, missing = $3, extra = $4, different = $5, finished_at = now()
          WHERE id = $1 AND status = ANY($6) RETURNING diff_table_id`,
        [segmentId, rowsCompared, count('missing'), count('extra'), count('different'), OPEN_SEGMENT],
      );
      if (!updated.length) return false;
      const tableId = updated[0].diff_table_id as string;
      await tx.insertRows(tableId, rows, segmentId);
      await tx.db.query(
        `UPDATE diff_table SET segments_done = segments_done + 1, rows_compared = rows_compared + $2,
                status = CASE WHEN status = 'pending' THEN 'running' ELSE status END, started_at = coalesce(started_at, now())
          WHERE id = $1`,
        [tableId, rowsCompared],
      );
      return true;
    });
  }

  /**
   * running → split with its children (pending) inserted in the same transaction; returns the
   * children's ids. When an earlier attempt already split it, returns its children still open,
   * so a caller that died between the commit and the enqueue is made good by the next attempt.
   */
  splitSegment(segmentId: string, rowsCompared: number, children: { segment: unknown; depth: number }[]): Promise<{ split: boolean; childIds: string[] }> {
    return this.transaction(async (tx) => {
      const [updated] = await tx.db.query(
        `UPDATE diff_segment SET status = 'split', rows_compared = $2, finished_at = now() WHERE id = $1 AND status = ANY($3) RETURNING diff_table_id`,
        [segmentId, rowsCompared, OPEN_SEGMENT],
      );
      if (!updated.length) return { split: false, childIds: await tx.openChildren(segmentId) };
      const tableId = updated[0].diff_table_id as string;
      // Every child in one statement (a first split makes up to 1,024 of them).
      const inserted: { id: string; ordinal: number }[] = await tx.db.query(
        `INSERT INTO diff_segment (diff_table_id, parent_id, ordinal, segment, depth)
         SELECT $1, $2, (c.n - 1)::int, c.value -> 'segment', (c.value ->> 'depth')::int FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS c(value, n)
         RETURNING id, ordinal`,
        [tableId, segmentId, JSON.stringify(children.map((c) => ({ segment: c.segment, depth: c.depth })))],
      );
      const ids = inserted.sort((a, b) => a.ordinal - b.ordinal).map((r) => r.id);
      await tx.db.query(
        `UPDATE diff_table SET segments_done = segments_done + 1, segments_total = segments_total + $2, rows_compared = rows_compared + $3,
                status = CASE WHEN status = 'pending' THEN 'running' ELSE status END, started_at = coalesce(started_at, now())
          WHERE id = $1`,
        [tableId, children.length, rowsCompared],
      );
      return { split: true, childIds: ids };
    });
  }

  /** The open children of a split segment. */
  async openChildren(segmentId: string): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query('SELECT id FROM diff_segment WHERE parent_id = $1 AND status = ANY($2) ORDER BY ordinal', [segmentId, OPEN_SEGMENT]);
    return rows.map((r) => r.id);
  }

  /** running → failed for good (counted as settled: its table fails at finish); false when it had settled. */
  async failSegment(segmentId: string, error: string): Promise<boolean> {
    return this.transaction(async (tx) => {
      const [updated] = await tx.db.query(`UPDATE diff_segment SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status = ANY($3) RETURNING diff_table_id`, [
        segmentId,
        error,
        OPEN_SEGMENT,
      ]);
      if (!updated.length) return false;
      await tx.db.query('UPDATE diff_table SET segments_done = segments_done + 1 WHERE id = $1', [updated[0].diff_table_id]);
      return true;
    });
  }

  /** running → pending for each of `segmentIds` (a job that stopped before them), with `error` (null: none). */
  async releaseSegments(segmentIds: string[], error: string | null): Promise<void> {
    if (!segmentIds.length) return;
    await this.db.query(`UPDATE diff_segment SET status = 'pending', error = $2 WHERE id = ANY($1::uuid[]) AND status = 'running'`, [segmentIds, error]);
  }

  /** running → pending for a retry, its error kept. */
  async releaseSegment(segmentId: string, error: string): Promise<void> {
    await this.db.query(`UPDATE diff_segment SET status = 'pending', error = $2 WHERE id = $1 AND status = 'running'`, [segmentId, error]);
  }

  /** The first failed segment's error of a table, if any. */
  async segmentFailure(diffTableId: string): Promise<string | null> {
    const [row] = await this.db.query(`SELECT error FROM diff_segment WHERE diff_table_id = $1 AND status = 'failed' ORDER BY depth, ordinal LIMIT 1`, [diffTableId]);
    return row ? ((row.error as string | null) ?? 'a segment failed') : null;
  }

  // ---- settling ----

  /** pending | running → an end state with its totals (from diff_row); false when it had ended. */
  async endTable(diffTableId: string, status: DiffEnd, error: string | null, totals: TableTotals): Promise<boolean> {
    const [rows] = await this.db.query(
      `UPDATE diff_table SET status = $2, error = $3, missing = $4, extra = $5, different = $6, columns = $7, finished_at = now()
        WHERE id = $1 AND status IN ('pending', 'running') RETURNING id`,
      [diffTableId, status, error, JSON.stringify(totals.missing), JSON.stringify(totals.extra), JSON.stringify(totals.different), JSON.stringify(totals.columns)],
    );
    return rows.length > 0;
  }

  async saveSamples(diffTableId: string, samples: DiffSample[]): Promise<void> {
    await this.db.query('UPDATE diff_table SET samples = $2 WHERE id = $1', [diffTableId, JSON.stringify(samples)]);
  }

  /**
   * Stores a diff computed whole elsewhere (a repair's re-verify, a verified run) as a finished
   * diff with its tables and rows, in one transaction; returns its id.
   */
  createFinishedDiff(diff: NewDiff, tables: FinishedDiffTable[]): Promise<string> {
    return this.transaction(async (tx) => {
      const id = await tx.create(diff);
      for (const [position, t] of tables.entries()) {
        const [table] = await tx.db.query(
          `INSERT INTO diff_table (diff_id, position, spec_index, reference_table, other_tables, snapshot, notes, samples, rows_compared, status, error, started_at, finished_at)
           VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, 'running', $9, now(), now()) RETURNING id`,
          [
            id,
            position,
            t.referenceTable,
            JSON.stringify(t.otherTables),
            t.snapshot === undefined ? null : JSON.stringify(t.snapshot),
            JSON.stringify(t.notes ?? []),
            JSON.stringify(t.samples ?? []),
            t.rowsCompared,
            t.error ?? null,
          ],
        );
        await tx.insertRows(table.id, t.rows, null);
        await tx.endTable(table.id, t.status ?? 'succeeded', t.error ?? null, await tx.totals(table.id));
      }
      const failed = tables.filter((t) => t.status === 'failed').length;
      await tx.db.query(`UPDATE diff SET status = $2, error = $3, started_at = now(), finished_at = now() WHERE id = $1`, [
        id,
        failed ? 'failed' : 'succeeded',
        failed ? `${failed} table(s) failed` : null,
      ]);
      return id;
    });
  }

  /** Inserts differing rows; a key already stored for the table and connection is skipped. */
  private async insertRows(diffTableId: string, rows: StoredDiffRow[], segmentId: string | null): Promise<void> {
    for (let i = 0; i < rows.length; i += ROW_BATCH) {
      const batch = rows.slice(i, i + ROW_BATCH).map((r) => ({ connection_id: r.connectionId, kind: r.kind, key: r.key, columns: r.columns ?? [] }));
      await this.db.query(
        `INSERT INTO diff_row (diff_table_id, connection_id, kind, key, columns, segment_id)
         SELECT $1, r.connection_id, r.kind, r.key, ARRAY(SELECT jsonb_array_elements_text(r.columns)), $3
           FROM jsonb_to_recordset($2::jsonb) AS r(connection_id uuid, kind text, key jsonb, columns jsonb)
         ON CONFLICT (diff_table_id, connection_id, key_hash) DO NOTHING`,
        [diffTableId, JSON.stringify(batch), segmentId],
      );
    }
  }
}
