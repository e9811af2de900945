import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ConfirmButton } from '../../components/ConfirmButton';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorBanner } from '../../components/ErrorBanner';
import { CanEdit, useCan } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { describeCron } from './cron-text';
import type { JobView } from './job-form';
import { deleteJob, loadConnections, runJob, updateJob } from './jobs-api';
import './jobs.css';

const dateTime = (iso: string, timeZone?: string) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(new Date(iso));

/** "in 12 min", "3 h ago": how far a time is from now. */
export function relative(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  const [value, unit] = abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.round(abs / 60), 'min'] : abs < 86400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86400), 'd'];
  return seconds >= 0 ? `in ${value} ${unit}` : `${value} ${unit} ago`;
}

export default function JobsListPage() {
  const navigate = useNavigate();
  const canEdit = useCan();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();
  const [version, setVersion] = useState(0);
  const connections = useApi((signal) => loadConnections(signal), []);
  const nameOf = (id: string) => connections.data?.find((c) => c.id === id)?.name ?? `${id.slice(0, 8)}…`;

  const act = async (id: string, work: () => Promise<unknown>) => {
    setBusy(id);
    setError(undefined);
    try {
      await work();
      setVersion((v) => v + 1);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const runNow = async (job: JobView) => {
    setBusy(job.id);
    setError(undefined);
    try {
      const { runId } = await runJob(job.id);
      navigate(`/runs/${runId}`);
    } catch (e) {
      setError(e);
      setBusy(undefined);
    }
  };

  const columns: Column<JobView>[] = [
    { key: 'name', header: 'Name', render: (j) => <Link to={`/jobs/${j.id}`}>{j.name}</Link> },
    {
      key: 'route',
      header: 'Source → target',
      render: (j) => (
        <span>
          {nameOf(j.sourceId)}
          <span className="jobs-arrow" aria-label="to">
            →
          </span>
          {nameOf(j.targetId)}
        </span>
      ),
    },
    { key: 'mode', header: 'Mode', render: (j) => j.mode },
    { key: 'writeMode', header: 'Write', render: (j) => j.writeMode },
    {
      key: 'schedule',
      header: 'Schedule',
      render: (j) =>
        j.schedule ? (
          <div className="jobs-schedule">
            <span className="cron" title={describeCron(j.schedule) ?? undefined}>
              {j.schedule}
              {j.scheduleTz ? ` (${j.scheduleTz})` : ''}
            </span>
            {j.nextRunAt ? (
              <span className="muted" title={new Date(j.nextRunAt).toISOString()}>
                next {dateTime(j.nextRunAt)} ({relative(j.nextRunAt)})
              </span>
            ) : (
              <span className="muted">paused while disabled</span>
            )}
          </div>
        ) : (
          <span className="muted">on demand</span>
        ),
    },
    {
      key: 'lastRun',
      header: 'Last run',
      render: (j) =>
        j.lastRun ? (
          <Link to={`/runs/${j.lastRun.id}`} aria-label={`last run: ${j.lastRun.status}`}>
            <StatusBadge status={j.lastRun.status} />{' '}
            <span className="muted">{dateTime(j.lastRun.finishedAt ?? j.lastRun.queuedAt)}</span>
          </Link>
        ) : (
          <span className="muted">never</span>
        ),
    },
    {
      key: 'enabled',
      header: 'Enabled',
      render: (j) =>
        canEdit ? (
          <label className="nowrap">
            <input
              type="checkbox"
              checked={j.enabled}
              disabled={busy === j.id}
              onChange={(e) => act(j.id, () => updateJob(j.id, { enabled: e.target.checked }))}
              aria-label={`${j.enabled ? 'Disable' : 'Enable'} ${j.name}`}
            />{' '}
            {j.enabled ? 'on' : 'off'}
          </label>
        ) : (
          <StatusBadge status={j.enabled ? 'enabled' : 'disabled'} />
        ),
    },
  ];
  if (canEdit) {
    columns.push({
      key: 'actions',
      header: 'Actions',
      render: (j) => (
        <div className="jobs-actions">
          <button type="button" className="primary" onClick={() => runNow(j)} disabled={busy === j.id}>
            Run now
          </button>
          <ConfirmButton
            title={`Delete job ${j.name}?`}
            message={<p>The job and its schedule are removed; its past runs stay readable. A job with an active run cannot be deleted.</p>}
            onConfirm={async () => {
              await deleteJob(j.id);
              setVersion((v) => v + 1);
            }}
          >
            Delete
          </ConfirmButton>
        </div>
      ),
    });
  }

  return (
    <section>
      <div className="toolbar">
        <h1>Jobs</h1>
        <span className="spacer" />
        <CanEdit>
          <Link className="button primary" to="/jobs/new">
            New job
          </Link>
        </CanEdit>
      </div>
      <ErrorBanner error={error ?? connections.error} onDismiss={error ? () => setError(undefined) : undefined} />
      <DataTable<JobView>
        columns={columns}
        rowKey={(j) => j.id}
        deps={[version]}
        caption="Sync jobs, by name"
        empty={
          <>
            No jobs yet.{' '}
            <CanEdit>
              <Link to="/jobs/new">Create one</Link>.
            </CanEdit>
          </>
        }
        load={({ limit, offset }, signal) => unwrap(api.GET('/api/jobs', { params: { query: { limit, offset } }, signal }))}
      />
    </section>
  );
}
