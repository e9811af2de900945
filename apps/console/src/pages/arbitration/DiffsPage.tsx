import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { type Column, DataTable } from '../../components/DataTable';
import { Field } from '../../components/Field';
import { CanEdit } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { formatTime } from '../runs/format';
import { connectionNames, type DiffSummary, type DiffView, nameOf } from './arbitration';

/** A listed diff with its tables and totals (GET /api/diffs lists no tables: each row's diff is read beside the page). */
type ListedDiff = DiffSummary & { detail?: DiffView };

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((n, c) => n + c, 0);

function Totals({ diff }: { diff?: DiffView }) {
  if (!diff) return <span className="muted">—</span>;
  const t = diff.tables.reduce((acc, table) => ({ missing: acc.missing + sum(table.missing), extra: acc.extra + sum(table.extra), different: acc.different + sum(table.different) }), { missing: 0, extra: 0, different: 0 });
  return (
    <span className="nowrap">
      {t.missing.toLocaleString('en-US')} missing · {t.extra.toLocaleString('en-US')} extra · {t.different.toLocaleString('en-US')} different
    </span>
  );
}
import './arbitration.css';

const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** Every diff, newest first, with its connections; the tables and counts are on each diff's page. */
export default function DiffsPage() {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
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
    { key: 'tables', header: 'Tables', render: (d) => (d.detail ? d.detail.tables.map((t) => t.table).join(', ') || <span className="muted">planning</span> : '—') },
    { key: 'counts', header: 'Rows compared / differences', render: (d) => (d.detail ? <>{d.detail.progress.rowsCompared.toLocaleString('en-US')} compared · <Totals diff={d.detail} /></> : '—') },
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
        <Field label="Status">
          <select
            name="status"
            value={status ?? ''}
            onChange={(e) =>
              setParams((current) => {
                const copy = new URLSearchParams(current);
                if (e.target.value) copy.set('status', e.target.value);
                else copy.delete('status');
                copy.delete('offset');
                return copy;
              })
            }
          >
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
      </form>
      <DataTable<ListedDiff>
        columns={columns}
        deps={[status]}
        rowKey={(d) => d.id}
        caption="Newest first; the tables and their counts are on each diff's page"
        empty={status ? 'No diff matches this filter.' : 'No diff yet.'}
        onRowClick={(d) => navigate(`/diffs/${d.id}`)}
        defaultPageSize={25}
        load={async (page, signal) => {
          const listed = await unwrap(api.GET('/api/diffs', { params: { query: { ...page, ...(status && { status }) } }, signal }));
          const details = await Promise.all(listed.items.map((d) => unwrap(api.GET('/api/diffs/{id}', { params: { path: { id: d.id } }, signal })).catch(() => undefined)));
          return { total: listed.total, items: listed.items.map((d, i): ListedDiff => ({ ...d, detail: details[i] })) };
        }}
      />
    </section>
  );
}
