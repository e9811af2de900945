/**
 * A dbferry copy driven the way the worker drives the engine: plan the table (planTables,
 * createTables on), run its DDL, split it into key ranges with reader.splitRanges, then copy
 * the ranges with `concurrency` slots, each slot holding its own source and target session
 * and running one copyRange at a time (a worker's copy-chunk concurrency).
 */
import type { DataPlane, DialectName, DialectSession, KeyRange, NeutralColumn, TableRef, ValueLoss } from '@dbferry/dialects-core';
import { describeValueLoss, parseConnectionUrl, sumValueLosses } from '@dbferry/dialects-core';
import { defaultSchema, dialectFor } from '@dbferry/dialects';
import { chunkWriteMode, copyRange, keyOrderAgrees, planTables } from '@dbferry/engine';

export interface Endpoint {
  dialect: DialectName;
  url: string;
  table: TableRef;
}

export interface DbferryCopyInput {
  source: Endpoint;
  target: Endpoint;
  concurrency: number;
  chunkRows: number;
  batchSize: number;
  /** Rows the caller generated; used when the catalogue has no estimate. */
  expectedRows: number;
  /**
   * The worker's row-count guard (copyRange `verify: 'range'`, issue 8): on unless false. Only
   * keys both sides order alike are copied here (replace-range), as the worker would.
   */
  guard?: boolean;
}

export interface DbferryCopyResult {
  rowsRead: number;
  rowsWritten: number;
  ranges: number;
  warnings: string[];
  /** Range copies retried after a transient error (deadlock, lost connection), as the worker would. */
  retries: number;
  retryErrors: string[];
  /** Seconds spent before the first range started (connect, plan, DDL, split). */
  setupSeconds: number;
  columns: NeutralColumn[];
  keyColumns: string[];
}

const CONNECT_TIMEOUT_MS = 15_000;
/** Attempts per range: the worker retries transient errors with exponential backoff and jitter. */
const MAX_ATTEMPTS = 6;
const BACKOFF_MS = 50;

const isTransient = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'transient' in error && (error as { transient: unknown }).transient === true;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function open(endpoint: Endpoint): Promise<DialectSession> {
  const spec = { dialect: endpoint.dialect, ...parseConnectionUrl(endpoint.dialect, endpoint.url) };
  return dialectFor(endpoint.dialect).connect(spec, { timeoutMs: CONNECT_TIMEOUT_MS });
}

export function dataOf(session: DialectSession, role: string): DataPlane {
  if (!session.data) throw new Error(`the ${role} dialect has no data plane`);
  return session.data;
}

async function closeAll(sessions: DialectSession[]): Promise<void> {
  await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
}

export async function dbferryCopy(input: DbferryCopyInput): Promise<DbferryCopyResult> {
  const started = performance.now();
  const planning: DialectSession[] = [];
  let ranges: KeyRange[];
  let columns: NeutralColumn[];
  let keyColumns: string[];
  let source: TableRef;
  let target: TableRef;
  try {
    const sourceSession = await open(input.source);
    planning.push(sourceSession);
    const targetSession = await open(input.target);
    planning.push(targetSession);
    const targetSpec = { dialect: input.target.dialect, ...parseConnectionUrl(input.target.dialect, input.target.url) };
    const [plan] = await planTables({
      source: { dialect: input.source.dialect, session: sourceSession },
      target: { dialect: input.target.dialect, session: targetSession, defaultSchema: defaultSchema(targetSpec) },
      tables: [{ source: `${input.source.table.schema}.${input.source.table.name}`, target: `${input.target.table.schema}.${input.target.table.name}` }],
      options: { createTables: true, evolveSchema: false },
    });
    if (!plan) throw new Error('the planner returned no table');
    if (!plan.resumable) throw new Error(`${plan.source.name} has no usable key`);
    if (plan.ddl.length) await dataOf(targetSession, 'target').execute(plan.ddl);
    ({ columns, keyColumns, source, target } = plan);
    const keys = keyColumns.map((k) => columns.find((c) => c.name === k) as NeutralColumn);
    if (!keyOrderAgrees(dataOf(sourceSession, 'source'), dataOf(targetSession, 'target'), keys, keys)) throw new Error(`${plan.source.name}: the two databases order its key differently; the worker would upsert it, which this bench does not time`);
    const rows = plan.rowEstimate && plan.rowEstimate > 0 ? plan.rowEstimate : input.expectedRows;
    const parts = Math.max(input.concurrency, Math.ceil(rows / input.chunkRows));
    ranges = await dataOf(sourceSession, 'source').reader.splitRanges(source, keys, parts, plan.where);
  } finally {
    await closeAll(planning);
  }
  const setupSeconds = (performance.now() - started) / 1000;

  const mode = chunkWriteMode('insert');
  const queue = [...ranges];
  let losses: ValueLoss[] = [];
  let rowsRead = 0;
  let rowsWritten = 0;
  let retries = 0;
  const retryErrors = new Set<string>();
  const controller = new AbortController();

  const slot = async (): Promise<void> => {
    const sessions: DialectSession[] = [];
    try {
      const sourceSession = await open(input.source);
      sessions.push(sourceSession);
      const targetSession = await open(input.target);
      sessions.push(targetSession);
      for (let range = queue.shift(); range; range = queue.shift()) {
        const copy = () =>
          copyRange({
            source: dataOf(sourceSession, 'source'),
            target: dataOf(targetSession, 'target'),
            from: source,
            to: target,
            columns,
            keyColumns,
            range,
            mode,
            verify: input.guard === false ? undefined : 'range',
            batchSize: input.batchSize,
            unordered: dialectFor(input.target.dialect).capabilities.unorderedWrites === true,
            signal: controller.signal,
          });
        let result: Awaited<ReturnType<typeof copyRange>> | undefined;
        for (let attempt = 1; !result; attempt++) {
          try {
            result = await copy();
          } catch (error) {
            // replace-range makes the retry idempotent: the range is deleted again in the new transaction.
            if (!isTransient(error) || attempt >= MAX_ATTEMPTS || controller.signal.aborted) throw error;
            retries++;
            retryErrors.add((error as Error).message.slice(0, 200));
            await sleep(BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random()));
          }
        }
        rowsRead += result.rowsRead;
        rowsWritten += result.rowsWritten;
        losses = sumValueLosses(losses, result.warnings);
      }
    } catch (error) {
      // One slot out of retries stops the others.
      if (!controller.signal.aborted) controller.abort(error instanceof Error ? new Error(`${error.message} (after ${retries} range retries in this copy)`) : error);
      throw error;
    } finally {
      await closeAll(sessions);
    }
  };
  const slots = Math.min(input.concurrency, ranges.length);
  const outcomes = await Promise.allSettled(Array.from({ length: slots }, slot));
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  // The first slot to fail aborted the others: report its error, not their "aborted".
  if (failed) throw controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : failed.reason;
  return { rowsRead, rowsWritten, ranges: ranges.length, warnings: losses.map((w) => describeValueLoss(w)), retries, retryErrors: [...retryErrors], setupSeconds, columns, keyColumns };
}
