import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { type Column, DataTable } from '../../components/DataTable';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { StatusFilter, useListFilters } from '../../components/ListFilters';
import { CanEdit } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { EVENT_STATUSES, type InboxEventView, loadSources } from './events';

/** The event inbox, filtered by source, status and entity type (in the URL); operators redrive chosen or all failed events. */
export default function EventsInboxPage() {
  const [params, setFilter] = useListFilters();
  const source = params.get('source') ?? undefined;
  const status = EVENT_STATUSES.find((s) => s === params.get('status'));
  const entityType = params.get('entityType') ?? undefined;
  const sources = useApi((signal) => loadSources(signal), []);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [tick, setTick] = useState(0);
  const [requeued, setRequeued] = useState<number>();
  const [error, setError] = useState<unknown>();
  const redrive = async (ids?: string[]) => {
    setError(undefined);
    try {
      const result = await unwrap(api.POST('/api/events/redrive', { body: ids ? { ids } : { status: 'failed', ...(source && { source }) } }));
      setRequeued(result.requeued);
      setChosen(new Set());
      setTick((t) => t + 1);
    } catch (e) {
      setError(e);
    }
  };
  const toggle = (id: string) => {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setChosen(next);
  };
  const columns: Column<InboxEventView>[] = [
    {
      key: 'pick',
      header: <span className="visually-hidden">Choose</span>,
      render: (e) => (e.status === 'failed' ? <input type="checkbox" aria-label={`Choose event ${e.id}`} checked={chosen.has(e.id)} onChange={() => toggle(e.id)} onClick={(ev) => ev.stopPropagation()} /> : null),
    },
    { key: 'id', header: '#', className: 'num', render: (e) => e.id },
    { key: 'source', header: 'Source', render: (e) => e.source },
    { key: 'type', header: 'Event', render: (e) => e.eventType },
    { key: 'entity', header: 'Entity', render: (e) => <span className="mono">{`${e.entityType} ${e.entityId}`}</span> },
    { key: 'version', header: 'Version', className: 'num', render: (e) => e.version ?? '—' },
    { key: 'status', header: 'Status', render: (e) => <StatusBadge status={e.status} /> },
    { key: 'attempts', header: 'Attempts', className: 'num', render: (e) => e.attempts },
    { key: 'why', header: 'Error / reason', render: (e) => e.error ?? e.reason ?? '' },
    { key: 'received', header: 'Received', className: 'nowrap', render: (e) => new Date(e.receivedAt).toLocaleString() },
  ];
  return (
    <section>
      <div className="toolbar">
        <h1>Event inbox</h1>
        <span className="spacer" />
        <Link to="/event-sources">Sources</Link>
        <button type="button" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
        <CanEdit>
          <button type="button" disabled={chosen.size === 0} onClick={() => void redrive([...chosen])}>
            Redrive chosen ({chosen.size})
          </button>
          <button type="button" className="primary" onClick={() => void redrive()}>
            Redrive all failed
          </button>
        </CanEdit>
      </div>
      <form className="toolbar filters" role="search" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <Field label="Source">
          <select name="source" value={source ?? ''} onChange={(e) => setFilter('source', e.target.value)}>
            <option value="">Any source</option>
            {sources.data?.map((s) => (
              <option key={s.id} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
        <StatusFilter statuses={EVENT_STATUSES} value={status} onChange={(value) => setFilter('status', value)} />
        <Field label="Entity type">
          <input name="entityType" value={entityType ?? ''} onChange={(e) => setFilter('entityType', e.target.value)} />
        </Field>
      </form>
      {requeued !== undefined ? <p role="status">{requeued} event(s) requeued.</p> : null}
      <ErrorBanner error={error} onDismiss={() => setError(undefined)} />
      <DataTable<InboxEventView>
        caption="Inbox, newest first"
        columns={columns}
        deps={[source, status, entityType, tick]}
        rowKey={(e) => e.id}
        empty="No event matches."
        load={(page, signal) => unwrap(api.GET('/api/events', { params: { query: { ...page, ...(source && { source }), ...(status && { status }), ...(entityType && { entityType }) } }, signal }))}
      />
    </section>
  );
}
