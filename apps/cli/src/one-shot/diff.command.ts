import type { TableRef } from '@dbferry/dialects-core';
import { compileGlob, diffTable, parseTableRef, planDiff } from '@dbferry/engine';
import { EXIT, type ExitCode, UsageError } from '../cli-error';
import { openEndpoint, parseEndpoint, qualifyTables } from '../endpoints';
import { intOption, listOption } from '../options';
import { formatTable, printErrorLine, printJson, printLine } from '../output';

export interface DiffOptions {
  tables?: string[];
  otherSchema?: string;
  keyColumns?: string;
  where?: string;
  concurrency?: string;
  limit?: string;
  check?: boolean;
  json?: boolean;
}

const REFERENCE = 'reference';
const OTHER = 'other';
const qualified = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

/**
 * The arbitration engine in this process: each table of REF_URL against the same table of
 * OTHER_URL (checksummed segments, bisected to the rows), listing the rows the other lacks
 * (missing), has alone (extra) and holds otherwise (different).
 */
export async function diffCommand(refUrl: string | undefined, otherUrl: string | undefined, options: DiffOptions): Promise<ExitCode> {
  const reference = parseEndpoint('REF_URL', refUrl);
  const other = parseEndpoint('OTHER_URL', otherUrl);
  const given = listOption(options.tables);
  if (!given) throw new UsageError("--tables: name the tables to compare, e.g. --tables 'sales.*'");
  const patterns = qualifyTables(given, reference);
  const keyColumns = listOption(options.keyColumns);
  const concurrency = intOption('--concurrency', options.concurrency, 1, 64);
  const limit = intOption('--limit', options.limit, 0) ?? 20;
  const ref = await openEndpoint(reference);
  const results = [];
  try {
    const oth = await openEndpoint(other);
    try {
      const tables: TableRef[] = [];
      for (const [i, pattern] of patterns.entries()) {
        const parsed = parseTableRef(pattern);
        if (!parsed) throw new UsageError(`--tables[${i}]: must be "schema.table" or "schema.*" (got "${pattern}")`);
        if (!parsed.pattern) tables.push({ schema: parsed.schema, name: parsed.name });
        else {
          const matches = compileGlob(parsed.name);
          const found = (await ref.session.listTables(parsed.schema)).filter((t) => matches(t.name));
          if (!found.length) throw new UsageError(`--tables[${i}]: no table of ${parsed.schema} matches ${parsed.name}`);
          tables.push(...found.map((t) => ({ schema: t.schema, name: t.name })));
        }
      }
      for (const table of tables) {
        const otherTable = { schema: options.otherSchema ?? (reference.spec.dialect === other.spec.dialect ? table.schema : other.defaultSchema), name: table.name };
        const started = performance.now();
        try {
          const snapshot = await planDiff({
            reference: { connectionId: REFERENCE, dialect: reference.spec.dialect, data: ref.data, table, ...(options.where && { where: options.where }) },
            others: [{ connectionId: OTHER, dialect: other.spec.dialect, data: oth.data, table: otherTable }],
            ...(keyColumns && { keyColumns }),
          });
          const found = await diffTable(snapshot, { reference: ref.data, others: { [OTHER]: oth.data } }, { ...(concurrency && { concurrency }) });
          const rows = found.byConnection[OTHER] as NonNullable<(typeof found.byConnection)[string]>;
          results.push({
            table: qualified(table),
            other: qualified(otherTable),
            status: 'compared' as const,
            rowsCompared: found.rowsCompared,
            missing: rows.missing.length,
            extra: rows.extra.length,
            different: rows.different.length,
            keys: { missing: rows.missing.slice(0, limit), extra: rows.extra.slice(0, limit), different: rows.different.slice(0, limit) },
            notes: found.notes.map((n) => `${n.column}: ${n.note}`),
            seconds: (performance.now() - started) / 1000,
          });
        } catch (error) {
          results.push({ table: qualified(table), other: qualified(otherTable), status: 'failed' as const, error: (error as Error).message });
        }
      }
    } finally {
      await oth.session.close().catch(() => undefined);
    }
  } finally {
    await ref.session.close().catch(() => undefined);
  }
  const failed = results.some((r) => r.status === 'failed');
  const differs = results.some((r) => r.status === 'compared' && r.missing + r.extra + r.different > 0);
  const code = failed || (options.check && differs) ? EXIT.failed : EXIT.ok;
  if (options.json) {
    printJson({ equal: !failed && !differs, tables: results, exitCode: code });
    return code;
  }
  printLine(
    formatTable(
      ['table', 'other', 'rows compared', 'missing', 'extra', 'different', 'seconds'],
      results.map((r) => (r.status === 'failed' ? [r.table, r.other, 'failed', '-', '-', '-', '-'] : [r.table, r.other, r.rowsCompared, r.missing, r.extra, r.different, Number(r.seconds.toFixed(1))])),
    ),
  );
  for (const r of results) {
    if (r.status === 'failed') {
      printErrorLine(`dbferry: ${r.table}: ${r.error}`);
      continue;
    }
    for (const key of r.keys.missing) printLine(`missing   ${r.table} key ${JSON.stringify(key)}`);
    for (const key of r.keys.extra) printLine(`extra     ${r.table} key ${JSON.stringify(key)}`);
    for (const d of r.keys.different) printLine(`different ${r.table} key ${JSON.stringify(d.key)}: ${d.columns.join(', ')}`);
    for (const n of r.notes) printLine(`note: ${r.table}: ${n}`);
  }
  printLine(failed ? 'failed' : differs ? 'the tables differ' : 'equal');
  return code;
}
