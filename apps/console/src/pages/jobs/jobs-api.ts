import type { Schema } from '@dbferry/api-client';
import { api, unwrap } from '../../api/client';
import type { JobBody, JobView } from './job-form';

export type ConnectionView = Schema<'ConnectionView'>;
export type JobPreview = Schema<'JobPreviewView'>;
export type TablePlan = Schema<'TablePlanView'>;
export type TableSummary = Schema<'TableSummaryView'>;
export type TableDetail = Schema<'TableDetailView'>;

/** Every connection, by name (the pickers and the list's source → target names). */
export async function loadConnections(signal?: AbortSignal): Promise<ConnectionView[]> {
  const out: ConnectionView[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await unwrap(api.GET('/api/connections', { params: { query: { limit: 500, offset } }, signal }));
    out.push(...page.items);
    if (out.length >= page.total || page.items.length === 0) return out;
  }
}

export const loadJob = (id: string, signal?: AbortSignal): Promise<JobView> => unwrap(api.GET('/api/jobs/{id}', { params: { path: { id } }, signal }));

export const createJob = (body: JobBody): Promise<JobView> => unwrap(api.POST('/api/jobs', { body }));

type UpdateBody = Schema<'UpdateJobDto'>;
/** A PATCH sends only what changes; the generated type marks fields that have a default as present, hence the cast. */
export const updateJob = (id: string, body: Partial<UpdateBody>): Promise<JobView> =>
  unwrap(api.PATCH('/api/jobs/{id}', { params: { path: { id } }, body: body as UpdateBody }));

export const deleteJob = (id: string): Promise<unknown> => unwrap(api.DELETE('/api/jobs/{id}', { params: { path: { id } } }));

export const runJob = (id: string): Promise<{ runId: string }> => unwrap(api.POST('/api/jobs/{id}/run', { params: { path: { id } } }));

export const previewDraft = (body: Omit<JobBody, 'name'> & { name?: string }): Promise<JobPreview> => unwrap(api.POST('/api/jobs/preview', { body }));

export const schedulePreview = (schedule: string, scheduleTz: string | undefined, signal?: AbortSignal) =>
  unwrap(api.GET('/api/jobs/schedule-preview', { params: { query: { schedule, ...(scheduleTz ? { scheduleTz } : {}), count: 3 } }, signal }));

/** A page of the source's tables whose name holds `search`. */
export const searchTables = (connectionId: string, search: string, limit: number, offset: number, signal?: AbortSignal) =>
  unwrap(api.GET('/api/connections/{id}/tables', { params: { path: { id: connectionId }, query: { ...(search ? { search } : {}), limit, offset } }, signal }));

export const describeTable = (connectionId: string, schema: string, table: string, signal?: AbortSignal): Promise<TableDetail> =>
  unwrap(api.GET('/api/connections/{id}/tables/{schema}/{table}', { params: { path: { id: connectionId, schema, table } }, signal }));
