import { planTablesEach, type TablePlan } from '@dbferry/engine';
import { EXIT, type ExitCode, UsageError } from '../cli-error';
import { openEndpoint, parseEndpoint, qualifyTables } from '../endpoints';
import { listOption } from '../options';
import { formatTable, printErrorLine, printJson, printLine } from '../output';
import { transformsFromFlags } from './transforms';

export interface PreviewOptions {
  tables?: string[];
  where?: string;
  keyColumns?: string;
  incrementalColumn?: string;
  targetSchema?: string;
  createTables?: boolean;
  transform?: string[];
  json?: boolean;
}

const qualified = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

/**
 * What `dbferry copy` would do, changing nothing: per table the key, the DDL it would run on the
 * target and each column's type mapping with the value losses the type mappers document.
 */
export async function previewCommand(sourceUrl: string | undefined, targetUrl: string | undefined, options: PreviewOptions): Promise<ExitCode> {
  const source = parseEndpoint('SOURCE_URL', sourceUrl);
  const target = parseEndpoint('TARGET_URL', targetUrl);
  const given = listOption(options.tables);
  if (!given) throw new UsageError("--tables: name the tables to preview, e.g. --tables 'sales.*'");
  const patterns = qualifyTables(given, source);
  const keyColumns = listOption(options.keyColumns);
  const transforms = transformsFromFlags(options.transform);
  const src = await openEndpoint(source);
  let planned: Awaited<ReturnType<typeof planTablesEach>>;
  try {
    const tgt = await openEndpoint(target);
    try {
      planned = await planTablesEach({
        source: { dialect: source.spec.dialect, session: src.session },
        target: { dialect: target.spec.dialect, session: tgt.session, defaultSchema: target.defaultSchema },
        tables: patterns.map((p) => ({
          source: p,
          ...(options.targetSchema && { target: `${options.targetSchema}.${p.slice(p.lastIndexOf('.') + 1)}` }),
          ...(options.where && { where: options.where }),
          ...(keyColumns && { keyColumns }),
          ...(options.incrementalColumn && { incrementalColumn: options.incrementalColumn }),
          ...(transforms && { transforms }),
        })),
        options: { createTables: options.createTables ?? true, evolveSchema: false },
      });
    } finally {
      await tgt.session.close().catch(() => undefined);
    }
  } finally {
    await src.session.close().catch(() => undefined);
  }
  const code = planned.failures.length ? EXIT.failed : EXIT.ok;
  if (options.json) {
    printJson({
      tables: planned.plans.map((p: TablePlan) => ({
        source: qualified(p.source),
        target: qualified(p.target),
        targetExists: p.targetExists,
        keyColumns: p.keyColumns,
        resumable: p.resumable,
        rowEstimate: p.rowEstimate,
        ddl: p.ddl,
        mapping: p.mapping,
      })),
      failures: planned.failures.map((f) => ({ source: qualified(f.source), field: f.field, reason: f.reason })),
      exitCode: code,
    });
    return code;
  }
  for (const p of planned.plans) {
    printLine(`${qualified(p.source)} -> ${qualified(p.target)} (${p.targetExists ? 'exists' : 'new'}; key ${p.keyColumns.length ? p.keyColumns.join(', ') : 'none: copied whole'}; ~${p.rowEstimate ?? '?'} rows)`);
    const transformed = p.mapping.some((m) => m.transform);
    const head = ['column', 'source type', 'neutral', 'target type', 'value loss', ...(transformed ? ['transform'] : [])];
    printLine(formatTable(head, p.mapping.map((m) => [m.column, m.sourceType, m.neutralType, m.targetType, [m.lossy?.description, m.note].filter(Boolean).join('; ') || '-', ...(transformed ? [m.transform ?? '-'] : [])])));
    if (p.ddl.length) {
      printLine('DDL:');
      for (const statement of p.ddl) printLine(`  ${statement.replace(/\n/g, '\n  ')};`);
    } else printLine('DDL: none');
    printLine();
  }
  for (const f of planned.failures) printErrorLine(`dbferry: ${f.reason}`);
  return code;
}
