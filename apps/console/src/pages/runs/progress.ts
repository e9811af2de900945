/**
 * Live progress of a run's tables from the snapshots its event stream sends: the API gives
 * rows and chunks so far (and a rows/s averaged since the run started); the current rate and
 * the time left are worked out here from successive snapshots.
 */

/** What a snapshot says of one table (a subset of the API's RunTableView). */
export interface TableCounters {
  status: string;
  rowsWritten: number | string;
  chunksDone: number;
  chunksTotal: number;
  /** Rows/s averaged since the run started (the API's figure). */
  rowsPerSecond: number | null;
}

/** One observation of a table: when the console received it, and the rows written by then. */
export interface Sample {
  at: number;
  rows: number;
}

/** How far back the current rate looks: long enough to smooth chunk steps, short enough to follow a change. */
export const RATE_WINDOW_MS = 15_000;
/** Samples kept per table (the stream sends at most one a second). */
const MAX_SAMPLES = 60;

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

export const isEnded = (status: string) => ENDED.has(status);

/** Counters may arrive as decimal strings past 2^53; progress only needs them approximately. */
export const toNumber = (value: number | string | null | undefined): number => (value === null || value === undefined ? 0 : Number(value) || 0);

/** Percent of the table done, by chunks (a table is planned as key ranges of about chunkRows rows each). */
export function percentDone(table: Pick<TableCounters, 'status' | 'chunksDone' | 'chunksTotal'>): number {
  if (table.status === 'succeeded') return 100;
  if (table.chunksTotal <= 0) return 0;
  return Math.min(100, Math.floor((table.chunksDone / table.chunksTotal) * 100));
}

/** The run as a whole, by chunks over every table. */
export function runPercent(tables: Pick<TableCounters, 'status' | 'chunksDone' | 'chunksTotal'>[], runStatus: string): number {
  if (runStatus === 'succeeded') return 100;
  const total = tables.reduce((n, t) => n + t.chunksTotal, 0);
  if (total <= 0) return 0;
  return Math.min(100, Math.floor((tables.reduce((n, t) => n + Math.min(t.chunksDone, t.chunksTotal), 0) / total) * 100));
}

/** The samples with a new observation added: a repeat of the last count adds nothing, old ones fall out. */
export function addSample(samples: Sample[], sample: Sample): Sample[] {
  const last = samples[samples.length - 1];
  if (last && last.rows === sample.rows) return samples;
  // A count that went down (a chunk retried from its start) starts the window again.
  const kept = last && sample.rows < last.rows ? [] : samples;
  return [...kept, sample].slice(-MAX_SAMPLES);
}

/**
 * Rows per second now: the rows written over the last RATE_WINDOW_MS of samples, measured up
 * to `now` (a table that has stopped moving slows down rather than keeping its last speed).
 * Falls back to the API's average since the run started while there are too few samples.
 */
export function currentRate(samples: Sample[], now: number, fallback: number | null): number | null {
  const recent = samples.filter((s) => s.at >= now - RATE_WINDOW_MS);
  const last = samples[samples.length - 1];
  if (!last) return fallback;
  // The window starts at the sample before the first recent one, so two samples always span it.
  const firstRecent = recent.length ? samples.indexOf(recent[0]) : samples.length - 1;
  const start = samples[Math.max(0, firstRecent - 1)];
  if (start === last) return fallback;
  const seconds = (Math.max(now, last.at) - start.at) / 1000;
  if (seconds <= 0) return fallback;
  return (last.rows - start.rows) / seconds;
}

/**
 * Seconds left for a table: the rows of the chunks not yet done (estimated from the rows per
 * chunk so far) at the current rate. Null when it cannot be told (nothing done yet, no rate)
 * or the table has ended.
 */
export function etaSeconds(table: TableCounters, rate: number | null): number | null {
  if (isEnded(table.status) || table.chunksTotal <= 0) return null;
  if (table.chunksDone >= table.chunksTotal) return 0;
  const rows = toNumber(table.rowsWritten);
  if (table.chunksDone <= 0 || rows <= 0 || !rate || rate <= 0) return null;
  const remaining = (rows / table.chunksDone) * (table.chunksTotal - table.chunksDone);
  return remaining / rate;
}

/** 75 → "1 min 15 s", 4000 → "1 h 7 min"; for durations and ETAs. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const h = Math.floor(s / 3600);
  if (h < 48) return `${h} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** A rate as people read it: "8,571 rows/s"; "—" when unknown. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${Math.round(rate).toLocaleString('en-US')} rows/s`;
}
