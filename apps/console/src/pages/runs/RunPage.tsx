import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { Schema } from '@dbferry/api-client';
import { api, unwrap } from '../../api/client';
import { errorMessage } from '../../api/errors';
import { ConfirmButton } from '../../components/ConfirmButton';
import { type Column, DataTable } from '../../components/DataTable';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useCan } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { useEventSource } from '../../components/useEventSource';
import { formatCount, formatTime, keyText, secondsBetween } from './format';
import { addSample, currentRate, etaSeconds, formatDuration, formatRate, isEnded, percentDone, runPercent, type Sample, toNumber } from './progress';
import './runs.css';

type RunView = Schema<'RunView'>;
type RunTable = Schema<'RunTableView'>;
type LogLine = Schema<'RunLogView'>;
type Reject = Schema<'RunRejectView'>;

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

const tableKey = (t: RunTable, i: number) => `${i}:${t.source}`;

/** A progress bar with its number: role=progressbar so a screen reader (and the browser test) reads it. */
function ProgressBar({ percent, label }: { percent: number; label: string }) {
  return (
    <div className="run-progress">
      <div className="run-progress-track" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div className="run-progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span className="run-progress-text">{percent}%</span>
    </div>
  );
}

function Header({ run, jobName, now }: { run: RunView; jobName?: string; now: number }) {
  const rows: [string, ReactNode][] = [
    ['Job', <Link key="job" to={`/jobs/${run.jobId}`}>{jobName ?? run.jobId}</Link>],
    ['Status', <StatusBadge key="status" status={run.status} />],
    ['Trigger', run.trigger],
    ['Queued', formatTime(run.queuedAt)],
    ['Started', formatTime(run.startedAt)],
    ['Finished', formatTime(run.finishedAt)],
    ['Duration', formatDuration(secondsBetween(run.startedAt, run.finishedAt, now))],
    ['Rows read', formatCount(run.rowsRead)],
    ['Rows written', formatCount(run.rowsWritten)],
    ['Rows/s (average)', formatRate(run.rowsPerSecond)],
    ['Rejects', formatCount(run.rejects)],
    ['Rows deleted', formatCount(run.rowsDeleted)],
    ['Drift', run.drift === null ? <span className="muted">not verified</span> : <DriftBadge drift={run.drift} />],
  ];
  return (
    <dl className="run-facts">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function TablesProgress({ run, samples, now }: { run: RunView; samples: Record<string, Sample[]>; now: number }) {
  if (!run.tables.length) {
    return <p className="muted">{isEnded(run.status) ? 'No table was planned.' : 'Planning: the tables appear once a worker has split them into chunks.'}</p>;
  }
  return (
    <div className="table-scroll">
      <table className="run-tables">
        <thead>
          <tr>
            <th scope="col">Table</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col" className="num">Rows written</th>
            <th scope="col" className="num">Chunks</th>
            <th scope="col" className="num">Rows/s</th>
            <th scope="col" className="num">ETA</th>
            <th scope="col" className="num">Rejects</th>
          </tr>
        </thead>
        <tbody>
          {run.tables.map((t, i) => {
            const live = !isEnded(t.status) && !isEnded(run.status);
            const rate = live ? currentRate(samples[tableKey(t, i)] ?? [], now, t.rowsPerSecond) : t.rowsPerSecond;
            return (
              <tr key={tableKey(t, i)} data-table={t.source}>
                <th scope="row">
                  <span className="mono">{t.source}</span>
                  {t.target !== t.source ? <span className="muted"> → <span className="mono">{t.target}</span></span> : null}
                  {t.error ? <div className="run-table-error">{t.error}</div> : null}
                </th>
                <td>
                  <StatusBadge status={t.status} />
                </td>
                <td className="run-progress-cell">
                  <ProgressBar percent={percentDone(t)} label={`${t.source} progress`} />
                </td>
                <td className="num">{formatCount(t.rowsWritten)}</td>
                <td className="num">
                  {t.chunksDone} / {t.chunksTotal}
                </td>
                <td className="num">{formatRate(rate)}</td>
                <td className="num">{live ? formatDuration(etaSeconds(t, rate)) : '—'}</td>
                <td className="num">{formatCount(t.rejects)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function DriftBadge({ drift }: { drift: number | string }) {
  return toNumber(drift) === 0 ? <span className="badge badge-ok">0 (clean)</span> : <span className="badge badge-warn">{formatCount(drift)} row(s)</span>;
}

/**
 * Verified sync: what the run's closing diff found per table (missing, extra, different, a few
 * keys of each) and why a table could not be verified; the full key list is the linked diff.
 */
function Verify({ run }: { run: RunView }) {
  if (run.drift === null && !run.verifyError) return null;
  return (
    <section aria-labelledby="verify-title">
      <h2 id="verify-title">Verify</h2>
      <p>
        Drift: {run.drift === null ? <span className="muted">not verified</span> : <DriftBadge drift={run.drift} />}
        {run.diffId ? (
          <>
            {' '}
            · <Link to={`/diffs/${run.diffId}`}>every differing key, in its diff</Link>
          </>
        ) : null}
      </p>
      {run.verifyError ? (
        <div className="run-table-error" role="alert">
          The verify could not finish: {run.verifyError}
        </div>
      ) : null}
      <div className="table-scroll">
        <table className="run-tables" aria-label="Drift per table">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col" className="num">Missing</th>
              <th scope="col" className="num">Extra</th>
              <th scope="col" className="num">Different</th>
              <th scope="col">Sample keys</th>
            </tr>
          </thead>
          <tbody>
            {run.tables.map((t, i) => (
              <tr key={tableKey(t, i)} data-drift-table={t.source}>
                <th scope="row">
                  <span className="mono">{t.source}</span>
                  {t.verifyError ? <div className="run-table-error">not verified: {t.verifyError}</div> : null}
                </th>
                <td className="num">{t.driftDetail ? t.driftDetail.missing : '—'}</td>
                <td className="num">{t.driftDetail ? t.driftDetail.extra : '—'}</td>
                <td className="num">{t.driftDetail ? t.driftDetail.different : '—'}</td>
                <td>
                  {t.driftDetail?.samples.length ? (
                    <ul className="run-drift-samples">
                      {t.driftDetail.samples.slice(0, 9).map((sample) => (
                        <li key={`${sample.kind}:${JSON.stringify(sample.key)}`}>
                          <span className="badge badge-muted">{sample.kind}</span> <span className="mono">{keyText(sample.key)}</span>
                          {sample.columns?.length ? <span className="muted"> ({sample.columns.join(', ')})</span> : null}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">{t.driftDetail ? 'none' : '—'}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Lossy type mappings the plan chose, and values the write altered (zero dates, NULs…), per table. */
function ValueLosses({ run }: { run: RunView }) {
  const tables = run.tables.filter((t) => t.losses.length || t.warnings.length);
  return (
    <section aria-labelledby="losses-title">
      <h2 id="losses-title">Value-loss warnings</h2>
      {tables.length === 0 ? (
        <p className="muted">None: every column maps to the target without loss{isEnded(run.status) ? ' and no value was altered.' : ' and no value has been altered so far.'}</p>
      ) : (
        tables.map((t) => (
          <div className="card run-losses" key={t.source}>
            <h3 className="mono">{t.source}</h3>
            {t.losses.length ? (
              <ul>
                {t.losses.map((l) => (
                  <li key={`${l.column}-${l.kind}`}>
                    <strong className="mono">{l.column}</strong> <span className="badge badge-warn">{l.kind}</span> {l.description}
                  </li>
                ))}
              </ul>
            ) : null}
            {t.warnings.length ? (
              <ul>
                {t.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ))
      )}
    </section>
  );
}

function TablePlans({ run }: { run: RunView }) {
  if (!run.tables.length) return null;
  return (
    <details className="run-plans">
      <summary>Keys and DDL of each table</summary>
      {run.tables.map((t) => (
        <div key={t.source} className="run-plan">
          <h3 className="mono">{t.source}</h3>
          <p>
            Key: {t.keyColumns.length ? <span className="mono">{t.keyColumns.join(', ')}</span> : 'none'}
            {t.resumable ? '' : ' (copied whole, cannot resume part-way)'}
            {t.incrementalColumn ? (
              <>
                {' '}
                · incremental on <span className="mono">{t.incrementalColumn}</span>
              </>
            ) : null}
          </p>
          {t.ddl.length ? <pre>{t.ddl.join(';\n')}</pre> : <p className="muted">No DDL ran on the target.</p>}
        </div>
      ))}
    </details>
  );
}

const logColumns: Column<LogLine>[] = [
  { key: 'at', header: 'Time', className: 'nowrap', render: (l) => <time dateTime={l.at}>{formatTime(l.at)}</time> },
  { key: 'level', header: 'Level', render: (l) => <span className={`log-level log-${l.level}`}>{l.level}</span> },
  { key: 'table', header: 'Table', render: (l) => (l.table ? <span className="mono">{l.table}</span> : null) },
  {
    key: 'message',
    header: 'Message',
    render: (l) => (
      <>
        <span className="log-message">{l.message}</span>
        {l.error ? (
          <details>
            <summary>
              {l.error.class}
              {l.error.code ? ` (${l.error.code})` : ''}
            </summary>
            {l.error.stack ? <pre>{l.error.stack}</pre> : null}
          </details>
        ) : null}
      </>
    ),
  },
];

const rejectColumns: Column<Reject>[] = [
  { key: 'table', header: 'Table', render: (r) => <span className="mono">{r.target}</span> },
  { key: 'key', header: 'Key', render: (r) => <span className="mono">{keyText(r.key)}</span> },
  { key: 'column', header: 'Column', render: (r) => (r.column ? <span className="mono">{r.column}</span> : <span className="muted">—</span>) },
  { key: 'error', header: 'Driver error', render: (r) => <span className="reject-error">{r.error}</span> },
  { key: 'at', header: 'Time', className: 'nowrap', render: (r) => formatTime(r.at) },
];

/**
 * One run: its facts, each table's progress live over the event stream (rows, chunks, rows/s,
 * ETA), value-loss warnings, rejects with the driver's error, the log with a level filter, and
 * cancel for operators.
 */
export default function RunPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const level: Level | undefined = LEVELS.find((l) => l === params.get('level'));
  const canCancel = useCan('operator');
  const [run, setRun] = useState<RunView>();
  const [samples, setSamples] = useState<Record<string, Sample[]>>({});
  const [now, setNow] = useState(() => Date.now());

  const apply = useCallback((next: RunView) => {
    const at = Date.now();
    setRun(next);
    setNow(at);
    setSamples((previous) => {
      const updated: Record<string, Sample[]> = {};
      next.tables.forEach((t, i) => {
        const key = tableKey(t, i);
        updated[key] = addSample(previous[key] ?? [], { at, rows: toNumber(t.rowsWritten) });
      });
      return updated;
    });
  }, []);

  const loaded = useApi((signal) => unwrap(api.GET('/api/runs/{id}', { params: { path: { id } }, signal })), [id]);
  useEffect(() => {
    if (loaded.data) apply(loaded.data);
  }, [loaded.data, apply]);

  const active = run !== undefined && run.id === id && !isEnded(run.status);
  // A new attempt changes the path (by its fragment, which fetch never sends), so the stream reopens.
  const [attempt, setAttempt] = useState(0);
  const stream = useEventSource<RunView>(active ? `/api/runs/${id}/stream#${attempt}` : null, (data, event) => {
    if (event.event === 'run' && data && typeof data === 'object') apply(data);
  });
  const lost = active && (stream.error !== undefined || stream.done);
  const reloadRun = loaded.reload;
  const reconnect = useCallback(() => {
    reloadRun();
    setAttempt((n) => n + 1);
  }, [reloadRun]);
  // The stream broke (the API restarted, the network dropped) while the run goes on: try again.
  useEffect(() => {
    if (!lost) return;
    const timer = setTimeout(reconnect, 3000);
    return () => clearTimeout(timer);
  }, [lost, reconnect]);

  // While the run is active, the clock moves: durations grow and a stalled table's rate falls.
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);

  const job = useApi(
    (signal) => (run?.jobId ? unwrap(api.GET('/api/jobs/{id}', { params: { path: { id: run.jobId } }, signal })) : Promise.resolve(undefined)),
    [run?.jobId],
  );

  const setLevel = (value: string) =>
    setParams((current) => {
      const copy = new URLSearchParams(current);
      if (value) copy.set('level', value);
      else copy.delete('level');
      copy.delete('logs');
      return copy;
    });

  // On their first page the log and the rejects follow the run as it goes; on a later page they
  // hold still while the reader is there (a change of deps would send the table back to page one).
  const logTick = useRef('');
  const rejectTick = useRef('');
  if (run && !params.get('logs')) logTick.current = `${run.status}:${run.tables.reduce((n, t) => n + t.chunksDone, 0)}`;
  if (run && !params.get('rejects')) rejectTick.current = `${run.status}:${run.rejects}`;

  if (!run || run.id !== id) {
    return (
      <section>
        <h1>Run</h1>
        <ErrorBanner error={loaded.error} />
        {loaded.error ? null : <p className="loading">Loading…</p>}
      </section>
    );
  }

  const cancel = async () => apply(await unwrap(api.POST('/api/runs/{id}/cancel', { params: { path: { id } } })));

  return (
    <section className="run-page">
      <div className="toolbar">
        <h1>
          Run <span className="mono">{run.id.slice(0, 8)}</span>
        </h1>
        <StatusBadge status={run.status} />
        <span className="spacer" />
        <Link to="/runs">All runs</Link>
        {canCancel && active ? (
          <ConfirmButton
            title="Cancel this run?"
            confirmLabel="Cancel run"
            message={
              <p>
                Chunks not yet started are skipped; a chunk being written finishes its transaction. Rows already written stay in the target.
              </p>
            }
            onConfirm={cancel}
          >
            Cancel run
          </ConfirmButton>
        ) : null}
      </div>
      {run.error ? (
        <div className="error-banner" role="alert">
          <div className="error-banner-message">{run.error}</div>
        </div>
      ) : null}
      {lost ? (
        <div className="notice" role="status">
          Live updates stopped{stream.error ? ` (${errorMessage(stream.error)})` : ''}; reconnecting…{' '}
          <button type="button" className="link-button" onClick={reconnect}>
            Reconnect now
          </button>
        </div>
      ) : null}
      <ProgressBar percent={runPercent(run.tables, run.status)} label="Run progress" />
      <p className="muted run-live" aria-live="polite">
        {active ? (stream.open ? 'Live: updates as the workers report.' : 'Connecting to live updates…') : `Ended ${formatTime(run.finishedAt)}.`}
      </p>
      <Header run={run} jobName={job.data?.name} now={now} />

      <h2>Tables</h2>
      <TablesProgress run={run} samples={samples} now={now} />
      <TablePlans run={run} />

      <Verify run={run} />
      <ValueLosses run={run} />

      {toNumber(run.rejects) > 0 ? (
        <section aria-labelledby="rejects-title">
          <h2 id="rejects-title">Rejected rows</h2>
          <p className="muted">Rows the target refused, left out of the copy, with the database's own error.</p>
          <DataTable<Reject>
            urlKey="rejects"
            defaultPageSize={25}
            columns={rejectColumns}
            deps={[id, rejectTick.current]}
            rowKey={(r) => r.id}
            load={(page, signal) => unwrap(api.GET('/api/runs/{id}/rejects', { params: { path: { id }, query: page }, signal }))}
          />
        </section>
      ) : null}

      <section aria-labelledby="logs-title">
        <div className="toolbar">
          <h2 id="logs-title">Log</h2>
          <span className="spacer" />
          <Field label="Level">
            <select name="level" value={level ?? ''} onChange={(e) => setLevel(e.target.value)}>
              <option value="">All levels</option>
              <option value="info">info and above</option>
              <option value="warn">warn and above</option>
              <option value="error">error only</option>
            </select>
          </Field>
        </div>
        <DataTable<LogLine>
          urlKey="logs"
          columns={logColumns}
          deps={[id, level, logTick.current]}
          rowKey={(l) => l.id}
          empty={level ? `No line at ${level} or above.` : 'No log line yet.'}
          load={(page, signal) => unwrap(api.GET('/api/runs/{id}/logs', { params: { path: { id }, query: { ...page, ...(level && { level }) } }, signal }))}
        />
      </section>
    </section>
  );
}
