import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { type Column, DataTable } from '../../components/DataTable';
import { ErrorBanner } from '../../components/ErrorBanner';
import { CanEdit } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { connectionNames, nameOf } from '../arbitration/arbitration';
import { type EventSourceView, type FullSyncRunDetailView, type FullSyncRunView, loadSources } from './events';

/** Event sources with their mappings and full sync; the full-sync runs with their progress and log. */
export default function EventSourcesPage() {
  const [tick, setTick] = useState(0);
  const sources = useApi((signal) => loadSources(signal), [tick]);
  const names = useApi((signal) => connectionNames(signal), []);
  const [deleteMissing, setDeleteMissing] = useState<Record<string, boolean>>({});
  const [started, setStarted] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [open, setOpen] = useState<FullSyncRunDetailView>();

  const fullSync = async (s: EventSourceView) => {
    setError(undefined);
    try {
      const { runId } = await unwrap(api.POST('/api/event-sources/{id}/full-sync', { params: { path: { id: s.id } }, body: { deleteMissing: Boolean(deleteMissing[s.id]) } }));
      setStarted(`Full sync of ${s.name} queued (${runId.slice(0, 8)}).`);
      setTick((t) => t + 1);
    } catch (e) {
      setError(e);
    }
  };
  const showRun = async (id: string) => {
    setError(undefined);
    try {
      setOpen(await unwrap(api.GET('/api/event-full-syncs/{id}', { params: { path: { id } } })));
    } catch (e) {
      setError(e);
    }
  };

  const runColumns: Column<FullSyncRunView>[] = [
    { key: 'source', header: 'Source', render: (r) => r.source },
    { key: 'status', header: 'Status', render: (r) => <StatusBadge status={r.status} title={r.error ?? undefined} /> },
    { key: 'trigger', header: 'Trigger', render: (r) => `${r.trigger}${r.deleteMissing ? ', delete missing' : ''}` },
    { key: 'pages', header: 'Pages', className: 'num', render: (r) => r.pages },
    { key: 'entities', header: 'Entities', className: 'num', render: (r) => r.entities },
    { key: 'applied', header: 'Applied', className: 'num', render: (r) => r.applied },
    { key: 'skipped', header: 'Skipped (older)', className: 'num', render: (r) => r.skipped },
    { key: 'deleted', header: 'Deleted', className: 'num', render: (r) => r.deleted },
    { key: 'failed', header: 'Failed', className: 'num', render: (r) => r.failed },
    { key: 'created', header: 'Started', className: 'nowrap', render: (r) => new Date(r.createdAt).toLocaleString() },
  ];

  return (
    <section>
      <div className="toolbar">
        <h1>Event sources</h1>
        <span className="spacer" />
        <Link to="/events">Inbox</Link>
        <button type="button" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
        <CanEdit role="admin">
          <Link className="button primary" to="/event-sources/new">
            New source
          </Link>
        </CanEdit>
      </div>
      <p className="muted">Upstream systems POST signed CREATED/UPDATED/DELETED events to their ingress path; each entity type is mapped to a table. A full sync pulls the upstream snapshot and applies it through the same per-entity order.</p>
      <ErrorBanner error={error ?? sources.error} onDismiss={() => setError(undefined)} />
      {started ? <p role="status">{started}</p> : null}
      {sources.data?.length === 0 ? <p>No event source yet.</p> : null}
      {sources.data?.map((s) => (
        <article key={s.id} className="card" aria-label={`Event source ${s.name}`}>
          <div className="toolbar">
            <h2>{s.name}</h2>
            <span className="mono">POST {s.ingressPath}</span>
            <span className="spacer" />
            {s.hasPreviousSecret ? <span className="badge">previous secret accepted</span> : null}
            <CanEdit role="admin">
              <Link to={`/event-sources/${s.id}/edit`}>Edit</Link>
            </CanEdit>
          </div>
          <table className="table">
            <caption>Mappings</caption>
            <thead>
              <tr>
                <th>Entity type</th>
                <th>Connection</th>
                <th>Table</th>
                <th>Key</th>
                <th>Version</th>
                <th>Fields</th>
              </tr>
            </thead>
            <tbody>
              {s.mappings.map((m) => (
                <tr key={m.entityType}>
                  <td>{m.entityType}</td>
                  <td>{nameOf(names.data, m.connectionId)}</td>
                  <td className="mono">{m.table}</td>
                  <td className="mono">{m.keyColumn}</td>
                  <td className="mono">{m.versionColumn ?? '—'}</td>
                  <td className="mono">
                    {Object.entries(m.fields as Record<string, string>)
                      .map(([c, p]) => `${c} ← ${p}`)
                      .join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {s.fullSync ? (
            <div className="toolbar">
              <span>
                Full sync from <span className="mono">{s.fullSync.url}</span>
                {s.fullSync.schedule ? (
                  <>
                    {' '}
                    on <span className="mono">{s.fullSync.schedule}</span>
                  </>
                ) : null}
                {s.fullSync.hasHeaders ? ' (with stored headers)' : ''}
              </span>
              <span className="spacer" />
              <CanEdit>
                <label>
                  <input type="checkbox" checked={Boolean(deleteMissing[s.id])} onChange={(e) => setDeleteMissing({ ...deleteMissing, [s.id]: e.target.checked })} /> delete rows the snapshot lacks
                </label>
                <button type="button" className="primary" onClick={() => void fullSync(s)}>
                  Full sync {s.name}
                </button>
              </CanEdit>
            </div>
          ) : (
            <p className="muted">No full sync configured.</p>
          )}
        </article>
      ))}
      <h2>Full-sync runs</h2>
      <DataTable<FullSyncRunView>
        caption="Full-sync runs, newest first (click one for its log)"
        columns={runColumns}
        deps={[tick]}
        urlKey="runs"
        rowKey={(r) => r.id}
        onRowClick={(r) => void showRun(r.id)}
        empty="No full sync has run yet."
        load={(page, signal) => unwrap(api.GET('/api/event-full-syncs', { params: { query: page }, signal }))}
      />
      {open ? (
        <article className="card" aria-label="Full-sync log">
          <div className="toolbar">
            <h2>
              Full sync of {open.source}: {open.status}
            </h2>
            <span className="spacer" />
            <button type="button" onClick={() => setOpen(undefined)}>
              Close
            </button>
          </div>
          {open.error ? <p className="field-error">{open.error}</p> : null}
          <ol className="plain-list mono">
            {open.logs.map((l) => (
              <li key={l.id} data-level={l.level}>
                {new Date(l.at).toLocaleTimeString()} [{l.level}] {l.message}
              </li>
            ))}
          </ol>
        </article>
      ) : null}
    </section>
  );
}
