import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { type Column, DataTable } from '../../components/DataTable';
import { StatusFilter, useListFilters } from '../../components/ListFilters';
import { CanEdit } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { formatTime } from '../runs/format';
import { connectionNames, type DiffListItem, nameOf } from './arbitration';

import './arbitration.css';

type ListedDiff = DiffListItem;

const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** Every diff, newest first, with its connections, tables and the differing rows found so far; the counts per connection are on each diff's page. */
export default function DiffsPage() {
  const navigate = useNavigate();
  const [params, setFilter] = useListFilters();
  const status = STATUSES.find((s) => s === params.get('status'));
  const names = useApi((signal) => connectionNames(signal), []);
  const columns: Column<ListedDiff>[] = [
    {
      key: 'diff',
      header: 'Diff',
      render: (d) => (
        <Link to={`/diffs/${d.id}`} className="mono" onClick={(e) => e.stopPropagation()} title={d.id}>
          {d.id.slice(0, 8)}
        </Link>
      ),
    },
    { key: 'status', header: 'Status', render: (d) => <StatusBadge status={d.status} title={d.error ?? undefined} /> },
    { key: 'trigger', header: 'Trigger', render: (d) => d.trigger },
    { key: 'reference', header: 'Reference', render: (d) => nameOf(names.data, d.referenceId) },
    { key: 'others', header: 'Compared with', render: (d) => d.otherIds.map((id) => nameOf(names.data, id)).join(', ') },
    { key: 'tables', header: 'Tables', render: (d) => d.tables.join(', ') || <span className="muted">planning</span> },
    { key: 'counts', header: 'Differences', className: 'nowrap', render: (d) => d.differences.toLocaleString('en-US') },
    { key: 'created', header: 'Created', className: 'nowrap', render: (d) => formatTime(d.createdAt) },
    { key: 'started', header: 'Started', className: 'nowrap', render: (d) => formatTime(d.startedAt) },
    { key: 'finished', header: 'Finished', className: 'nowrap', render: (d) => formatTime(d.finishedAt) },
    { key: 'error', header: 'Error', render: (d) => (d.error ? <span className="run-error-cell">{d.error}</span> : null) },
  ];
  return (
    <section>
      <div className="toolbar">
        <h1>Diffs</h1>
        <span className="spacer" />
        <Link to="/arbiter">Arbiter</Link>
        <CanEdit>
          <Link className="button primary" to="/diffs/new">
            New diff
          </Link>
        </CanEdit>
      </div>
      <p className="muted">A reference connection compared with others, table by table: rows missing, extra and different, with every differing key kept.</p>
      <form className="toolbar filters" role="search" aria-label="Filter diffs" onSubmit={(e) => e.preventDefault()}>
        <StatusFilter statuses={STATUSES} value={status} onChange={(value) => setFilter('status', value)} />
      </form>
      <DataTable<ListedDiff>
        columns={columns}
        deps={[status]}
        rowKey={(d) => d.id}
        caption="Newest first; the counts per connection are on each diff's page"
        empty={status ? 'No diff matches this filter.' : 'No diff yet.'}
        onRowClick={(d) => navigate(`/diffs/${d.id}`)}
        defaultPageSize={25}
        load={async (page, signal) => {
          return unwrap(api.GET('/api/diffs', { params: { query: { ...page, ...(status && { status }) } }, signal }));
        }}
      />
    </section>
  );
}
