import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Schema } from '@dbferry/api-client';
import { api, unwrap } from '../../api/client';
import { type Column, DataTable } from '../../components/DataTable';
import { Field } from '../../components/Field';
import { StatusFilter, useListFilters } from '../../components/ListFilters';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { formatCount, formatTime, SINCE_CHOICES, secondsBetween, sinceFor } from './format';
import { formatDuration, formatRate } from './progress';

type ListedRun = Schema<'RunListItemView'>;
type RunStatus = NonNullable<ListedRun['status']>;

export const RUN_STATUSES: RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

/** How often the first page of the list is read again. */
const REFRESH_MS = 10_000;

const columns: Column<ListedRun>[] = [
  {
    key: 'run',
    header: 'Run',
    render: (r) => (
      <Link to={`/runs/${r.id}`} className="mono" onClick={(e) => e.stopPropagation()} title={r.id}>
        {r.id.slice(0, 8)}
      </Link>
    ),
  },
  { key: 'job', header: 'Job', render: (r) => r.jobName || <span className="muted">{r.jobId}</span> },
  { key: 'status', header: 'Status', render: (r) => <StatusBadge status={r.status} title={r.error ?? undefined} /> },
  { key: 'trigger', header: 'Trigger', render: (r) => r.trigger },
  { key: 'queued', header: 'Queued', className: 'nowrap', render: (r) => <time dateTime={r.queuedAt}>{formatTime(r.queuedAt)}</time> },
  { key: 'duration', header: 'Duration', className: 'num nowrap', render: (r) => formatDuration(secondsBetween(r.startedAt, r.finishedAt)) },
  { key: 'rows', header: 'Rows written', className: 'num', render: (r) => formatCount(r.rowsWritten) },
  { key: 'rate', header: 'Rows/s', className: 'num nowrap', render: (r) => formatRate(r.rowsPerSecond) },
  { key: 'rejects', header: 'Rejects', className: 'num', render: (r) => (Number(r.rejects) > 0 ? <strong>{formatCount(r.rejects)}</strong> : '0') },
  { key: 'error', header: 'Error', render: (r) => (r.error ? <span className="run-error-cell" title={r.error}>{r.error}</span> : null) },
];

/** Every run, newest first, filtered by status, job and time, a page at a time from the server. */
export default function RunsPage() {
  const navigate = useNavigate();
  const [params, setFilter] = useListFilters();
  const status = RUN_STATUSES.find((s) => s === params.get('status'));
  const jobId = params.get('jobId') ?? '';
  const since = SINCE_CHOICES.find((c) => c.value === params.get('since'))?.value ?? '';
  const jobs = useApi((signal) => unwrap(api.GET('/api/jobs', { params: { query: { limit: 500 } }, signal })), []);
  // The first page (where new runs appear) refreshes itself; a later page holds still while read
  // (a change of the table's deps would send it back to page one).
  const [clock, setClock] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState === 'visible' && setClock((n) => n + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const tick = useRef(0);
  if (!params.get('offset')) tick.current = clock;


  return (
    <section>
      <h1>Runs</h1>
      <form className="toolbar filters" role="search" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <StatusFilter statuses={RUN_STATUSES} value={status} onChange={(value) => setFilter('status', value)} />
        <Field label="Job">
          <select name="jobId" value={jobId} onChange={(e) => setFilter('jobId', e.target.value)}>
            <option value="">Every job</option>
            {jobs.data?.items.map((j) => (
              <option key={j.id} value={j.id}>
                {j.name}
              </option>
            ))}
            {jobId && jobs.data && !jobs.data.items.some((j) => j.id === jobId) ? <option value={jobId}>{jobId}</option> : null}
          </select>
        </Field>
        <Field label="Queued">
          <select name="since" value={since} onChange={(e) => setFilter('since', e.target.value)}>
            <option value="">Any time</option>
            {SINCE_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </Field>
      </form>
      <DataTable<ListedRun>
        columns={columns}
        deps={[status, jobId, since, tick.current]}
        rowKey={(r) => r.id}
        caption="Newest first"
        empty={status || jobId || since ? 'No run matches these filters.' : 'No run yet: run a job from its page.'}
        onRowClick={(r) => navigate(`/runs/${r.id}`)}
        load={(page, signal) =>
          unwrap(
            api.GET('/api/runs', {
              params: { query: { ...page, ...(status && { status }), ...(jobId && { jobId }), ...(since && { since: sinceFor(since) }) } },
              signal,
            }),
          )
        }
      />
    </section>
  );
}
