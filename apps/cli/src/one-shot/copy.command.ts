import { EXIT, type ExitCode, UsageError } from '../cli-error';
import { type Endpoint, parseEndpoint, qualifyTables } from '../endpoints';
import { choiceOption, intOption, listOption } from '../options';
import { formatTable, printErrorLine, printJson, printLine } from '../output';
import { barProgress, lineProgress } from '../progress';
import { safeUrl } from '../redact';
import { loadReplicationFile } from '../replication-file';
import { type CopyObserver, type CopyResult, type CopySettings, type CopyTableSpec, copyTables, DEFAULT_SETTINGS } from './copy-tables';
import type { TableWatermark } from './incremental';
import { chooseSalt, hashesAny, mergeTransforms, transformsFromFlags } from './transforms';

export interface CopyCommandOptions {
  file?: string;
  tables?: string[];
  mode?: string;
  writeMode?: string;
  createTables?: boolean;
  deleteMissing?: boolean;
  batchSize?: string;
  chunkRows?: string;
  concurrency?: string;
  maxRejects?: string;
  where?: string;
  keyColumns?: string;
  incrementalColumn?: string;
  since?: string;
  targetSchema?: string;
  transform?: string[];
  salt?: string;
  json?: boolean;
  progress?: boolean;
}

/** The command line's settings over `base` (the defaults, or a replication file's). */
export function settingsFrom(options: CopyCommandOptions, base: CopySettings = DEFAULT_SETTINGS): CopySettings {
  return {
    ...base,
    mode: choiceOption('--mode', options.mode, ['full', 'incremental'] as const) ?? base.mode,
    writeMode: choiceOption('--write-mode', options.writeMode, ['insert', 'upsert', 'replace'] as const) ?? base.writeMode,
    createTables: options.createTables ?? base.createTables,
    deleteMissing: options.deleteMissing ?? base.deleteMissing,
    batchSize: intOption('--batch-size', options.batchSize, 1, 1_000_000) ?? base.batchSize,
    chunkRows: intOption('--chunk-rows', options.chunkRows, 1000) ?? base.chunkRows,
    concurrency: intOption('--concurrency', options.concurrency, 1, 64) ?? base.concurrency,
    maxRejects: intOption('--max-rejects', options.maxRejects, 0) ?? base.maxRejects,
    since: options.since ?? base.since,
  };
}

interface CopyPlan {
  source: Endpoint;
  target: Endpoint;
  tables: CopyTableSpec[];
  settings: CopySettings;
}

function planFromArguments(sourceUrl: string | undefined, targetUrl: string | undefined, options: CopyCommandOptions): CopyPlan {
  const source = parseEndpoint('SOURCE_URL', sourceUrl);
  const target = parseEndpoint('TARGET_URL', targetUrl);
  const given = listOption(options.tables);
  if (!given) throw new UsageError("--tables: name the tables to copy, e.g. --tables 'sales.*' or --tables sales.orders,sales.customers");
  const patterns = qualifyTables(given, source);
  const keyColumns = listOption(options.keyColumns);
  const transforms = transformsFromFlags(options.transform);
  const tables = patterns.map(
    (source): CopyTableSpec => ({
      source,
      ...(options.targetSchema && { target: `${options.targetSchema}.${source.slice(source.lastIndexOf('.') + 1)}` }),
      ...(options.where && { where: options.where }),
      ...(keyColumns && { keyColumns }),
      ...(options.incrementalColumn && { incrementalColumn: options.incrementalColumn }),
      ...(transforms && { transforms }),
    }),
  );
  return { source, target, tables, settings: settingsFrom(options) };
}

async function planFromFile(file: string, sourceUrl: string | undefined, options: CopyCommandOptions): Promise<CopyPlan> {
  if (sourceUrl) throw new UsageError('SOURCE_URL: give either the URLs or -f FILE, not both (the file names its connections)');
  const replication = await loadReplicationFile(file);
  const flags = transformsFromFlags(options.transform);
  const tables = replication.tables.map((t) => {
    const transforms = mergeTransforms(`tables.${t.source}.transform`, t.transforms, flags);
    return { ...t, ...(transforms && { transforms }) };
  });
  return { source: replication.source, target: replication.target, tables, settings: settingsFrom(options, replication.defaults) };
}

/** The salt when a table hashes: given, or made for this copy with a warning that its hashes match no other copy's. */
function saltFor(tables: CopyTableSpec[], options: CopyCommandOptions): Buffer | undefined {
  if (!hashesAny(tables)) return undefined;
  const choice = chooseSalt(options.salt);
  if (choice.from === 'generated') {
    printErrorLine('dbferry: warning: mask=hash with no --salt or DBFERRY_SALT: a random salt is used for this copy only, so its hashes will differ from any other copy\'s');
  }
  return choice.salt;
}

/** What an incremental table read: from which value of its column, taken from where. */
function describeWatermark(w: TableWatermark): string {
  if (w.since === null) return `read in full (the target held no ${w.column} yet)`;
  return `read ${w.column} >= ${w.since} (${w.from === 'target' ? "the target's largest" : '--since'}; rows at that value are read again and upserted)`;
}

export function exitCodeOf(result: CopyResult): ExitCode {
  return result.status === 'failed' ? EXIT.failed : result.status === 'partial' ? EXIT.partial : EXIT.ok;
}

export async function copyCommand(sourceUrl: string | undefined, targetUrl: string | undefined, options: CopyCommandOptions): Promise<ExitCode> {
  const plan = options.file ? await planFromFile(options.file, sourceUrl, options) : planFromArguments(sourceUrl, targetUrl, options);
  if (plan.settings.since !== undefined && plan.settings.mode !== 'incremental' && !plan.tables.some((t) => t.settings?.mode === 'incremental')) {
    throw new UsageError('--since: only an incremental copy (--mode incremental) reads from a value');
  }
  const salt = saltFor(plan.tables, options);
  if (salt) plan.settings = { ...plan.settings, salt };
  const tty = process.stderr.isTTY === true && options.progress !== false;
  const bars = tty ? barProgress() : undefined;
  const observer: CopyObserver = bars ?? (options.json || options.progress === false ? {} : lineProgress());
  // Ctrl-C: give the terminal its cursor back; each chunk's open transaction rolls back with its session.
  const interrupted = () => {
    bars?.stop();
    process.stderr.write('dbferry: interrupted\n');
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  let result: CopyResult;
  try {
    result = await copyTables(plan.source, plan.target, plan.tables, plan.settings, observer);
  } finally {
    process.off('SIGINT', interrupted);
    bars?.stop();
  }
  const code = exitCodeOf(result);
  if (options.json) {
    printJson({ ...result, exitCode: code, source: safeUrl(plan.source.url), target: safeUrl(plan.target.url) });
    return code;
  }
  printLine();
  printLine(
    formatTable(
      ['table', 'target', 'status', 'rows read', 'rows written', 'rejects', 'seconds', 'rows/s'],
      result.tables.map((t) => [t.source, t.target, t.status, t.rowsRead, t.rowsWritten, t.rejects, Number(t.seconds.toFixed(1)), t.seconds > 0 ? Math.round(t.rowsRead / t.seconds) : 0]),
    ),
  );
  for (const t of result.tables) {
    for (const w of t.warnings) printLine(`warning: ${t.source}: ${w}`);
    for (const r of t.rejected.slice(0, 10)) printLine(`rejected: ${t.source} key (${r.key.join(', ')})${r.column ? ` column ${r.column}` : ''}: ${r.error}`);
    if (t.error) printErrorLine(`error: ${t.error}`);
  }
  for (const t of result.tables) if (t.watermark) printLine(`incremental: ${t.source}: ${describeWatermark(t.watermark)}`);
  printLine(`${result.status}: ${result.rowsWritten} rows written from ${result.tables.length} table(s) in ${result.seconds.toFixed(1)} s`);
  return code;
}
