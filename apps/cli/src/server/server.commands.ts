import type { Schema } from '@dbferry/api-client';
import { CliError, EXIT, type ExitCode, UsageError } from '../cli-error';
import { formatTable, printJson, printLine } from '../output';
import { apiClient, type ApiClient, unwrap } from './api';
import { watchRun } from './runs';

interface JsonOption {
  json?: boolean;
}

const PAGE = 500;

/** Every item of a paged list. */
async function all<T>(page: (offset: number) => Promise<{ items: T[]; total: number }>): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const got = await page(offset);
    items.push(...got.items);
    if (!got.items.length || items.length >= got.total) return items;
  }
}

export const listConnections = (api: ApiClient) =>
  all((offset) => unwrap(api.GET('/api/connections', { params: { query: { limit: PAGE, offset } } }), 'connections'));
export const listJobs = (api: ApiClient) => all((offset) => unwrap(api.GET('/api/jobs', { params: { query: { limit: PAGE, offset } } }), 'jobs'));

export async function connectionsLs(options: JsonOption): Promise<ExitCode> {
  const { api } = await apiClient();
  const items = await listConnections(api);
  if (options.json) printJson({ items, total: items.length });
  else printLine(formatTable(['id', 'name', 'dialect', 'host', 'database', 'read-only'], items.map((c) => [c.id, c.name, c.dialect, c.host ?? '-', c.database, c.readOnly ? 'yes' : 'no'])));
  return EXIT.ok;
}

export async function connectionsTest(id: string, options: JsonOption): Promise<ExitCode> {
  const { api } = await apiClient();
  const result = await unwrap(api.POST('/api/connections/{id}/test', { params: { path: { id } } }), `connection ${id}`);
  if (options.json) printJson(result);
  else printLine(result.ok ? `ok: ${result.latencyMs} ms${result.serverVersion ? `, ${result.serverVersion}` : ''}` : `failed: ${result.error ?? 'unknown error'}`);
  return result.ok ? EXIT.ok : EXIT.failed;
}

export async function jobsLs(options: JsonOption): Promise<ExitCode> {
  const { api } = await apiClient();
  const items = await listJobs(api);
  if (options.json) printJson({ items, total: items.length });
  else {
    printLine(
      formatTable(
        ['id', 'name', 'mode', 'tables', 'schedule', 'enabled', 'last run'],
        items.map((j) => [j.id, j.name, `${j.mode}/${j.writeMode}`, j.tables.map((t) => t.source).join(','), j.schedule ?? '-', j.enabled ? 'yes' : 'no', (j.lastRun as { status?: string } | null)?.status ?? '-']),
      ),
    );
  }
  return EXIT.ok;
}

export async function jobsRun(id: string, options: JsonOption & { wait?: boolean }): Promise<ExitCode> {
  const { api } = await apiClient();
  const { runId } = await unwrap(api.POST('/api/jobs/{id}/run', { params: { path: { id } } }), `job ${id}`);
  if (!options.wait) {
    if (options.json) printJson({ runId });
    else printLine(`run ${runId} queued (follow it: dbferry runs watch ${runId})`);
    return EXIT.ok;
  }
  if (!options.json) printLine(`run ${runId} queued`);
  return watchRun(api, runId, options);
}

export async function jobsLogs(id: string, options: JsonOption & { run?: string; level?: string }): Promise<ExitCode> {
  const { api } = await apiClient();
  let runId = options.run;
  if (!runId) {
    const runs = await unwrap(api.GET('/api/jobs/{id}/runs', { params: { path: { id }, query: { limit: 1 } } }), `job ${id}`);
    const latest = runs.items[0];
    if (!latest) throw new CliError(`job ${id} has not run yet`);
    runId = latest.id;
  }
  const level = options.level as 'debug' | 'info' | 'warn' | 'error' | undefined;
  const lines = await all((offset) => unwrap(api.GET('/api/runs/{id}/logs', { params: { path: { id: runId }, query: { limit: PAGE, offset, ...(level && { level }) } } }), `run ${runId}`));
  if (options.json) printJson({ runId, items: lines, total: lines.length });
  else for (const l of lines) printLine(`${new Date(l.at).toISOString()} ${l.level.padEnd(5)} ${l.table ? `${l.table}: ` : ''}${l.message}`);
  return EXIT.ok;
}

export async function runsWatch(id: string, options: JsonOption): Promise<ExitCode> {
  const { api } = await apiClient();
  return watchRun(api, id, options);
}

export type JobBody = Schema<'CreateJobDto'>;

/**
 * `jobs apply -f`: the replication file as server jobs, idempotent by name. The connections are
 * found by name (the file's variable names) or created from the variables' URLs; the tables that
 * keep the defaults make the job `name`, a table overriding a job-level setting its own job
 * `name/schema.table`. An existing job of that name is updated in place.
 */
export async function jobsApply(file: string | undefined, options: JsonOption & { name?: string }): Promise<ExitCode> {
  if (!file) throw new UsageError('-f: name the replication file');
  const { loadReplicationFile } = await import('../replication-file');
  const replication = await loadReplicationFile(file);
  const name = options.name ?? replication.name;
  if (!name) throw new UsageError('name: give the job a name in the file (name: …) or with --name');
  const { api } = await apiClient();
  const connections = await listConnections(api);
  const ensure = async (ref: string, endpoint: typeof replication.source, role: string) => {
    const connName = /:\/\//.test(ref) || ref.startsWith('sqlite:') ? `${role} ${endpoint.spec.dialect} ${endpoint.spec.host ?? ''}/${endpoint.spec.database}`.slice(0, 100) : ref.replace(/^\$\{?|\}$/g, '');
    const found = connections.find((c) => c.name === connName);
    if (found) return { id: found.id, name: connName, action: 'kept' as const };
    const created = await unwrap(api.POST('/api/connections', { body: { name: connName, dialect: endpoint.spec.dialect, url: endpoint.url } as Schema<'CreateConnectionDto'> }), `connection ${connName}`);
    return { id: created.id, name: connName, action: 'created' as const };
  };
  const source = await ensure(replication.sourceRef, replication.source, 'source');
  const target = await ensure(replication.targetRef, replication.target, 'target');

  const groups = new Map<string, { name: string; settings: typeof replication.defaults; tables: JobBody['tables'] }>();
  for (const table of replication.tables) {
    const own = Object.keys(table.settings).length > 0;
    const jobName = own ? `${name}/${table.source}` : name;
    const group = groups.get(jobName) ?? { name: jobName, settings: { ...replication.defaults, ...table.settings }, tables: [] };
    group.tables.push({
      source: table.source,
      ...(table.target && { target: table.target }),
      ...(table.where && { where: table.where }),
      ...(table.keyColumns && { keyColumns: table.keyColumns }),
      ...(table.incrementalColumn && { incrementalColumn: table.incrementalColumn }),
      ...(table.columns && { columns: table.columns }),
      ...(table.types && { types: table.types }),
      ...(table.transforms?.length && { transforms: table.transforms }),
    } as JobBody['tables'][number]);
    groups.set(jobName, group);
  }
  const jobs = await listJobs(api);
  const applied = [];
  for (const group of groups.values()) {
    const s = group.settings;
    const body = {
      name: group.name,
      sourceId: source.id,
      targetId: target.id,
      tables: group.tables,
      mode: s.mode,
      writeMode: s.writeMode,
      createTables: s.createTables,
      deleteMissing: s.deleteMissing,
      batchSize: s.batchSize,
      chunkRows: s.chunkRows,
      maxRejects: s.maxRejects,
    } as JobBody;
    const existing = jobs.find((j) => j.name === group.name);
    if (existing) {
      const updated = await unwrap(api.PATCH('/api/jobs/{id}', { params: { path: { id: existing.id } }, body: body as Schema<'UpdateJobDto'> }), `job ${group.name}`);
      applied.push({ name: group.name, id: updated.id, action: 'updated', tables: group.tables.length });
    } else {
      const created = await unwrap(api.POST('/api/jobs', { body }), `job ${group.name}`);
      applied.push({ name: group.name, id: created.id, action: 'created', tables: group.tables.length });
    }
  }
  if (options.json) printJson({ connections: { source, target }, jobs: applied });
  else {
    printLine(`connections: ${source.name} (${source.action}), ${target.name} (${target.action})`);
    printLine(formatTable(['job', 'id', 'action', 'tables'], applied.map((a) => [a.name, a.id, a.action, a.tables])));
  }
  return EXIT.ok;
}
