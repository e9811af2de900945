import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorBanner } from '../../components/ErrorBanner';
import { CanEdit } from '../../components/role';
import { useApi } from '../../components/useApi';
import { connectionNames, nameOf as nameIn } from '../arbitration/arbitration';
import { DebtChart } from './DebtChart';
import { ageSeconds, ageText, loadDebt } from './groups';
import { RowEditor } from './RowEditor';
import { TaskTable } from './TaskTable';
import './groups.css';

/** One group: its members and schema differences, the debt chart, the row editor, and its open sync tasks with Execute all. */
export default function GroupPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const [tick, setTick] = useState(0);
  const [error, setError] = useState<unknown>();
  const [queued, setQueued] = useState<number>();
  const group = useApi((signal) => unwrap(api.GET('/api/groups/{id}', { params: { path: { id } }, signal })), [id]);
  const debt = useApi((signal) => loadDebt(id, signal), [id, tick]);
  const names = useApi((signal) => connectionNames(signal), []);
  const nameOf = (connectionId: string) => nameIn(names.data, connectionId);
  const refresh = () => setTick((t) => t + 1);
  const g = group.data;
  if (!g) return <section>{group.error ? <ErrorBanner error={group.error} /> : <p className="loading">Loading…</p>}</section>;

  const executeAll = async () => {
    setError(undefined);
    try {
      const result = await unwrap(api.POST('/api/sync-tasks/execute', { body: { groupId: id } }));
      setQueued(result.queued.length);
      refresh();
    } catch (e) {
      setError(e);
    }
  };
  const members = debt.data?.members ?? [];
  return (
    <section>
      <div className="toolbar">
        <h1>Group {g.name}</h1>
        <span className="spacer" />
        <Link to="/groups">Groups</Link>
        <Link to={`/sync-tasks?groupId=${id}`}>All its tasks</Link>
        <CanEdit>
          <ConfirmButton title={`Delete group ${g.name}?`} message="Its writes and sync tasks go; the member tables stay as they are." onConfirm={async () => {
            await unwrap(api.DELETE('/api/groups/{id}', { params: { path: { id } } }));
            navigate('/groups');
          }}>
            Delete group
          </ConfirmButton>
        </CanEdit>
      </div>
      <p className="muted">
        Key <span className="mono">{g.keyColumns.join(', ')}</span> · tasks {g.autoExecute ? 'applied by the workers by themselves' : 'held for Execute'} · debt alert after {g.debtAlertSeconds} s
      </p>
      <table className="arb-counts" aria-label="Members">
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Table</th>
            <th scope="col" className="num">Pending</th>
            <th scope="col" className="num">Failed</th>
            <th scope="col">Oldest pending</th>
          </tr>
        </thead>
        <tbody>
          {g.members.map((m) => {
            const d = members.find((x) => x.connectionId === m.connectionId);
            return (
              <tr key={m.connectionId} data-member={nameOf(m.connectionId)}>
                <th scope="row">{nameOf(m.connectionId)}</th>
                <td className="mono">{m.table}</td>
                <td className="num" data-testid="debt-pending">{d?.pending ?? '—'}</td>
                <td className="num" data-testid="debt-failed">{d?.failed ?? '—'}</td>
                <td>{ageText(ageSeconds(d?.oldestPendingAt as string | null | undefined))}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {g.differences.length ? (
        <section aria-labelledby="differences-title">
          <h2 id="differences-title">Membership differences</h2>
          <ul className="arb-notes" data-testid="group-differences">
            {g.differences.map((d) => (
              <li key={`${d.connectionId}-${d.column}`}>
                <strong className="mono">{d.column}</strong> on {nameOf(d.connectionId)}: {d.note}
              </li>
            ))}
          </ul>
        </section>
      ) : (
        <p className="muted">The members' schemas match: no differences.</p>
      )}
      <section className="group-section" aria-labelledby="debt-title">
        <h2 id="debt-title">Consistency debt</h2>
        <ErrorBanner error={debt.error} />
        {members.length ? <DebtChart members={members} nameOf={nameOf} /> : null}
      </section>
      <RowEditor group={g} nameOf={nameOf} onWritten={refresh} />
      <section className="group-section" aria-labelledby="tasks-title">
        <div className="toolbar">
          <h2 id="tasks-title">Open sync tasks</h2>
          <span className="spacer" />
          <button type="button" onClick={refresh}>
            Refresh
          </button>
          <CanEdit>
            <button type="button" className="primary" onClick={() => void executeAll()}>
              Execute all
            </button>
          </CanEdit>
        </div>
        {queued !== undefined ? <p role="status">{queued} task(s) handed to the workers.</p> : null}
        <ErrorBanner error={error} onDismiss={() => setError(undefined)} />
        <TaskTable status="pending" groupId={id} nameOf={nameOf} reloadKey={tick} onExecuted={refresh} urlKey="tasks" />
      </section>
    </section>
  );
}
