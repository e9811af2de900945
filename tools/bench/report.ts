/** The results: one line per case, the ratios issue 4 sets as targets, and the JSON file. */
import type { CaseId } from './args';
import { overheadOf, type RunPhases } from './e2e';

/**
 * 'dbferry': the engine copy alone; 'dbferry end-to-end': POST run → succeeded through the API, the queue and one worker;
 * 'dbferry CLI': `dbferry copy -f` one-shot, the same engine in the CLI's process.
 */
export type Tool = 'dbferry' | 'dbferry end-to-end' | 'dbferry CLI' | 'psql binary COPY pipe' | 'mysqldump | mysql' | 'psql CSV | LOAD DATA' | 'pgloader';

export interface CaseResult {
  group: CaseId;
  tool: Tool;
  route: string;
  table: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** dbferry copies only: the benchmark process's peak RSS while the copy ran. */
  peakRssBytes?: number;
  /** dbferry copies only: RSS of the copy's process (modules loaded) when the copy started. */
  startRssBytes?: number;
  /** dbferry copies only: at the RSS peak, the V8 heap (reserved, used) and the memory outside it. */
  peakMemory?: { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  /** dbferry copies only. */
  ranges?: number;
  setupSeconds?: number;
  retries?: number;
  retryErrors?: string[];
  checksum?: 'match' | 'mismatch' | 'not run';
  /** End-to-end cases only: where the run's time went, from the control store's timestamps. */
  phases?: RunPhases;
  phasesError?: string;
  /** End-to-end cases only: the worker's peak RSS since it started (VmHWM), read after this case. */
  workerPeakRssBytes?: number;
  /** CPU seconds the PostgreSQL backends of the bench's databases used during the case (BackendCpu). */
  serverCpuSeconds?: number;
  /** The same, per database (the source's readers, the target's writers). */
  serverCpuByDatabase?: Record<string, number>;
  /** CPU seconds of dbferry's process during the case: the engine copy's child, or the worker end to end. */
  copierCpuSeconds?: number;
  /** End-to-end cases only: the API's CPU seconds during the run (the bench's polling included). */
  apiCpuSeconds?: number;
  warnings?: string[];
  skipped?: string;
  error?: string;
}

export interface RatioResult {
  name: string;
  group: CaseId;
  /** Whose rows/s: the engine copy or the end-to-end run. */
  tool: Tool;
  baseline: Tool;
  target: number;
  ratio: number | null;
  met: boolean | null;
  note?: string;
}

/**
 * dbferry rows/s ÷ baseline rows/s: issue 4's targets for the engine copy, issue 10's (item 6)
 * for the end-to-end run.
 */
export const RATIO_TARGETS: { group: CaseId; name: string; tool: Tool; baseline: Tool; target: number }[] = [
  { group: 'pg-pg', name: 'PG→PG orders / psql binary pipe', tool: 'dbferry', baseline: 'psql binary COPY pipe', target: 0.8 },
  { group: 'pg-pg', name: 'PG→PG orders / psql binary pipe', tool: 'dbferry end-to-end', baseline: 'psql binary COPY pipe', target: 0.85 },
  { group: 'pg-pg-events', name: 'PG→PG events / psql binary pipe', tool: 'dbferry', baseline: 'psql binary COPY pipe', target: 0.8 },
  { group: 'mariadb-pg', name: 'MariaDB→PG / pgloader', tool: 'dbferry', baseline: 'pgloader', target: 2 },
  { group: 'mariadb-pg', name: 'MariaDB→PG / pgloader', tool: 'dbferry end-to-end', baseline: 'pgloader', target: 3 },
  { group: 'mariadb-mariadb', name: 'MariaDB→MariaDB / mysqldump | mysql', tool: 'dbferry', baseline: 'mysqldump | mysql', target: 1 },
  { group: 'pg-mariadb', name: 'PG→MariaDB / psql CSV | LOAD DATA', tool: 'dbferry', baseline: 'psql CSV | LOAD DATA', target: 0.7 },
  { group: 'pg-mariadb', name: 'PG→MariaDB / psql CSV | LOAD DATA', tool: 'dbferry end-to-end', baseline: 'psql CSV | LOAD DATA', target: 0.75 },
  // Issue 15: the one-shot CLI within 10% of the engine's own figure.
  { group: 'pg-pg', name: 'PG→PG orders: dbferry copy CLI / engine copy', tool: 'dbferry CLI', baseline: 'dbferry', target: 0.9 },
];

export const RSS_TARGET_BYTES = 300 * 1024 * 1024;

/** The run's own overhead above this share of the copy is to be profiled and explained (issue 10, item 6). */
export const OVERHEAD_SHARE_LIMIT = 0.05;

const ok = (r: CaseResult | undefined): r is CaseResult => !!r && !r.skipped && !r.error && r.seconds > 0;

export function computeRatios(results: CaseResult[]): RatioResult[] {
  const out: RatioResult[] = [];
  for (const t of RATIO_TARGETS) {
    const ours = results.find((r) => r.group === t.group && r.tool === t.tool);
    const theirs = results.find((r) => r.group === t.group && r.tool === t.baseline);
    if (!ours && !theirs) continue;
    if (!ok(ours) || !ok(theirs)) {
      const why = [ours, theirs].map((r) => r?.skipped ?? r?.error).find((w) => w !== undefined) ?? (ours ? 'baseline not run' : `${t.tool} not run`);
      out.push({ ...t, ratio: null, met: null, note: why });
      continue;
    }
    const ratio = ours.rowsPerSecond / theirs.rowsPerSecond;
    out.push({ ...t, ratio, met: ratio >= t.target });
  }
  return out;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function pad(cells: string[][]): string {
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length))) ?? [];
  return cells
    .map((row) => row.map((cell, i) => (i >= 3 && i <= 5 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

const sec = (seconds: number): string => `${seconds.toFixed(2)} s`;

/** One line of a run's phases: where the end-to-end time went. */
export function formatPhases(phases: RunPhases): string {
  const overhead = overheadOf(phases);
  return (
    `${phases.chunks} chunks; to plan ${sec(phases.toPlan)}, plan ${sec(phases.plan)}, to first chunk ${sec(phases.toFirstChunk)}, ` +
    `copy ${sec(phases.copy)}` +
    (phases.chunkSetup === undefined ? '' : ` (chunks' own setup ${sec(phases.chunkSetup)} of ${sec(phases.chunkTotal)} summed)`) +
    `, finish ${sec(phases.finish)}, seen ${sec(phases.observed)}; ` +
    `overhead ${sec(overhead.seconds)} = ${(overhead.shareOfCopy * 100).toFixed(1)}% of the copy` +
    (overhead.shareOfCopy > OVERHEAD_SHARE_LIMIT ? ` (over ${OVERHEAD_SHARE_LIMIT * 100}%)` : '')
  );
}

const verdictOf = (q: RatioResult | undefined): string => {
  if (!q) return '-';
  if (q.met === null) return `not measured (${(q.note ?? '').slice(0, 60)})`;
  return `${q.ratio?.toFixed(2)}× ≥ ${q.target}× ${q.met ? 'MET' : `MISSED by ${((1 - (q.ratio ?? 0) / q.target) * 100).toFixed(0)}%`}`;
};

export function formatReport(results: CaseResult[], ratios: RatioResult[], workerPeakRssBytes?: number | null): string {
  const rows: string[][] = [['case', 'tool', 'table', 'rows', 'seconds', 'rows/s', 'peak RSS', 'notes']];
  for (const r of results) {
    const notes = [
      r.skipped ? `skipped: ${r.skipped}` : '',
      r.error ? `FAILED: ${r.error.split('\n')[0]?.slice(0, 160) ?? ''}` : '',
      r.ranges ? `${r.ranges} ranges, setup ${r.setupSeconds?.toFixed(2) ?? '?'} s` : '',
      r.retries ? `${r.retries} range retries` : '',
      r.checksum && r.checksum !== 'not run' ? `checksum ${r.checksum}` : '',
      r.phases ? formatPhases(r.phases) : '',
      r.phasesError ? `phases unknown: ${r.phasesError}` : '',
      r.serverCpuSeconds !== undefined
        ? `PostgreSQL backends' CPU ${sec(r.serverCpuSeconds)}` +
          (r.serverCpuByDatabase ? ` (${Object.entries(r.serverCpuByDatabase).map(([d, s]) => `${d} ${s.toFixed(2)}`).join(', ')})` : '')
        : '',
      r.copierCpuSeconds !== undefined ? `${r.phases ? "the worker's" : "the copy process's"} CPU ${sec(r.copierCpuSeconds)}` : '',
      r.apiCpuSeconds !== undefined ? `the API's ${sec(r.apiCpuSeconds)}` : '',
    ].filter(Boolean);
    const done = !r.skipped && !r.error;
    rows.push([
      r.route,
      r.tool,
      r.table,
      done ? String(r.rows) : '-',
      done ? r.seconds.toFixed(2) : '-',
      done ? Math.round(r.rowsPerSecond).toLocaleString('en-US') : '-',
      r.peakRssBytes
        ? `${mb(r.peakRssBytes)} (start ${mb(r.startRssBytes ?? 0)}` +
          (r.peakMemory ? `; heap ${mb(r.peakMemory.heapUsed)}/${mb(r.peakMemory.heapTotal)}, buffers ${mb(r.peakMemory.arrayBuffers)}` : '') +
          ')'
        : r.workerPeakRssBytes
          ? `worker ${mb(r.workerPeakRssBytes)} so far`
          : '',
      notes.join('; '),
    ]);
  }
  const cli = ratios.filter((q) => q.tool === 'dbferry CLI');
  const names = [...new Set(ratios.filter((q) => q.tool !== 'dbferry CLI').map((q) => q.name))];
  const table: string[][] = [['Targets (dbferry rows/s ÷ baseline rows/s)', 'engine copy', 'end-to-end (POST run → succeeded)']];
  for (const name of names) {
    const of = (tool: Tool) => ratios.find((q) => q.name === name && q.tool === tool);
    table.push([name, verdictOf(of('dbferry')), verdictOf(of('dbferry end-to-end'))]);
  }
  const widths = [0, 1, 2].map((i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  const lines = [pad(rows), '', ...table.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('   ').trimEnd()}`)];
  for (const q of cli) lines.push(`  ${q.name.padEnd(widths[0] ?? 0)}   ${verdictOf(q)}`);
  const peaks = results.map((r) => r.peakRssBytes ?? 0);
  if (peaks.some((p) => p > 0)) {
    const peak = Math.max(...peaks);
    lines.push(`  ${'peak RSS of the engine copy processes'.padEnd(widths[0] ?? 0)}   ${mb(peak)} < ${mb(RSS_TARGET_BYTES)} ${peak < RSS_TARGET_BYTES ? 'MET' : 'MISSED'}`);
  }
  if (workerPeakRssBytes) {
    lines.push(
      `  ${'peak RSS of the end-to-end worker (VmHWM)'.padEnd(widths[0] ?? 0)}   ${' '.repeat(widths[1] ?? 0)}   ` +
        `${mb(workerPeakRssBytes)} < ${mb(RSS_TARGET_BYTES)} ${workerPeakRssBytes < RSS_TARGET_BYTES ? 'MET' : 'MISSED'}`,
    );
  }
  return lines.join('\n');
}
