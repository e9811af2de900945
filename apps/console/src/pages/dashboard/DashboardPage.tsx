import { useEffect } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { CanEdit } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { QueueDepthChart, RowsPerSecondChart, RunsPerStatusChart } from './DashboardCharts';
import { ago, type Dashboard, demoToRun, firstSteps, queueDepth } from './dashboard-data';
import { DemoEventsHint } from './DemoEventsHint';
import './dashboard.css';

const RANGES = [
  { value: '24h', label: 'Last 24 hours' },
  { value: '14d', label: 'Last 14 days' },
] as const;
type Range = (typeof RANGES)[number]['value'];
const REFRESH_MS = 15_000;

function FirstSteps({ counts }: { counts: Dashboard['counts'] }) {
  const steps = firstSteps(counts);
  if (!steps) return null;
  return (
    <div className="notice first-steps" role="note">
      <h2>First steps</h2>
      <ol>
        <li className={steps.connections ? 'done' : undefined}>
          {steps.connections ? '✓ ' : ''}Register the databases to copy between: <Link to="/connections">Connections</Link>
          <CanEdit>
            {' '}
            (<Link to="/connections/new">add one</Link>)
          </CanEdit>
          , then test each.
        </li>
        <li className={steps.jobs ? 'done' : undefined}>
          {steps.jobs ? '✓ ' : ''}Create a sync job from a source to a target: <Link to="/jobs">Jobs</Link>
          <CanEdit>
            {' '}
            (<Link to="/jobs/new">new job</Link>)
          </CanEdit>
          ; its DDL preview shows what will be created.
        </li>
        <li>Run it now or give it a schedule, and follow it live under <Link to="/runs">Runs</Link>.</li>
      </ol>
    </div>
  );
}

/** While npm start's demo job has never run: what it is and where to run it. */
function DemoHint() {
  const { data } = useApi((signal) => unwrap(api.GET('/api/jobs', { params: { query: { limit: 500 } }, signal })), []);
  const demo = data ? demoToRun(data.items) : null;
  if (!demo) return null;
  return (
    <div className="notice first-steps" role="note" aria-label="Demo">
      <h2>Try the demo</h2>
      <p>
        <code>npm start</code> made a SQLite shop (customers, products, orders and order items: 106,000 rows with decimals, timestamps, JSON and
        unicode), an empty target database, and the job <Link to={`/jobs/${demo.id}`}>{demo.name}</Link> between them. Open it and press{' '}
        <strong>Run now</strong>, then follow the run under <Link to="/runs">Runs</Link>.
      </p>
    </div>
  );
}

function Counts({ data }: { data: Dashboard }) {
  const { counts } = data;
  const total = Object.values(counts.runs).reduce((a, b) => a + b, 0);
  return (
    <div className="dash-counts">
      <Link className="card dash-count" to="/connections">
        <span className="dash-count-n">{counts.connections}</span> connections
        {data.connectionsDown.length ? <span className="dash-count-bad"> · {data.connectionsDown.length} down</span> : null}
      </Link>
      <Link className="card dash-count" to="/jobs">
        <span className="dash-count-n">{counts.jobs}</span> jobs <span className="muted">· {counts.enabledJobs} enabled</span>
      </Link>
      <Link className="card dash-count" to="/runs?status=running">
        <span className="dash-count-n">{counts.runs.running + counts.runs.queued}</span> in flight <span className="muted">· {counts.runs.queued} queued</span>
      </Link>
      <Link className="card dash-count" to="/runs?status=failed">
        <span className="dash-count-n">{counts.runs.failed.toLocaleString('en-US')}</span> failed <span className="muted">of {total.toLocaleString('en-US')} runs</span>
      </Link>
    </div>
  );
}

function FailingJobs({ data }: { data: Dashboard }) {
  return (
    <section className="card" aria-labelledby="failing-jobs">
      <h2 id="failing-jobs">Failing jobs</h2>
      {data.failingJobs.length === 0 ? (
        <p className="muted">No job's latest run failed.</p>
      ) : (
        <ul className="dash-list">
          {data.failingJobs.map((j) => (
            <li key={j.jobId}>
              <Link to={`/jobs/${j.jobId}`}>{j.jobName}</Link> <StatusBadge status="failed" /> <Link to={`/runs/${j.runId}`}>last run</Link>{' '}
              <span className="muted">{ago(j.finishedAt)}</span>
              {j.enabled ? null : <span className="muted"> (disabled)</span>}
              {j.error ? <div className="dash-error" title={j.error}>{j.error}</div> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ConnectionsDown({ data }: { data: Dashboard }) {
  return (
    <section className="card" aria-labelledby="connections-down">
      <h2 id="connections-down">Connections down</h2>
      {data.connectionsCheckedAt === null ? (
        <p className="muted">Checking every connection…</p>
      ) : data.connectionsDown.length === 0 ? (
        <p className="muted">Every connection answered.</p>
      ) : (
        <ul className="dash-list">
          {data.connectionsDown.map((c) => (
            <li key={c.id}>
              <Link to={`/connections/${c.id}`}>{c.name}</Link> <span className="muted">{c.dialect}</span> <StatusBadge status="down" />
              {c.error ? <div className="dash-error" title={c.error}>{c.error}</div> : null}
            </li>
          ))}
        </ul>
      )}
      {data.connectionsCheckedAt ? <p className="muted dash-footnote">Checked {ago(data.connectionsCheckedAt, new Date(data.generatedAt).getTime())}; checks are kept 30 s.</p> : null}
    </section>
  );
}

/** Runs per status over time, recent rates, queue depths, failing jobs and connections down; refreshed every 15 s. */
export default function DashboardPage() {
  const [params, setParams] = useSearchParams();
  const range: Range = params.get('range') === '14d' ? '14d' : '24h';
  const { data, error, loading, reload } = useApi((signal) => unwrap(api.GET('/api/dashboard', { params: { query: { range } }, signal })), [range]);
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const queued = data ? data.queues.reduce((sum, q) => sum + queueDepth(q), 0) : 0;
  return (
    <section aria-busy={loading}>
      <div className="toolbar dash-head">
        <h1>Dashboard</h1>
        <label>
          Period{' '}
          <select value={range} onChange={(e) => setParams(e.target.value === '24h' ? {} : { range: e.target.value })}>
            {RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={reload} disabled={loading}>
          Refresh
        </button>
        {data ? <span className="muted">Updated {new Date(data.generatedAt).toLocaleTimeString()}</span> : null}
      </div>
      <ErrorBanner error={error} />
      {!data ? (
        loading ? <p className="loading">Loading…</p> : null
      ) : (
        <>
          <FirstSteps counts={data.counts} />
          {data.counts.jobs > 0 ? <DemoHint /> : null}
          <DemoEventsHint />
          <Counts data={data} />
          <div className="dash-grid">
            <figure className="card dash-wide">
              <figcaption>
                <h2>Runs per status</h2> <span className="muted">by the {data.bucket} they were queued (UTC)</span>
              </figcaption>
              <RunsPerStatusChart data={data} />
            </figure>
            <figure className="card">
              <figcaption>
                <h2>Rows/s of recent runs</h2> <span className="muted">latest {data.recentRuns.length}, oldest first</span>
              </figcaption>
              <RowsPerSecondChart data={data} />
            </figure>
            <figure className="card">
              <figcaption>
                <h2>Queue depths</h2> <span className="muted">{queued} jobs not done</span>
              </figcaption>
              {data.queuesError ? <p className="notice">{data.queuesError}</p> : <QueueDepthChart data={data} />}
            </figure>
            <FailingJobs data={data} />
            <ConnectionsDown data={data} />
          </div>
        </>
      )}
    </section>
  );
}
