import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { type Column, DataTable } from '../../components/DataTable';
import { CanEdit } from '../../components/role';
import { useApi } from '../../components/useApi';
import { connectionNames, nameOf } from '../arbitration/arbitration';
import { ageSeconds, ageText, type GroupView, loadDebt, type MemberDebt } from './groups';
import './groups.css';

type ListedGroup = GroupView & { debt?: MemberDebt[] };

/** Every replica group with its members, each member's debt (pending / failed, the oldest's age) and the schema differences. */
export default function GroupsPage() {
  const navigate = useNavigate();
  const names = useApi((signal) => connectionNames(signal), []);
  const debtOf = (g: ListedGroup, connectionId: string) => g.debt?.find((d) => d.connectionId === connectionId);
  const columns: Column<ListedGroup>[] = [
    {
      key: 'name',
      header: 'Group',
      render: (g) => (
        <Link to={`/groups/${g.id}`} onClick={(e) => e.stopPropagation()}>
          {g.name}
        </Link>
      ),
    },
    { key: 'key', header: 'Key', render: (g) => <span className="mono">{g.keyColumns.join(', ')}</span> },
    {
      key: 'members',
      header: 'Members and debt',
      render: (g) => (
        <ul className="plain-list" aria-label={`Members of ${g.name}`}>
          {g.members.map((m) => {
            const d = debtOf(g, m.connectionId);
            return (
              <li key={m.connectionId} data-member={m.connectionId}>
                {nameOf(names.data, m.connectionId)} <span className="mono">{m.table}</span>
                {d ? (
                  <span className={d.pending || d.failed ? 'badge badge-pending' : 'muted'} data-testid="member-debt">
                    {' '}
                    {d.pending} pending · {d.failed} failed{d.pending ? ` · oldest ${ageText(ageSeconds(d.oldestPendingAt as string | null))}` : ''}
                  </span>
                ) : null}
              </li>
            );
          })}
        </ul>
      ),
    },
    { key: 'differences', header: 'Differences', render: (g) => (g.differences.length ? `${g.differences.length} (see the group)` : <span className="muted">none</span>) },
    { key: 'mode', header: 'Tasks', render: (g) => (g.autoExecute ? 'automatic' : 'manual') },
  ];
  return (
    <section>
      <div className="toolbar">
        <h1>Groups</h1>
        <span className="spacer" />
        <Link to="/sync-tasks">Sync tasks</Link>
        <CanEdit>
          <Link className="button primary" to="/groups/new">
            New group
          </Link>
        </CanEdit>
      </div>
      <p className="muted">A replica group writes one row to several databases at once; the members not written now are owed the write as sync tasks (their consistency debt).</p>
      <DataTable<ListedGroup>
        columns={columns}
        rowKey={(g) => g.id}
        caption="By name, each member's pending and failed tasks"
        empty="No group yet."
        onRowClick={(g) => navigate(`/groups/${g.id}`)}
        defaultPageSize={25}
        load={async (page, signal) => {
          const listed = await unwrap(api.GET('/api/groups', { params: { query: page }, signal }));
          const debts = await Promise.all(listed.items.map((g) => loadDebt(g.id, signal).catch(() => undefined)));
          return { total: listed.total, items: listed.items.map((g, i): ListedGroup => ({ ...g, debt: debts[i]?.members })) };
        }}
      />
    </section>
  );
}
