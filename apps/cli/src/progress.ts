import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { CopyObserver, TableCopyResult } from './one-shot/copy-tables';
import { redact } from './redact';

const rate = (rows: number, seconds: number) => (seconds > 0 ? Math.round(rows / seconds) : 0);

const BAR_FORMAT = '{table} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}';

/**
 * The bar's width so that the whole line fits the terminal: cli-progress cuts a line at the
 * terminal's edge, and on an 80-column terminal a 40-wide bar cut off the rate and ETA.
 */
export function barWidth(columns: number | undefined, nameWidth: number, maxRows: number): number {
  const digits = String(Math.max(1, maxRows)).length;
  // Everything but the bar: the name, '100%', 'value/total', a rate of up to 8 digits, an ETA like '1h23m'.
  const fixed = BAR_FORMAT.replace(/\{[a-z_]+\}/g, '').length + nameWidth + 3 + 2 * digits + 8 + 6;
  return Math.max(10, Math.min(40, (columns && columns > 0 ? columns : 80) - 1 - fixed));
}

/** A bar per table on a terminal: rows, rows/s and ETA (stderr, so --json output on stdout stays clean). */
export function barProgress(stream: NodeJS.WriteStream = process.stderr): CopyObserver & { stop(): void } {
  let multi: MultiBar | undefined;
  const bars: { bar: SingleBar; started: number; name: string }[] = [];
  const width = { n: 0 };
  return {
    planned(tables) {
      width.n = Math.max(0, ...tables.map((t) => t.name.length));
      const barsize = barWidth(stream.columns, width.n, Math.max(0, ...tables.map((t) => t.total)));
      multi = new MultiBar({ stream, format: BAR_FORMAT, barsize, hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 10 }, Presets.shades_classic);
      for (const t of tables) bars.push({ bar: multi.create(Math.max(1, t.total), 0, { table: t.name.padEnd(width.n), rate: 0 }), started: 0, name: t.name });
    },
    progress(table, rows) {
      const b = bars[table];
      if (!b) return;
      if (!b.started) b.started = performance.now();
      if (rows > b.bar.getTotal()) b.bar.setTotal(rows);
      b.bar.update(rows, { rate: rate(rows, (performance.now() - b.started) / 1000) });
    },
    tableDone(table, result) {
      const b = bars[table];
      if (!b) return;
      b.bar.setTotal(Math.max(1, result.rowsRead));
      b.bar.update(result.rowsRead, { rate: rate(result.rowsRead, result.seconds), table: `${b.name.padEnd(width.n)}${result.status === 'failed' ? ' FAILED' : ''}` });
      b.bar.stop();
    },
    note(table, message) {
      const line = `${redact(`${table}: ${message}`)}\n`;
      if (multi) multi.log(line);
      else stream.write(line);
    },
    stop() {
      multi?.stop();
    },
  };
}

/** Plain lines without a terminal: each table's progress at most once a second, and its end. */
export function lineProgress(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`), everyMs = 1000): CopyObserver {
  const tables: { name: string; total: number; started: number; last: number }[] = [];
  return {
    planned(list) {
      for (const t of list) tables.push({ ...t, started: 0, last: 0 });
      write(`planned ${list.length} table(s)`);
    },
    progress(index, rows) {
      const t = tables[index];
      if (!t) return;
      const now = performance.now();
      if (!t.started) t.started = now;
      if (now - t.last < everyMs) return;
      t.last = now;
      const seconds = (now - t.started) / 1000;
      const pct = t.total > 0 ? ` (${Math.min(100, Math.floor((rows / t.total) * 100))}%)` : '';
      write(`${t.name}: ${rows}/${t.total} rows${pct}, ${rate(rows, seconds)} rows/s`);
    },
    tableDone(index, result: TableCopyResult) {
      const t = tables[index];
      const name = t?.name ?? result.source;
      if (result.status === 'failed') write(redact(`${name}: failed: ${result.error ?? 'unknown error'}`));
      else write(`${name}: ${result.status === 'partial' ? 'done with rejects' : 'done'}, ${result.rowsWritten} rows written in ${result.seconds.toFixed(1)} s (${rate(result.rowsRead, result.seconds)} rows/s)`);
    },
    note(table, message) {
      write(redact(`${table}: ${message}`));
    },
  };
}
