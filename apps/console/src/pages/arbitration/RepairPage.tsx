import { type ReactNode, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useCan } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { formatCount, formatTime } from '../runs/format';
import { connectionNames, download, nameOf, repairSql, type RepairView, str } from './arbitration';
import './arbitration.css';

/** How often a repair being planned or applied is read again (repairs have no event stream). */
const POLL_MS = 1000;

/** The repair's winner in words: a source, the newest by a column, or the majority. */
export function ruleText(repair: RepairView, names?: Map<string, string>): string {
  const rule = repair.rule as { kind?: string; column?: string; connectionId?: string };
  if (rule.kind === 'newest') return `newest by ${rule.column ?? '?'}`;
  if (rule.kind === 'majority') return 'majority';
  const source = str(repair.sourceId) ?? rule.connectionId;
  return source ? `source ${nameOf(names, source)}` : (rule.kind ?? '—');
}

/** The generated type of the repair's times is loose (no `type: String` on those DTO fields): they are ISO strings. */
const time = (value: unknown) => formatTime(typeof value === 'string' ? value : null);

/** One target's plan as SQL: shown on demand and downloadable as a file. */
function TargetSql({ repairId, connectionId, name }: { repairId: string; connectionId: string; name: string }) {
  const [open, setOpen] = useState(false);
  const sql = useApi((signal) => (open ? repairSql(repairId, connectionId, signal) : Promise.resolve(undefined)), [open, repairId, connectionId]);
  const save = async () => download(sql.data ?? (await repairSql(repairId, connectionId)), `repair-${repairId.slice(0, 8)}-${name.replace(/[^\w.-]+/g, '_')}.sql`, 'application/sql');
  return (
    <div className="arb-sql" data-target={name}>
      <div className="toolbar">
        <button type="button" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'Hide SQL' : `Show SQL for ${name}`}
        </button>
        <button type="button" onClick={save}>
          Download {name}.sql
        </button>
      </div>
      <ErrorBanner error={sql.error} />
      {open && sql.data !== undefined ? (
        <pre className="arb-sql-text" aria-label={`SQL for ${name}`} tabIndex={0}>
          {sql.data || '-- nothing to change on this target'}
        </pre>
      ) : null}
    </div>
  );
}

/**
 * One repair: its rule and targets, per target the planned and applied counts and the SQL, Apply
 * (operators and admins, for a dry run or to run it again) and the re-verify's result.
 */
export default function RepairPage() {
  const { id = '' } = useParams();
  const canApply = useCan('operator');
  const names = useApi((signal) => connectionNames(signal), []);
  const loaded = useApi((signal) => unwrap(api.GET('/api/repairs/{id}', { params: { path: { id } }, signal })), [id]);
  const repair = loaded.data?.id === id ? loaded.data : undefined;
  const busy = repair?.status === 'running';
  const reload = loaded.reload;
  useEffect(() => {
    if (!busy) return;
    const timer = setTimeout(reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [busy, reload, loaded.data]);
  if (!repair) {
    return (
      <section>
        <h1>Repair</h1>
        <ErrorBanner error={loaded.error} />
        {loaded.error ? null : <p className="loading">Loading…</p>}
      </section>
    );
  }
  const n = names.data;
  const diffId = str(repair.diffId);
  const error = str(repair.error);
  const apply = async () => {
    await unwrap(api.POST('/api/repairs/{id}/apply', { params: { path: { id } } }));
    reload();
  };
  const facts: [string, ReactNode][] = [
    ['Status', <StatusBadge key="s" status={repair.status} />],
    ['Dry run', repair.dryRun ? 'yes' : 'no'],
    ['Diff', diffId ? <Link key="d" to={`/diffs/${diffId}`}>{diffId.slice(0, 8)}</Link> : '—'],
    ['Table', str(repair.table) ?? '—'],
    ['Winner', ruleText(repair, n)],
    ['Delete extra rows', repair.deleteExtra ? 'yes' : 'no'],
    ['Keys decided', formatCount(repair.keys)],
    ['Applies', formatCount(repair.applies)],
    ['Created', formatTime(repair.createdAt)],
    ['Planned', time(repair.plannedAt)],
    ['Started', time(repair.startedAt)],
    ['Finished', time(repair.finishedAt)],
  ];
  const planned = repair.status !== 'running' || repair.plannedAt !== null;
  return (
    <section className="run-page arb-page">
      <div className="toolbar">
        <h1>
          Repair <span className="mono">{repair.id.slice(0, 8)}</span>
        </h1>
        <StatusBadge status={repair.status} />
        <span className="spacer" />
        <Link to="/repairs">All repairs</Link>
        {canApply && (repair.status === 'planned' || repair.status === 'succeeded' || repair.status === 'failed') ? (
          <ConfirmButton
            className="primary"
            title="Apply this repair?"
            confirmLabel="Apply"
            message={
              <p>
                The stored plan is written to {repair.targetIds.map((t) => nameOf(n, t)).join(', ')}, one transaction per segment; a row already right is left alone, so applying again changes nothing. Then the repaired keys are diffed again.
              </p>
            }
            onConfirm={apply}
          >
            {repair.status === 'planned' ? 'Apply' : 'Apply again'}
          </ConfirmButton>
        ) : null}
      </div>
      {error ? (
        <div className="error-banner" role="alert">
          <div className="error-banner-message">{error}</div>
        </div>
      ) : null}
      <p className="muted run-live" aria-live="polite">
        {busy ? (repair.plannedAt ? 'Applying…' : 'Planning…') : repair.status === 'planned' ? 'Planned (dry run): read the SQL, then apply.' : `Ended ${time(repair.finishedAt)}.`}
      </p>
      <dl className="run-facts">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>

      <h2>Targets</h2>
      <div className="table-scroll">
        <table className="arb-counts" aria-label="Targets">
          <thead>
            <tr>
              <th scope="col">Target</th>
              <th scope="col" className="num">Upserts planned</th>
              <th scope="col" className="num">Deletes planned</th>
              <th scope="col" className="num">Unresolved</th>
              <th scope="col" className="num">Upserted</th>
              <th scope="col" className="num">Deleted</th>
              <th scope="col" className="num">Errors</th>
            </tr>
          </thead>
          <tbody>
            {repair.targetIds.map((t) => {
              const c = repair.targets[t];
              return (
                <tr key={t} data-target={nameOf(n, t)}>
                  <th scope="row">{nameOf(n, t)}</th>
                  <td className="num">{formatCount(c?.upserts ?? 0)}</td>
                  <td className="num">{formatCount(c?.deletes ?? 0)}</td>
                  <td className="num">{formatCount(c?.unresolved ?? 0)}</td>
                  <td className="num">{formatCount(c?.upserted ?? 0)}</td>
                  <td className="num">{formatCount(c?.deleted ?? 0)}</td>
                  <td className="num">{formatCount(c?.errors ?? 0)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <h2>Re-verify</h2>
      <p data-testid="reverify">
        {repair.verify.clean === null ? (
          <span className="muted">{repair.applies > 0 || busy ? 'Not finished yet.' : 'After an apply, the repaired keys are diffed again.'}</span>
        ) : repair.verify.clean ? (
          <span className="badge badge-ok">clean</span>
        ) : (
          <span className="badge badge-bad">drift remains</span>
        )}
        {repair.verify.diffId ? (
          <>
            {' '}
            <Link to={`/diffs/${repair.verify.diffId}`}>the re-verify's diff</Link>
          </>
        ) : null}
      </p>

      <h2>SQL per target</h2>
      {planned ? (
        repair.targetIds.map((t) => <TargetSql key={t} repairId={repair.id} connectionId={t} name={nameOf(n, t)} />)
      ) : (
        <p className="muted">The SQL is shown once the plan is stored.</p>
      )}
    </section>
  );
}
