/** The results: one line per case, the ratios issue 4 sets as targets, and the JSON file. */
import type { CaseId } from './args';

export type Tool = 'dbferry' | 'psql binary COPY pipe' | 'mysqldump | mysql' | 'psql CSV | LOAD DATA' | 'pgloader';

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
  warnings?: string[];
  skipped?: string;
  error?: string;
}

export interface RatioResult {
  name: string;
  group: CaseId;
  baseline: Tool;
  target: number;
  ratio: number | null;
  met: boolean | null;
  note?: string;
}

/** What issue 4 asks of each comparison: dbferry rows/s ÷ baseline rows/s. */
export const RATIO_TARGETS: { group: CaseId; name: string; baseline: Tool; target: number }[] = [
  { group: 'pg-pg', name: 'PG→PG orders / psql binary pipe', baseline: 'psql binary COPY pipe', target: 0.8 },
  { group: 'pg-pg-events', name: 'PG→PG events / psql binary pipe', baseline: 'psql binary COPY pipe', target: 0.8 },
  { group: 'mariadb-pg', name: 'MariaDB→PG / pgloader', baseline: 'pgloader', target: 2 },
  { group: 'mariadb-mariadb', name: 'MariaDB→MariaDB / mysqldump | mysql', baseline: 'mysqldump | mysql', target: 1 },
  { group: 'pg-mariadb', name: 'PG→MariaDB / psql CSV | LOAD DATA', baseline: 'psql CSV | LOAD DATA', target: 0.7 },
];

export const RSS_TARGET_BYTES = 300 * 1024 * 1024;

const ok = (r: CaseResult | undefined): r is CaseResult => !!r && !r.skipped && !r.error && r.seconds > 0;

export function computeRatios(results: CaseResult[]): RatioResult[] {
  const out: RatioResult[] = [];
  for (const t of RATIO_TARGETS) {
    const ours = results.find((r) => r.group === t.group && r.tool === 'dbferry');
    const theirs = results.find((r) => r.group === t.group && r.tool === t.baseline);
    if (!ours && !theirs) continue;
    if (!ok(ours) || !ok(theirs)) {
      const why = [ours, theirs].map((r) => r?.skipped ?? r?.error).find((w) => w !== undefined) ?? (ours ? 'baseline not run' : 'dbferry not run');
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

export function formatReport(results: CaseResult[], ratios: RatioResult[]): string {
  const rows: string[][] = [['case', 'tool', 'table', 'rows', 'seconds', 'rows/s', 'peak RSS', 'notes']];
  for (const r of results) {
    const notes = [
      r.skipped ? `skipped: ${r.skipped}` : '',
      r.error ? `FAILED: ${r.error.split('\n')[0]?.slice(0, 160) ?? ''}` : '',
      r.ranges ? `${r.ranges} ranges, setup ${r.setupSeconds?.toFixed(2) ?? '?'} s` : '',
      r.retries ? `${r.retries} range retries` : '',
      r.checksum && r.checksum !== 'not run' ? `checksum ${r.checksum}` : '',
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
        : '',
      notes.join('; '),
    ]);
  }
  const lines = [pad(rows), '', 'Targets (dbferry rows/s ÷ baseline rows/s):'];
  for (const q of ratios) {
    const verdict = q.met === null ? `not measured (${q.note ?? ''})` : `${q.ratio?.toFixed(2)}×  target ≥ ${q.target}×  ${q.met ? 'MET' : `MISSED by ${((1 - (q.ratio ?? 0) / q.target) * 100).toFixed(0)}%`}`;
    lines.push(`  ${q.name.padEnd(42)} ${verdict}`);
  }
  const peaks = results.map((r) => r.peakRssBytes ?? 0);
  if (peaks.some((p) => p > 0)) {
    const peak = Math.max(...peaks);
    lines.push(`  ${'peak RSS of the dbferry copies'.padEnd(42)} ${mb(peak)}  target < ${mb(RSS_TARGET_BYTES)}  ${peak < RSS_TARGET_BYTES ? 'MET' : 'MISSED'}`);
  }
  return lines.join('\n');
}
