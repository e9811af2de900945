import { Link } from 'react-router';
import type { Schema } from '@dbferry/api-client';
import { api, unwrap } from '../../api/client';
import { errorMessage } from '../../api/errors';
import { type Column, DataTable } from '../../components/DataTable';
import { CanEdit } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { type ConnectionView, dialectInfo } from './connection-form';
import { formatCount, whereText } from './format';
import './connections.css';

type ConnectionStatus = Schema<'ConnectionStatusView'>;

/**
 * Every connection, a page at a time from GET /api/connections; reachability, latency and row
 * counts come from GET /api/connections/status, loaded beside the list (probing every database
 * takes as long as the slowest one), so the list shows at once and fills in.
 */
export default function ConnectionsPage() {
  const status = useApi((signal) => unwrap(api.GET('/api/connections/status', { params: { query: { withTables: 'false' } }, signal })), []);
  const byId = new Map((status.data?.items ?? []).map((s) => [s.id, s]));
  const probing = status.loading && !status.data;
  const probe = (id: string): ConnectionStatus | undefined => byId.get(id);

  const columns: Column<ConnectionView>[] = [
    { key: 'name', header: 'Name', className: 'nowrap', render: (c) => <Link to={`/connections/${c.id}`}>{c.name}</Link> },
    { key: 'dialect', header: 'Dialect', render: (c) => dialectInfo(c.dialect).label, className: 'nowrap' },
    { key: 'where', header: 'Host / database', className: 'where', render: (c) => <code>{whereText(c)}</code> },
    { key: 'readOnly', header: 'Read-only', render: (c) => (c.readOnly ? 'yes' : 'no') },
    {
      key: 'reachable',
      header: 'Reachable',
      className: 'nowrap',
      render: (c) => {
        const s = probe(c.id);
        if (!s) return probing ? <span className="muted">checking…</span> : <span className="muted">—</span>;
        return <StatusBadge status={s.reachable ? 'reachable' : 'unreachable'} title={s.error ?? s.serverVersion ?? undefined} />;
      },
    },
    { key: 'latency', header: 'Latency', className: 'num nowrap', render: (c) => (probe(c.id) ? `${probe(c.id)?.latencyMs} ms` : '') },
    { key: 'tables', header: 'Tables', className: 'num', render: (c) => formatCount(probe(c.id)?.tableCount) },
    { key: 'rows', header: 'Rows (est.)', className: 'num', render: (c) => formatCount(probe(c.id)?.rowEstimate) },
  ];

  return (
    <section className="connections-list">
      <div className="toolbar">
        <h1>Connections</h1>
        <span className="spacer" />
        <button type="button" onClick={status.reload} disabled={status.loading}>
          {status.loading ? 'Checking…' : 'Check again'}
        </button>
        <CanEdit role="admin">
          <Link className="button primary" to="/connections/new">
            New connection
          </Link>
        </CanEdit>
      </div>
      {status.error ? (
        <p className="notice" role="status">
          Reachability is unknown: {errorMessage(status.error)}
        </p>
      ) : null}
      <DataTable<ConnectionView>
        columns={columns}
        rowKey={(c) => c.id}
        load={(page, signal) => unwrap(api.GET('/api/connections', { params: { query: page }, signal }))}
        empty="No connections yet."
      />
      {status.data?.items.some((s) => s.error) ? (
        <div className="card">
          <h2>Problems</h2>
          <ul>
            {status.data.items
              .filter((s) => s.error)
              .map((s) => (
                <li key={s.id}>
                  <Link to={`/connections/${s.id}`}>{s.name}</Link>: {s.error}
                </li>
              ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
