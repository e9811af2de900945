import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { type Column, DataTable } from '../../components/DataTable';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useCan } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { formatTime } from '../runs/format';
import { str } from '../arbitration/arbitration';
import type { SyncTask, TaskStatus } from './groups';

/**
 * Sync tasks, newest first, filtered by status and group; operators may execute one (a pending
 * or failed task) now. `reloadKey` loads the page again after a change elsewhere.
 */
export function TaskTable({ status, groupId, nameOf, groupName, reloadKey, onExecuted, urlKey }: {
  status?: TaskStatus;
  groupId?: string;
  nameOf: (connectionId: string) => string;
  groupName?: (groupId: string) => string;
  reloadKey: number;
  onExecuted: () => void;
  urlKey?: string;
}) {
  const canEdit = useCan('operator');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();
  const execute = async (task: SyncTask) => {
    setError(undefined);
    setBusy(task.id);
    try {
      await unwrap(api.POST('/api/sync-tasks/{id}/execute', { params: { path: { id: task.id } } }));
      onExecuted();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };
  const columns: Column<SyncTask>[] = [
    { key: 'task', header: 'Task', render: (t) => <span className="mono" title={t.id}>{t.id.slice(0, 8)}</span> },
    ...(groupName ? [{ key: 'group', header: 'Group', render: (t: SyncTask) => groupName(t.groupId) }] : []),
    { key: 'member', header: 'Member', render: (t) => nameOf(t.connectionId) },
    { key: 'key', header: 'Key', render: (t) => <span className="mono">{JSON.stringify(t.key)}</span> },
    { key: 'op', header: 'Write', render: (t) => `${t.op} v${t.version}` },
    { key: 'status', header: 'Status', render: (t) => <StatusBadge status={t.status} title={str(t.error) ?? undefined} /> },
    { key: 'attempts', header: 'Attempts', className: 'num', render: (t) => t.attempts },
    { key: 'detail', header: 'Error / superseded by', render: (t) => (str(t.error) ? <span className="run-error-cell">{str(t.error)}</span> : str(t.skippedFor) ? `v${str(t.skippedFor)}` : null) },
    { key: 'created', header: 'Created', className: 'nowrap', render: (t) => formatTime(t.createdAt) },
    ...(canEdit
      ? [
          {
            key: 'execute',
            header: <span className="visually-hidden">Execute</span>,
            render: (t: SyncTask) =>
              t.status === 'pending' || t.status === 'failed' ? (
                <button type="button" onClick={(e) => (e.stopPropagation(), void execute(t))} disabled={busy === t.id} aria-label={`Execute task ${t.id.slice(0, 8)}`}>
                  Execute
                </button>
              ) : null,
          },
        ]
      : []),
  ];
  return (
    <>
      <ErrorBanner error={error} onDismiss={() => setError(undefined)} />
      <DataTable<SyncTask>
        columns={columns}
        deps={[status, groupId, reloadKey]}
        rowKey={(t) => t.id}
        caption="Newest first"
        empty={status || groupId ? 'No task matches this filter.' : 'No sync task yet.'}
        defaultPageSize={25}
        urlKey={urlKey}
        load={(page, signal) =>
          unwrap(api.GET('/api/sync-tasks', { params: { query: { ...page, ...(status && { status }), ...(groupId && { groupId }) } }, signal }))
        }
      />
    </>
  );
}
