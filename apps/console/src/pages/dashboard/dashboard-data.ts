import type { Schema } from '@dbferry/api-client';

export type Dashboard = Schema<'DashboardView'>;
export type RunBucket = Schema<'RunBucketView'>;
export type QueueDepth = Schema<'QueueDepthView'>;
type Job = Schema<'JobView'>;

/** The job `npm start`'s demo creates (tools/demo-seed.ts): a SQLite shop into an empty database. */
export const DEMO_JOB_NAME = 'demo-shop-copy';

/** The demo's job while it has never run (the dashboard then says to run it), else null. */
export function demoToRun(jobs: readonly Pick<Job, 'id' | 'name' | 'lastRun'>[]): Pick<Job, 'id' | 'name'> | null {
  const demo = jobs.find((j) => j.name === DEMO_JOB_NAME);
  return demo && !demo.lastRun ? { id: demo.id, name: demo.name } : null;
}

/** The event source `npm start`'s demo creates (tools/demo-seed.ts), and the command that sends it a signed sample event. */
export const DEMO_EVENT_SOURCE = 'demo-catalog';
export const DEMO_EVENT_COMMAND = 'npm run demo:event';

/** The demo's event source while no event has reached it (the dashboard then says how to send one), else null. */
export function demoEventsToSend(
  sources: readonly Pick<Schema<'EventSourceView'>, 'id' | 'name' | 'mappings'>[],
  /** Events the demo source's inbox holds (GET /api/events?source=demo-catalog's total). */
  eventsReceived: number,
): { name: string; tables: string[] } | null {
  const demo = sources.find((s) => s.name === DEMO_EVENT_SOURCE);
  if (!demo || eventsReceived > 0) return null;
  return { name: demo.name, tables: demo.mappings.map((m) => m.table) };
}

export const RUN_STATUSES = ['succeeded', 'failed', 'cancelled', 'running', 'queued'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const QUEUE_STATES = ['waiting', 'prioritized', 'waitingChildren', 'active', 'delayed', 'failed'] as const;

/** Colours match the status badges (styles.css). */
export const STATUS_COLOURS: Record<RunStatus, string> = {
  succeeded: '#1a7f37',
  failed: '#c62828',
  cancelled: '#8c959f',
  running: '#1f5fbf',
  queued: '#bf8700',
};
export const QUEUE_STATE_COLOURS: Record<(typeof QUEUE_STATES)[number], string> = {
  waiting: '#bf8700',
  prioritized: '#d4a72c',
  waitingChildren: '#8250df',
  active: '#1f5fbf',
  delayed: '#8c959f',
  failed: '#c62828',
};
export const QUEUE_STATE_LABELS: Record<(typeof QUEUE_STATES)[number], string> = {
  waiting: 'waiting',
  prioritized: 'prioritized',
  waitingChildren: 'waiting for children',
  active: 'active',
  delayed: 'delayed',
  failed: 'failed',
};

const pad = (n: number) => String(n).padStart(2, '0');

/** A bucket's label: its hour ("14:00") or its day ("11-23"), in UTC as the API counts them. */
export function bucketLabel(at: string, bucket: Dashboard['bucket']): string {
  const d = new Date(at);
  return bucket === 'hour' ? `${pad(d.getUTCHours())}:00` : `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** How many runs of each status the series holds, for the chart's text alternative. */
export function seriesTotals(series: RunBucket[]): Record<RunStatus, number> {
  const totals = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
  for (const b of series) for (const s of RUN_STATUSES) totals[s] += b[s];
  return totals;
}

/** "12 succeeded, 1 failed" (zeros left out; "no runs" when all are zero). */
export function describeTotals(totals: Record<string, number>): string {
  const parts = Object.entries(totals)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n.toLocaleString('en-US')} ${s}`);
  return parts.length ? parts.join(', ') : 'no runs';
}

/** Jobs in a queue that are not history: everything but completed. */
export function queueDepth(q: QueueDepth): number {
  return QUEUE_STATES.reduce((sum, s) => sum + q[s], 0);
}

/** The first steps on an installation without connections or jobs (what is done so far), or null once both exist. */
export function firstSteps(counts: Dashboard['counts']): { connections: boolean; jobs: boolean } | null {
  if (counts.connections > 0 && counts.jobs > 0) return null;
  return { connections: counts.connections > 0, jobs: counts.jobs > 0 };
}

/** "3 s ago", "5 min ago", "2 h ago", from `now`. */
export function ago(at: string | null | undefined, now = Date.now()): string {
  if (!at) return '—';
  const s = Math.max(0, Math.round((now - new Date(at).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
