import { type FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useApi } from '../../components/useApi';
import { loadConnections } from '../jobs/jobs-api';
import { keyText } from '../runs/format';
import { type ArbiterView, nameOf } from './arbitration';
import { SideBySide } from './SideBySide';
import './arbitration.css';

/**
 * One key's row on several connections side by side, the differing columns marked, whether they
 * agree and which connections hold the majority. The question lives in the URL, so a diff's row
 * links here and a result can be shared.
 */
export default function ArbiterPage() {
  const [params, setParams] = useSearchParams();
  const connections = useApi((signal) => loadConnections(signal), []);
  const asked = {
    connections: (params.get('connections') ?? '').split(',').filter(Boolean),
    table: params.get('table') ?? '',
    key: params.get('key') ?? '',
    keyColumns: params.get('keyColumns') ?? '',
    columns: params.get('columns') ?? '',
  };
  const [chosen, setChosen] = useState<string[]>(asked.connections);
  const [table, setTable] = useState(asked.table);
  const [key, setKey] = useState(asked.key);
  const [keyColumns, setKeyColumns] = useState(asked.keyColumns);
  const [columns, setColumns] = useState(asked.columns);
  const [checkError, setCheckError] = useState<Record<string, string>>({});
  const ready = asked.connections.length > 0 && asked.table !== '' && asked.key !== '';
  const result = useApi<ArbiterView | null>(
    (signal) =>
      ready
        ? unwrap(
            api.GET('/api/arbiter', {
              params: {
                query: {
                  connections: asked.connections.join(','),
                  table: asked.table,
                  key: asked.key,
                  ...(asked.keyColumns ? { keyColumns: asked.keyColumns } : {}),
                  ...(asked.columns ? { columns: asked.columns } : {}),
                },
              },
              signal,
            }),
          )
        : Promise.resolve(null),
    [params.toString()],
  );
  const apiError = result.error instanceof ApiError ? result.error : undefined;
  const errorOf = (field: string) => checkError[field] ?? apiError?.fieldMessage(field);
  const names = new Map((connections.data ?? []).map((c) => [c.id, c.name]));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (chosen.length < 2) found.connections = 'Pick at least two connections.';
    if (!table.trim()) found.table = 'Name the table (schema.table).';
    if (!key.trim()) found.key = 'Give the key: a value, or a JSON object for a composite key.';
    setCheckError(found);
    if (Object.keys(found).length) return;
    const next = new URLSearchParams({ connections: chosen.join(','), table: table.trim(), key: key.trim() });
    if (keyColumns.trim()) next.set('keyColumns', keyColumns.trim());
    if (columns.trim()) next.set('columns', columns.trim());
    setParams(next);
  };

  const view = result.data;
  return (
    <section className="arb-page">
      <div className="toolbar">
        <h1>Arbiter</h1>
        <span className="spacer" />
        <Link to="/diffs">Diffs</Link>
      </div>
      <p className="muted">One key's row on each connection, compared exactly across dialects (0.5 = 0.50, JSON by canonical form, text by code points, NULL ≠ ''), with the majority.</p>
      <form onSubmit={submit} noValidate aria-label="Arbiter question" className="card">
        <fieldset className="arb-checks">
          <legend>Connections * (their order breaks a tie)</legend>
          {connections.data?.map((c) => (
            <label key={c.id}>
              <input type="checkbox" checked={chosen.includes(c.id)} onChange={(e) => setChosen(e.target.checked ? [...chosen, c.id] : chosen.filter((id) => id !== c.id))} /> {c.name} ({c.dialect})
            </label>
          ))}
          {errorOf('connections') ? <div className="field-error" role="alert">{errorOf('connections')}</div> : null}
        </fieldset>
        <div className="arb-row">
          <Field label="Table" hint="schema.table on the first connection; its default schema stands for each connection's own." error={errorOf('table')} required>
            <input value={table} onChange={(e) => setTable(e.target.value)} placeholder="public.orders" />
          </Field>
          <Field label="Key" hint='A one-column key as text, or {"region": 2, "seq": 9} for a composite key.' error={errorOf('key')} required>
            <input name="key" value={key} onChange={(e) => setKey(e.target.value)} placeholder="42" />
          </Field>
        </div>
        <div className="arb-row">
          <Field label="Key columns" hint="Comma-separated; empty: the primary key." error={errorOf('keyColumns')}>
            <input value={keyColumns} onChange={(e) => setKeyColumns(e.target.value)} />
          </Field>
          <Field label="Columns" hint="Comma-separated; empty: every column the connections share." error={errorOf('columns')}>
            <input value={columns} onChange={(e) => setColumns(e.target.value)} />
          </Field>
        </div>
        <div className="form-actions">
          <button type="submit" className="primary">
            Compare
          </button>
        </div>
      </form>
      <ErrorBanner error={result.error} />
      {result.loading && ready ? <p className="loading">Reading the row on each connection…</p> : null}
      {view ? (
        <section aria-labelledby="verdict-title" className="arb-verdict">
          <h2 id="verdict-title">
            Key <span className="mono">{keyText(view.key)}</span>{' '}
            {view.consistent ? <span className="badge badge-ok">consistent</span> : <span className="badge badge-bad">inconsistent</span>}
          </h2>
          <p>
            Majority: <strong data-testid="majority">{view.majority.map((id) => nameOf(names, id)).join(', ')}</strong>
            {view.groups.length > 1 ? (
              <>
                {' '}
                · groups: {view.groups.map((g) => `[${g.map((id) => nameOf(names, id)).join(', ')}]`).join(' ')}
              </>
            ) : null}
          </p>
          <p>
            Differing columns: <span className="mono" data-testid="differing">{view.differingColumns.join(', ') || 'none'}</span>
          </p>
          <SideBySide values={view.rows} order={asked.connections} differing={view.differingColumns} names={names} />
          {view.notes.length ? (
            <ul className="arb-notes">
              {view.notes.map((n) => (
                <li key={`${n.connectionId}-${n.column}`}>
                  <strong className="mono">{n.column}</strong> on {nameOf(names, n.connectionId)}: {n.note}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
    </section>
  );
}
