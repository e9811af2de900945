import { redact } from './redact';

/** JSON for stdout: bigints as strings, buffers as hex, every secret redacted. */
export function toJson(value: unknown): string {
  return redact(
    JSON.stringify(
      value,
      (_key, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
          return Buffer.from((v as { data: number[] }).data).toString('hex');
        }
        return v;
      },
      2,
    ),
  );
}

export function printJson(value: unknown): void {
  process.stdout.write(`${toJson(value)}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${redact(line)}\n`);
}

/** A plain text table: a header, a rule, one line per row; numbers right-aligned. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function printTable(headers: string[], rows: (string | number)[][]): void {
  printLine(formatTable(headers, rows));
}

/** One line on stderr, secrets redacted. */
export function printErrorLine(line: string): void {
  process.stderr.write(`${redact(line)}\n`);
}
