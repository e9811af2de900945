import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { type Column, DataTable } from '../../components/DataTable';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { formatCount, formatTime } from '../runs/format';
import { connectionNames, nameOf, type RepairView, str } from './arbitration';
import { ruleText } from './RepairPage';
import './arbitration.css';

/** Every repair, newest first (operators and admins: a plan holds rows). A repair starts from a diff's page. */
export default function RepairsPage() {
  const navigate = useNavigate();
  const names = useApi((signal) => connectionNames(signal), []);
  const columns: Column<RepairView>[] = [
    {
      key: 'repair',
      header: 'Repair',
      render: (r) => (
        <Link to={`/repairs/${r.id}`} className="mono" onClick={(e) => e.stopPropagation()} title={r.id}>
          {r.id.slice(0, 8)}
        </Link>
      ),
    },
    { key: 'status', header: 'Status', render: (r) => <StatusBadge status={r.status} title={str(r.error) ?? undefined} /> },
    { key: 'table', header: 'Table', render: (r) => <span className="mono">{str(r.table) ?? '—'}</span> },
    { key: 'rule', header: 'Winner', render: (r) => ruleText(r, names.data) },
    { key: 'targets', header: 'Targets', render: (r) => r.targetIds.map((id) => nameOf(names.data, id)).join(', ') },
    { key: 'keys', header: 'Keys', className: 'num', render: (r) => formatCount(r.keys) },
    { key: 'verify', header: 'Re-verify', render: (r) => (r.verify.clean === null ? '—' : r.verify.clean ? <span className="badge badge-ok">clean</span> : <span className="badge badge-bad">drift</span>) },
    { key: 'created', header: 'Created', className: 'nowrap', render: (r) => formatTime(r.createdAt) },
  ];
  return (
    <section>
      <h1>Repairs</h1>
      <p className="muted">
        A repair writes the winning rows of a finished diff to its targets. Start one with <strong>Repair…</strong> on a <Link to="/diffs">diff's page</Link>.
      </p>
      <DataTable<RepairView>
        columns={columns}
        rowKey={(r) => r.id}
        caption="Newest first"
        empty="No repair yet."
        onRowClick={(r) => navigate(`/repairs/${r.id}`)}
        load={(page, signal) => unwrap(api.GET('/api/repairs', { params: { query: page }, signal }))}
      />
    </section>
  );
}
