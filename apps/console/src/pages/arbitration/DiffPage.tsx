import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ApiError, errorMessage } from '../../api/errors';
import { ConfirmButton } from '../../components/ConfirmButton';
import { type Column, DataTable } from '../../components/DataTable';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useCan } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { useEventSource } from '../../components/useEventSource';
import { formatCount, formatTime, keyText, secondsBetween } from '../runs/format';
import { formatDuration } from '../runs/progress';
import { arbiterKey, connectionNames, DIFF_KINDS, type DiffKind, type DiffRow, type DiffTable, type DiffView, isDiffActive, KIND_LABEL, nameOf } from './arbitration';
import { SideBySide } from './SideBySide';
import './arbitration.css';

function Facts({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="run-facts">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Progress({ done, total, label }: { done: number; total: number; label: string }) {
  const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
  return (
    <div className="run-progress">
      <div className="run-progress-track" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div className="run-progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span className="run-progress-text">
        {done} / {total}
      </span>
    </div>
  );
}

/** One table's result: per other connection missing, extra, different and the differing columns; notes; samples. */
function TableResult({ diff, table, names }: { diff: DiffView; table: DiffTable; names?: Map<string, string> }) {
  return (
    <div className="card arb-table" data-table={table.table} role="region" aria-label={`Table ${table.table}`}>
      <div className="toolbar">
        <h3 className="mono">{table.table}</h3>
        <StatusBadge status={table.status} />
        <span className="spacer" />
        <span className="muted">{formatCount(table.rowsCompared)} rows compared</span>
      </div>
      <Progress done={table.segmentsDone} total={table.segmentsTotal} label={`${table.table} segments`} />
      {table.error ? <div className="run-table-error">{table.error}</div> : null}
      <table className="arb-counts">
        <thead>
          <tr>
            <th scope="col">Connection</th>
            <th scope="col">Table there</th>
            <th scope="col" className="num">Missing</th>
            <th scope="col" className="num">Extra</th>
            <th scope="col" className="num">Different</th>
            <th scope="col">Differing columns</th>
          </tr>
        </thead>
        <tbody>
          {diff.otherIds.map((id) => (
            <tr key={id} data-connection={nameOf(names, id)}>
              <th scope="row">{nameOf(names, id)}</th>
              <td className="mono">{table.others[id] ?? '—'}</td>
              <td className="num">{formatCount(table.missing[id] ?? 0)}</td>
              <td className="num">{formatCount(table.extra[id] ?? 0)}</td>
              <td className="num">{formatCount(table.different[id] ?? 0)}</td>
              <td className="mono">{(table.columns[id] ?? []).join(', ') || <span className="muted">none</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {table.notes.length ? (
        <div className="arb-notes">
          <h4>Notes</h4>
          <ul>
            {table.notes.map((n) => (
              <li key={`${n.connectionId}-${n.column}`}>
                <strong className="mono">{n.column}</strong> on {nameOf(names, n.connectionId)}: {n.note}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {table.samples.length ? (
        <details className="arb-samples">
          <summary>Samples ({table.samples.length})</summary>
          {table.samples.map((s, i) => (
            <div key={i} className="arb-sample">
              <p>
                <span className="badge badge-warn">{s.kind}</span> key <span className="mono">{keyText(s.key)}</span> on {nameOf(names, s.connectionId)}
                {s.columns.length ? (
                  <>
                    {' '}
                    · <span className="mono">{s.columns.join(', ')}</span>
                  </>
                ) : null}
              </p>
              <SideBySide values={s.values} order={[diff.referenceId, s.connectionId]} differing={s.columns} names={names} />
            </div>
          ))}
        </details>
      ) : null}
    </div>
  );
}

/** The differing rows of one table, paged by kind and connection, each side's values side by side. */
function DifferingRows({ diff, names }: { diff: DiffView; names?: Map<string, string> }) {
  const [params, setParams] = useSearchParams();
  const tables = diff.tables.map((t) => t.table);
  const table = tables.find((t) => t === params.get('table')) ?? tables[0];
  const kind: DiffKind = DIFF_KINDS.find((k) => k === params.get('kind')) ?? 'different';
  const connectionId = diff.otherIds.find((id) => id === params.get('connectionId')) ?? diff.otherIds[0];
  const [valuesError, setValuesError] = useState<string>();
  const set = (name: string, value: string) =>
    setParams((current) => {
      const copy = new URLSearchParams(current);
      copy.set(name, value);
      copy.delete('rows');
      return copy;
    });
  if (!table) return null;
  const tableView = diff.tables.find((t) => t.table === table);
  const columns: Column<DiffRow>[] = [
    { key: 'key', header: 'Key', render: (r) => <span className="mono">{keyText(r.key)}</span> },
    { key: 'columns', header: 'Differing columns', render: (r) => <span className="mono">{r.columns?.join(', ') || '—'}</span> },
    { key: 'values', header: 'Values', render: (r) => <SideBySide values={r.values} order={[diff.referenceId, r.connectionId]} differing={r.columns ?? []} names={names} /> },
    {
      key: 'arbiter',
      header: '',
      render: (r) => {
        // A one-column key goes as its value; a composite key needs its column names, which the row does not say.
        if (r.key.length !== 1) return null;
        const query = new URLSearchParams({ connections: [diff.referenceId, ...diff.otherIds].join(','), table, key: arbiterKey(r.key, []) });
        return <Link to={`/arbiter?${query.toString()}`}>Arbiter</Link>;
      },
    },
  ];
  return (
    <section aria-labelledby="rows-title">
      <h2 id="rows-title">Differing rows</h2>
      <form className="toolbar filters" aria-label="Which rows" onSubmit={(e) => e.preventDefault()}>
        {tables.length > 1 ? (
          <Field label="Table">
            <select value={table} onChange={(e) => set('table', e.target.value)}>
              {tables.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </Field>
        ) : null}
        {diff.otherIds.length > 1 ? (
          <Field label="Connection">
            <select value={connectionId} onChange={(e) => set('connectionId', e.target.value)}>
              {diff.otherIds.map((id) => (
                <option key={id} value={id}>
                  {nameOf(names, id)}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <Field label="Kind">
          <select value={kind} onChange={(e) => set('kind', e.target.value)}>
            {DIFF_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABEL[k]} — {formatCount(tableView?.[k][connectionId] ?? 0)}
              </option>
            ))}
          </select>
        </Field>
      </form>
      <DataTable<DiffRow>
        urlKey="rows"
        defaultPageSize={25}
        columns={columns}
        deps={[diff.id, table, kind, connectionId, diff.status]}
        rowKey={(r) => `${r.connectionId}:${JSON.stringify(r.key)}`}
        empty={`No ${kind} row on ${nameOf(names, connectionId)}.`}
        caption={valuesError ? `The rows' values could not be read now: ${valuesError}` : undefined}
        load={async (page, signal) => {
          const result = await unwrap(api.GET('/api/diffs/{id}/rows', { params: { path: { id: diff.id }, query: { ...page, table, kind, connectionId } }, signal }));
          setValuesError(result.valuesError);
          return result;
        }}
      />
    </section>
  );
}

/** The repair form, opened from a finished diff: the winner (a source or a rule), the targets, deleteExtra and dry run. */
function RepairForm({ diff, names, onClose }: { diff: DiffView; names?: Map<string, string>; onClose: () => void }) {
  const connections = [diff.referenceId, ...diff.otherIds];
  const [table, setTable] = useState(diff.tables[0]?.table ?? '');
  const [winner, setWinner] = useState<string>(diff.referenceId);
  const [column, setColumn] = useState('');
  const [targets, setTargets] = useState<string[]>(diff.otherIds);
  const [deleteExtra, setDeleteExtra] = useState(false);
  const [dryRun, setDryRun] = useState(true);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const fields = error instanceof ApiError ? error : undefined;
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const rule = winner === 'newest' ? { kind: 'newest' as const, column } : winner === 'majority' ? { kind: 'majority' as const } : undefined;
      const { repairId } = await unwrap(
        api.POST('/api/repairs', {
          body: { diffId: diff.id, ...(diff.tables.length > 1 ? { table } : {}), ...(rule ? { rule } : { sourceId: winner }), targetIds: targets, deleteExtra, dryRun },
        }),
      );
      navigate(`/repairs/${repairId}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <form className="card arb-repair-form" onSubmit={submit} aria-label="Repair">
      <h2>Repair</h2>
      <ErrorBanner error={error} />
      {diff.tables.length > 1 ? (
        <Field label="Table" error={fields?.fieldMessage('table')}>
          <select value={table} onChange={(e) => setTable(e.target.value)}>
            {diff.tables.map((t) => (
              <option key={t.table}>{t.table}</option>
            ))}
          </select>
        </Field>
      ) : null}
      <Field label="Winner" hint="Whose row is written: a source of truth, the newest by a column, or the row most connections hold (a tie is left alone)." error={fields?.fieldMessage('sourceId') ?? fields?.fieldMessage('rule')}>
        <select
          value={winner}
          onChange={(e) => {
            setWinner(e.target.value);
            if (connections.includes(e.target.value)) setTargets(connections.filter((id) => id !== e.target.value));
          }}
        >
          {connections.map((id) => (
            <option key={id} value={id}>
              Source: {nameOf(names, id)}
            </option>
          ))}
          <option value="newest">Newest by a column</option>
          <option value="majority">Majority</option>
        </select>
      </Field>
      {winner === 'newest' ? (
        <Field label="Newest by column" error={fields?.fieldMessage('rule.column')} required>
          <input value={column} onChange={(e) => setColumn(e.target.value)} placeholder="updated_at" />
        </Field>
      ) : null}
      <fieldset className="arb-checks">
        <legend>Targets (written)</legend>
        {connections
          .filter((id) => id !== winner)
          .map((id) => (
            <label key={id}>
              <input type="checkbox" checked={targets.includes(id)} onChange={(e) => setTargets(e.target.checked ? [...targets, id] : targets.filter((t) => t !== id))} /> {nameOf(names, id)}
            </label>
          ))}
        {fields?.fieldMessage('targetIds') ? <div className="field-error" role="alert">{fields.fieldMessage('targetIds')}</div> : null}
      </fieldset>
      <label className="arb-check">
        <input type="checkbox" checked={deleteExtra} onChange={(e) => setDeleteExtra(e.target.checked)} /> Delete rows the winner does not have (deleteExtra)
      </label>
      <label className="arb-check">
        <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} /> Dry run: plan only, show the counts and SQL, apply later
      </label>
      <div className="form-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy || targets.length === 0}>
          {busy ? 'Planning…' : dryRun ? 'Plan repair' : 'Repair now'}
        </button>
      </div>
    </form>
  );
}

/** One diff: its facts, progress live over the event stream, each table's counts, notes and samples, the differing rows, cancel and repair. */
export default function DiffPage() {
  const { id = '' } = useParams();
  const canEdit = useCan('operator');
  const [diff, setDiff] = useState<DiffView>();
  const [repairing, setRepairing] = useState(false);
  const names = useApi((signal) => connectionNames(signal), []);
  const loaded = useApi((signal) => unwrap(api.GET('/api/diffs/{id}', { params: { path: { id } }, signal })), [id]);
  useEffect(() => {
    if (loaded.data) setDiff(loaded.data);
  }, [loaded.data]);
  const active = diff !== undefined && diff.id === id && isDiffActive(diff.status);
  const [attempt, setAttempt] = useState(0);
  const stream = useEventSource<DiffView>(active ? `/api/diffs/${id}/stream#${attempt}` : null, (data, event) => {
    if (event.event === 'diff' && data && typeof data === 'object') setDiff(data);
  });
  const lost = active && (stream.error !== undefined || stream.done);
  const reloadDiff = loaded.reload;
  const reconnect = useCallback(() => {
    reloadDiff();
    setAttempt((n) => n + 1);
  }, [reloadDiff]);
  useEffect(() => {
    if (!lost) return;
    const timer = setTimeout(reconnect, 3000);
    return () => clearTimeout(timer);
  }, [lost, reconnect]);

  if (!diff || diff.id !== id) {
    return (
      <section>
        <h1>Diff</h1>
        <ErrorBanner error={loaded.error} />
        {loaded.error ? null : <p className="loading">Loading…</p>}
      </section>
    );
  }
  const n = names.data;
  const cancel = async () => setDiff(await unwrap(api.POST('/api/diffs/{id}/cancel', { params: { path: { id } } })));
  return (
    <section className="run-page arb-page">
      <div className="toolbar">
        <h1>
          Diff <span className="mono">{diff.id.slice(0, 8)}</span>
        </h1>
        <StatusBadge status={diff.status} />
        <span className="spacer" />
        <Link to="/diffs">All diffs</Link>
        {canEdit && active ? (
          <ConfirmButton title="Cancel this diff?" confirmLabel="Cancel diff" message={<p>Segments not yet compared are skipped; the counts so far stay.</p>} onConfirm={cancel}>
            Cancel diff
          </ConfirmButton>
        ) : null}
        {canEdit && diff.status === 'succeeded' && !repairing ? (
          <button type="button" className="primary" onClick={() => setRepairing(true)}>
            Repair…
          </button>
        ) : null}
      </div>
      {diff.error ? (
        <div className="error-banner" role="alert">
          <div className="error-banner-message">{diff.error}</div>
        </div>
      ) : null}
      {lost ? (
        <div className="notice" role="status">
          Live updates stopped{stream.error ? ` (${errorMessage(stream.error)})` : ''}; reconnecting…
        </div>
      ) : null}
      <Progress done={diff.progress.segmentsDone} total={diff.progress.segmentsTotal} label="Diff segments" />
      <p className="muted run-live" aria-live="polite">
        {active ? (stream.open ? 'Live: updates as the workers compare segments.' : 'Connecting to live updates…') : `Ended ${formatTime(diff.finishedAt)}.`}
      </p>
      <Facts
        items={[
          ['Reference', nameOf(n, diff.referenceId)],
          ['Compared with', diff.otherIds.map((o) => nameOf(n, o)).join(', ')],
          ['Trigger', diff.trigger],
          ['Created', formatTime(diff.createdAt)],
          ['Started', formatTime(diff.startedAt)],
          ['Finished', formatTime(diff.finishedAt)],
          ['Duration', formatDuration(secondsBetween(diff.startedAt, diff.finishedAt))],
          ['Rows compared', formatCount(diff.progress.rowsCompared)],
          ['Differences', formatCount(diff.progress.differences)],
        ]}
      />
      {repairing ? <RepairForm diff={diff} names={n} onClose={() => setRepairing(false)} /> : null}
      <h2>Tables</h2>
      {diff.tables.length === 0 ? <p className="muted">Planning: the tables appear once a worker has resolved them on every side.</p> : null}
      {diff.tables.map((t) => (
        <TableResult key={t.table} diff={diff} table={t} names={n} />
      ))}
      <DifferingRows diff={diff} names={n} />
    </section>
  );
}
