import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { UsageError } from './cli-error';
import { type Endpoint, parseEndpoint } from './endpoints';
import { type CopySettings, type CopyTableSpec, DEFAULT_SETTINGS } from './one-shot/copy-tables';
import { transformsFromFile } from './one-shot/transforms';
import { choiceOption, intOption } from './options';

/**
 * A replication file (YAML, after sling's): the two connections by environment variable, the
 * defaults every table gets, and the tables with their own overrides.
 *
 *   name: sales-to-warehouse      # the server job's name (jobs apply)
 *   source: SALES_URL             # an environment variable holding the URL (or the URL itself)
 *   target: WAREHOUSE_URL
 *   defaults: { mode: full, writeMode: upsert, batchSize: 5000, createTables: true }
 *   tables:
 *     sales.orders: { where: "status <> 'draft'", writeMode: replace }
 *     sales.customers: { target: crm.customers, keyColumns: [id] }
 */
export interface ReplicationFile {
  name?: string;
  /** The variable names (or literal URLs) as written, for the server's connection names. */
  sourceRef: string;
  targetRef: string;
  source: Endpoint;
  target: Endpoint;
  defaults: CopySettings;
  tables: (CopyTableSpec & { settings: Partial<CopySettings> })[];
}

const TABLE_KEYS = ['target', 'where', 'keyColumns', 'incrementalColumn', 'columns', 'types', 'transform', 'mode', 'writeMode', 'batchSize', 'chunkRows', 'deleteMissing', 'maxRejects'];
const DEFAULT_KEYS = ['mode', 'writeMode', 'createTables', 'deleteMissing', 'batchSize', 'chunkRows', 'concurrency', 'maxRejects'];
const TOP_KEYS = ['name', 'source', 'target', 'defaults', 'tables', 'streams'];

const isUrl = (text: string) => /^[a-z][a-z0-9+.-]*:/i.test(text) && (text.includes('://') || text.toLowerCase().startsWith('sqlite:'));

function record(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${field}: must be a mapping`);
  return value as Record<string, unknown>;
}

function onlyKeys(value: Record<string, unknown>, allowed: string[], field: string): void {
  const unknown = Object.keys(value).find((k) => !allowed.includes(k));
  if (unknown) throw new UsageError(`${field}.${unknown}: unknown key (expected one of ${allowed.join(', ')})`);
}

function str(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !value.trim()) throw new UsageError(`${field}: must be a non-empty string`);
  return value;
}

function strList(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.length || value.some((v) => typeof v !== 'string' || !v)) throw new UsageError(`${field}: must be a list of column names`);
  return value as string[];
}

function bool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new UsageError(`${field}: must be true or false`);
  return value;
}

const int = (value: unknown, field: string, min: number) => (typeof value === 'number' || typeof value === 'string' ? intOption(field, value, min) : value === undefined || value === null ? undefined : intOption(field, String(value), min));

function settings(raw: Record<string, unknown>, field: string): Partial<CopySettings> {
  const out: Partial<CopySettings> = {};
  const mode = choiceOption(`${field}.mode`, str(raw.mode, `${field}.mode`), ['full', 'incremental'] as const);
  const writeMode = choiceOption(`${field}.writeMode`, str(raw.writeMode, `${field}.writeMode`), ['insert', 'upsert', 'replace'] as const);
  if (mode) out.mode = mode;
  if (writeMode) out.writeMode = writeMode;
  const createTables = bool(raw.createTables, `${field}.createTables`);
  if (createTables !== undefined) out.createTables = createTables;
  const deleteMissing = bool(raw.deleteMissing, `${field}.deleteMissing`);
  if (deleteMissing !== undefined) out.deleteMissing = deleteMissing;
  const batchSize = int(raw.batchSize, `${field}.batchSize`, 1);
  if (batchSize !== undefined) out.batchSize = batchSize;
  const chunkRows = int(raw.chunkRows, `${field}.chunkRows`, 1000);
  if (chunkRows !== undefined) out.chunkRows = chunkRows;
  const concurrency = int(raw.concurrency, `${field}.concurrency`, 1);
  if (concurrency !== undefined) out.concurrency = concurrency;
  const maxRejects = int(raw.maxRejects, `${field}.maxRejects`, 0);
  if (maxRejects !== undefined) out.maxRejects = maxRejects;
  return out;
}

/** The URL a connection reference names: the variable's value, or the reference itself when it is a URL. */
function resolveRef(ref: string, field: string, env: NodeJS.ProcessEnv): string {
  if (isUrl(ref)) return ref;
  const name = ref.replace(/^\$\{?([^}]*)\}?$/, '$1');
  const value = env[name];
  if (!value) throw new UsageError(`${field}: the environment variable ${name} is not set (it must hold the connection URL)`);
  return value;
}

export function parseReplication(text: string, env: NodeJS.ProcessEnv = process.env): ReplicationFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new UsageError(`-f: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const top = record(doc, 'file');
  onlyKeys(top, TOP_KEYS, 'file');
  const sourceRef = str(top.source, 'source');
  const targetRef = str(top.target, 'target');
  if (!sourceRef) throw new UsageError('source: name the environment variable holding the source URL');
  if (!targetRef) throw new UsageError('target: name the environment variable holding the target URL');
  const rawDefaults = record(top.defaults, 'defaults');
  onlyKeys(rawDefaults, DEFAULT_KEYS, 'defaults');
  const defaults: CopySettings = { ...DEFAULT_SETTINGS, ...settings(rawDefaults, 'defaults') };
  const rawTables = record(top.tables ?? top.streams, 'tables');
  const names = Object.keys(rawTables);
  if (!names.length) throw new UsageError('tables: list at least one table ("schema.table" or "schema.*")');
  const tables = names.map((source) => {
    const field = `tables.${source}`;
    const raw = record(rawTables[source], field);
    onlyKeys(raw, TABLE_KEYS, field);
    const types = raw.types === undefined ? undefined : record(raw.types, `${field}.types`);
    if (raw.transform !== undefined && !Array.isArray(raw.transform)) throw new UsageError(`${field}.transform: must be a list`);
    return {
      source,
      ...(str(raw.target, `${field}.target`) && { target: raw.target as string }),
      ...(str(raw.where, `${field}.where`) && { where: raw.where as string }),
      ...(strList(raw.keyColumns, `${field}.keyColumns`) && { keyColumns: raw.keyColumns as string[] }),
      ...(str(raw.incrementalColumn, `${field}.incrementalColumn`) && { incrementalColumn: raw.incrementalColumn as string }),
      ...(strList(raw.columns, `${field}.columns`) && { columns: raw.columns as string[] }),
      ...(types && { types: types as Record<string, string> }),
      ...(Array.isArray(raw.transform) && { transforms: transformsFromFile(raw.transform, `${field}.transform`) }),
      settings: settings(raw, field),
    };
  });
  return {
    ...(str(top.name, 'name') && { name: top.name as string }),
    sourceRef,
    targetRef,
    source: parseEndpoint('source', resolveRef(sourceRef, 'source', env)),
    target: parseEndpoint('target', resolveRef(targetRef, 'target', env)),
    defaults,
    tables,
  };
}

export async function loadReplicationFile(path: string): Promise<ReplicationFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`-f: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseReplication(text);
}
