import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { StatusFilter, useListFilters } from '../../components/ListFilters';
import { CanEdit } from '../../components/role';
import { useApi } from '../../components/useApi';
import { connectionNames, nameOf as nameIn } from '../arbitration/arbitration';
import { loadGroups, TASK_STATUSES } from './groups';
import { TaskTable } from './TaskTable';
import './groups.css';

/** Every sync task, filtered by status and group (in the URL); operators execute one, or every pending one (of the group filtered). */
export default function SyncTasksPage() {
  const [params, setFilter] = useListFilters();
  const status = TASK_STATUSES.find((s) => s === params.get('status'));
  const groupId = params.get('groupId') ?? undefined;
  const groups = useApi((signal) => loadGroups(signal), []);
  const names = useApi((signal) => connectionNames(signal), []);
  const [tick, setTick] = useState(0);
  const [queued, setQueued] = useState<number>();
  const [error, setError] = useState<unknown>();
  const groupName = (id: string) => groups.data?.find((g) => g.id === id)?.name ?? id.slice(0, 8);
  const executeAll = async () => {
    setError(undefined);
    try {
      const result = await unwrap(api.POST('/api/sync-tasks/execute', { body: groupId ? { groupId } : {} }));
      setQueued(result.queued.length);
      setTick((t) => t + 1);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section>
      <div className="toolbar">
        <h1>Sync tasks</h1>
        <span className="spacer" />
        <Link to="/groups">Groups</Link>
        <button type="button" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
        <CanEdit>
          <button type="button" className="primary" onClick={() => void executeAll()}>
            {groupId ? `Execute all of ${groupName(groupId)}` : 'Execute all'}
          </button>
        </CanEdit>
      </div>
      <p className="muted">One task per write a member does not hold yet. Several pending writes of a key apply as the newest; a task a newer write overtook is skipped.</p>
      <form className="toolbar filters" role="search" aria-label="Filter sync tasks" onSubmit={(e) => e.preventDefault()}>
        <StatusFilter statuses={TASK_STATUSES} value={status} onChange={(value) => setFilter('status', value)} />
        <Field label="Group">
          <select name="groupId" value={groupId ?? ''} onChange={(e) => setFilter('groupId', e.target.value)}>
            <option value="">Any group</option>
            {groups.data?.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </Field>
      </form>
      {queued !== undefined ? <p role="status">{queued} task(s) handed to the workers.</p> : null}
      <ErrorBanner error={error} onDismiss={() => setError(undefined)} />
      <TaskTable status={status} groupId={groupId} nameOf={(id) => nameIn(names.data, id)} groupName={groupName} reloadKey={tick} onExecuted={() => setTick((t) => t + 1)} />
    </section>
  );
}
