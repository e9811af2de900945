import { randomUUID } from 'node:crypto';
import type { KeyRange, ValueLoss } from '@dbferry/dialects-core';
import { describeValueLoss, isTerminal, sumValueLosses } from '@dbferry/dialects-core';
import {
  buildDeferredKey,
  defersKeys,
  keyBareTable,
  chunkCount,
  copyChunk,
  countRows,
  type JobWriteMode,
  keyColumnsOf,
  planTablesEach,
  RejectLimitError,
  type RejectedRow,
  snapshotTable,
  type TableSelectionSpec,
  type TableSnapshot,
} from '@dbferry/engine';
import { type Endpoint, type OpenEndpoint, openEndpoint } from '../endpoints';
import { incrementalWindow, type TableWatermark } from './incremental';
import { CappedQueue } from './capped-queue';

/** One table of a one-shot copy: a job's table entry (its `transforms` from --transform or the file's `transform:`). */
export interface CopyTableSpec extends TableSelectionSpec {
  /** This table's overrides of the copy's settings (a replication file's per-table keys). */
  settings?: Partial<Pick<CopySettings, 'mode' | 'writeMode' | 'deleteMissing' | 'batchSize' | 'chunkRows' | 'maxRejects'>>;
}

export interface CopySettings {
  mode: 'full' | 'incremental';
  writeMode: JobWriteMode;
  createTables: boolean;
  deleteMissing: boolean;
  batchSize: number;
  chunkRows: number;
  /** Chunks copied at once, each on its own pair of sessions (the worker's copy-chunk concurrency). */
  concurrency: number;
  /** Rows the target may refuse before the copy fails (the job's maxRejects). */
  maxRejects: number;
  nul: 'strip' | 'reject';
  /** The salt a `mask: hash` transform hashes with (--salt, DBFERRY_SALT, or one made for this copy). */
  salt?: Buffer;
  /** --since: an incremental table's lower bound, instead of the target's largest value of its column. */
  since?: string;
}

export const DEFAULT_SETTINGS: CopySettings = {
  mode: 'full',
  writeMode: 'insert',
  createTables: true,
  deleteMissing: false,
  batchSize: 5000,
  chunkRows: 100_000,
  concurrency: 4,
  maxRejects: 0,
  nul: 'strip',
};

/** What a progress display hears. */
export interface CopyObserver {
  planned?(tables: { name: string; total: number }[]): void;
  progress?(table: number, rowsRead: number): void;
  tableDone?(table: number, result: TableCopyResult): void;
  note?(table: string, message: string): void;
}

export interface TableCopyResult {
  source: string;
  target: string;
  status: 'succeeded' | 'partial' | 'failed';
  rowsRead: number;
  rowsWritten: number;
  rowsDeleted: number;
  rejects: number;
  /** Up to 100 refused rows, by key. */
  rejected: { key: string[]; column?: string; error: string }[];
  warnings: string[];
  ddl: string[];
  chunks: number;
  retries: number;
  seconds: number;
  error?: string;
  /** An incremental table's read window: the column and the value read from (incremental.ts). */
  watermark?: TableWatermark;
}

export interface CopyResult {
  status: 'succeeded' | 'partial' | 'failed';
  tables: TableCopyResult[];
  rowsRead: number;
  rowsWritten: number;
  seconds: number;
  /** Seconds before the first chunk could start: connect, plan, DDL, split. */
  setupSeconds: number;
}

const qualified = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
const MAX_ATTEMPTS = 6;
const BACKOFF_MS = 100;
const REJECTS_SHOWN = 100;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const keyText = (row: RejectedRow) => row.key.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : String(v)));

interface TableState {
  snapshot?: TableSnapshot;
  result: TableCopyResult;
  losses: ValueLoss[];
  rejects: RejectedRow[];
  chunksLeft: number;
  started: number;
  /** Rows read by chunks finished, and by each running chunk so far. */
  doneRows: number;
  running: Map<number, number>;
  /** Rows expected (the catalogue's estimate, else counted), for the progress display. */
  total: number;
  maxRejects: number;
  /** The table was created without its key (snapshot.deferredKey) and the key is not built yet. */
  keyPending?: boolean;
}

/**
 * A one-shot copy in this process, the way a run is executed by the worker: the tables planned
 * (planTablesEach), the DDL run, each table frozen into a snapshot (snapshotTable) and split into
 * key ranges, then every chunk copied by copyChunk on `concurrency` slots, each holding its own
 * source and target sessions. A transient error retries the chunk (its write is replace-range or
 * upsert, so a retry rewrites the same rows); a terminal one fails the chunk's table only. A
 * table the copy creates may be loaded without its primary key and keyed once its chunks are done
 * (buildDeferredKey, as finish-run does).
 */
export async function copyTables(source: Endpoint, target: Endpoint, tables: CopyTableSpec[], settings: CopySettings, observer: CopyObserver = {}): Promise<CopyResult> {
  const started = performance.now();
  const states: TableState[] = [];
  const chunks: { table: number; range: KeyRange; id: number }[] = [];
  const planning: OpenEndpoint[] = [];
  const blank = (src: string, tgt: string): TableCopyResult => ({
    source: src, target: tgt, status: 'succeeded', rowsRead: 0, rowsWritten: 0, rowsDeleted: 0, rejects: 0, rejected: [], warnings: [], ddl: [], chunks: 0, retries: 0, seconds: 0,
  });
  try {
    const src = await openEndpoint(source);
    planning.push(src);
    const tgt = await openEndpoint(target, { create: settings.createTables });
    planning.push(tgt);
    const planned = await planTablesEach({
      source: { dialect: source.spec.dialect, session: src.session },
      target: { dialect: target.spec.dialect, session: tgt.session, defaultSchema: target.defaultSchema },
      tables,
      // As plan-run: a full copy replacing key ranges builds the key of a table it creates after the load.
      options: { createTables: settings.createTables, evolveSchema: false, deferKeys: defersKeys(settings) },
    });
    for (const failure of planned.failures) {
      states.push({ result: { ...blank(qualified(failure.source), qualified(failure.target)), status: 'failed', error: failure.reason }, losses: [], rejects: [], chunksLeft: 0, started: 0, doneRows: 0, running: new Map(), total: 0, maxRejects: settings.maxRejects });
    }
    for (const plan of planned.plans) {
      const state: TableState = { result: blank(qualified(plan.source), qualified(plan.target)), losses: [], rejects: [], chunksLeft: 0, started: 0, doneRows: 0, running: new Map(), total: 0, maxRejects: settings.maxRejects };
      states.push(state);
      const own = { ...settings, ...tables[plan.specIndex]?.settings };
      state.maxRejects = own.maxRejects;
      try {
        if (plan.ddl.length) await tgt.data.execute(plan.ddl);
        state.result.ddl = plan.ddl;
        // Created bare: keyed after the load, or now (empty) should this table fail before it is loaded.
        state.keyPending = !!plan.deferredKey && plan.ddl.length > 0;
        for (const m of plan.mapping) if (m.lossy) state.result.warnings.push(`${m.column}: ${m.lossy.description}`);
        const window = await incrementalWindow({ plan, mode: own.mode, sourceDialect: source.spec.dialect, target: { dialect: target.spec.dialect, data: tgt.data }, since: settings.since });
        if (window.watermark) state.result.watermark = window.watermark;
        if (window.note) state.result.warnings.push(window.note);
        const snapshot = await snapshotTable({
          plan,
          source: { dialect: source.spec.dialect, data: src.data },
          target: { dialect: target.spec.dialect, data: tgt.data, serverVersion: tgt.session.serverVersion },
          job: { mode: own.mode, writeMode: own.writeMode, deleteMissing: own.deleteMissing, batchSize: own.batchSize, nul: own.nul, maxRejects: own.maxRejects },
          stagingTag: randomUUID(),
          ...(window.since !== undefined && { since: window.since }),
        });
        state.snapshot = snapshot;
        // A deferral the write mode cannot use was built by snapshotTable, on the empty table.
        if (!snapshot.deferredKey && state.keyPending) {
          state.keyPending = false;
          state.result.ddl = [...plan.ddl, ...(plan.deferredKey as string[])];
        }
        // An incremental window is counted: the catalogue's estimate is the whole table's.
        const estimate = plan.rowEstimate && plan.rowEstimate > 0 && window.since === undefined ? plan.rowEstimate : await countRows(src.data, plan.source, plan.resumable ? keyColumnsOf(plan) : plan.columns.slice(0, 1), snapshot.where);
        const parts = plan.resumable ? chunkCount(estimate, own.chunkRows, settings.concurrency) : 1;
        const ranges = parts === 1 ? [{}] : await src.data.reader.splitRanges(plan.source, keyColumnsOf(plan), parts, snapshot.where);
        state.result.chunks = ranges.length;
        state.chunksLeft = ranges.length;
        state.total = estimate;
        if (!plan.resumable) observer.note?.(state.result.source, 'no usable key: copied whole into a staging table and swapped in at the end');
        for (const range of ranges) chunks.push({ table: states.length - 1, range, id: chunks.length });
      } catch (error) {
        if (state.keyPending && plan.deferredKey) {
          // Never left keyless: it is empty, so the key is built now.
          await keyBareTable(tgt.data, plan.target, plan.deferredKey).catch(() => undefined);
          state.keyPending = false;
        }
        if (!isTerminal(error)) throw error;
        state.result.status = 'failed';
        state.result.error = `table ${state.result.source}: ${(error as Error).message}`;
      }
    }
  } catch (error) {
    // The copy stops before any chunk: the tables it created bare are empty, keyed now.
    const tgt = planning[1];
    for (const state of states) {
      if (!tgt || !state.keyPending || !state.snapshot?.deferredKey) continue;
      await keyBareTable(tgt.data, state.snapshot.target.table, state.snapshot.deferredKey.statements).catch(() => undefined);
    }
    throw error;
  } finally {
    await Promise.allSettled(planning.map((p) => p.session.close()));
  }
  const setupSeconds = (performance.now() - started) / 1000;
  observer.planned?.(states.map((s) => ({ name: s.result.source, total: s.total })));

  // A table whose target caps the chunks loading it at once (Dialect.tableLoadWriters) is given out that many at a time.
  const queue = new CappedQueue(chunks, (table) => states[table]?.snapshot?.target.loadWriters);
  const slot = async (): Promise<void> => {
    let ends: { src: OpenEndpoint; tgt: OpenEndpoint } | undefined;
    try {
      for (let chunk = await queue.take(); chunk; queue.giveBack(chunk), chunk = await queue.take()) {
        const state = states[chunk.table] as TableState;
        if (state.result.status === 'failed' || !state.snapshot) continue;
        if (!state.started) state.started = performance.now();
        for (let attempt = 1; ; attempt++) {
          try {
            if (!ends) {
              const src = await openEndpoint(source);
              ends = { src, tgt: await openEndpoint(target).catch(async (e) => { await src.session.close().catch(() => undefined); throw e; }) };
            }
            const { src, tgt } = ends;
            const result = await copyChunk(state.snapshot, chunk.range, {
              source: src.data,
              target: tgt.data,
              // No earlier attempt of this chunk can have left rows in its range (a deferred key's first load skips the delete).
              firstAttempt: attempt === 1,
              rejectsElsewhere: state.rejects.length,
              ...(settings.salt && { salt: settings.salt }),
              onProgress: (rows) => {
                state.running.set(chunk.id, rows);
                observer.progress?.(chunk.table, state.doneRows + [...state.running.values()].reduce((a, b) => a + b, 0));
              },
            });
            state.running.delete(chunk.id);
            state.doneRows += result.rowsRead;
            state.result.rowsRead += result.rowsRead;
            state.result.rowsWritten += result.rowsWritten;
            state.result.rowsDeleted += result.rowsDeleted;
            state.rejects.push(...result.rejects);
            state.losses = sumValueLosses(state.losses, result.warnings);
            observer.progress?.(chunk.table, state.doneRows + [...state.running.values()].reduce((a, b) => a + b, 0));
            break;
          } catch (error) {
            state.running.delete(chunk.id);
            if (error instanceof RejectLimitError) state.rejects.push(...error.rejects);
            if (isTerminal(error) || attempt >= MAX_ATTEMPTS) {
              state.result.status = 'failed';
              state.result.error = `table ${state.result.source}: ${(error as Error).message}`;
              break;
            }
            // A lost session is reopened for the retry.
            state.result.retries++;
            if (ends) await Promise.allSettled([ends.src.session.close(), ends.tgt.session.close()]);
            ends = undefined;
            await sleep(BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random()));
          }
        }
        if (--state.chunksLeft === 0 && state.result.status !== 'failed') await buildKey(state);
        if (state.chunksLeft === 0 || state.result.status === 'failed') settle(state, chunk.table);
      }
    } finally {
      if (ends) await Promise.allSettled([ends.src.session.close(), ends.tgt.session.close()]);
    }
  };
  /**
   * Builds the key of a table created without it (buildDeferredKey: idempotent, one count). Copied
   * whole, the table must hold exactly the rows written, else it fails with the reason; a failed
   * table is keyed on the rows it got (once every chunk has stopped), a failure there said in its warnings.
   */
  const buildKey = async (state: TableState): Promise<void> => {
    if (!state.keyPending || !state.snapshot) return;
    state.keyPending = false;
    const whole = state.result.status !== 'failed';
    const statements = state.snapshot.deferredKey?.statements.join('; ') ?? '';
    for (let attempt = 1; ; attempt++) {
      let tgt: OpenEndpoint | undefined;
      try {
        tgt = await openEndpoint(target);
        const outcome = await buildDeferredKey(state.snapshot, tgt.data, whole ? state.result.rowsWritten : undefined);
        if (outcome.built) state.result.ddl = [...state.result.ddl, ...(state.snapshot.deferredKey?.statements ?? [])];
        if (!whole) state.result.warnings.push('not copied whole: its primary key was built on the rows copied');
        return;
      } catch (error) {
        if (!isTerminal(error) && attempt < MAX_ATTEMPTS) {
          await sleep(BACKOFF_MS * 2 ** (attempt - 1));
          continue;
        }
        const message = `primary key not built: ${(error as Error).message}; the table has none until it is built: ${statements}`;
        if (whole) {
          state.result.status = 'failed';
          state.result.error = `table ${state.result.source}: ${message}`;
        } else state.result.warnings.push(message);
        return;
      } finally {
        await tgt?.session.close().catch(() => undefined);
      }
    }
  };
  const settled = new Set<number>();
  const settle = (state: TableState, index: number) => {
    if (settled.has(index)) return;
    settled.add(index);
    const r = state.result;
    r.rejects = state.rejects.length;
    r.rejected = state.rejects.slice(0, REJECTS_SHOWN).map((row) => ({ key: keyText(row), ...(row.column && { column: row.column }), error: row.error }));
    r.warnings.push(...state.losses.map((l) => describeValueLoss(l)));
    r.seconds = state.started ? (performance.now() - state.started) / 1000 : 0;
    if (r.status !== 'failed' && r.rejects > state.maxRejects) {
      r.status = 'failed';
      r.error = `table ${r.source}: ${r.rejects} row(s) rejected by the target, more than maxRejects ${state.maxRejects}`;
    } else if (r.status !== 'failed' && r.rejects > 0) r.status = 'partial';
    observer.tableDone?.(index, r);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.concurrency, chunks.length)) }, slot));
  // Every chunk has stopped: a table that failed part-way still gets its key, on the rows it got.
  for (const state of states) await buildKey(state);
  for (const [index, state] of states.entries()) settle(state, index);

  const results = states.map((s) => s.result);
  const status = results.some((r) => r.status === 'failed') ? 'failed' : results.some((r) => r.status === 'partial') ? 'partial' : 'succeeded';
  return {
    status,
    tables: results,
    rowsRead: results.reduce((a, r) => a + r.rowsRead, 0),
    rowsWritten: results.reduce((a, r) => a + r.rowsWritten, 0),
    seconds: (performance.now() - started) / 1000,
    setupSeconds,
  };
}
