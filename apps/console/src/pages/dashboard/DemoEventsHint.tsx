import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { useApi } from '../../components/useApi';
import { DEMO_EVENT_COMMAND, DEMO_EVENT_SOURCE, demoEventsToSend } from './dashboard-data';

/** While npm start's demo event source has received no event: how to send it a signed one (the secret stays in its file). */
export function DemoEventsHint() {
  const { data } = useApi(async (signal) => {
    const sources = await unwrap(api.GET('/api/event-sources', { params: { query: { limit: 500 } }, signal }));
    if (!sources.items.some((s) => s.name === DEMO_EVENT_SOURCE)) return null;
    const inbox = await unwrap(api.GET('/api/events', { params: { query: { source: DEMO_EVENT_SOURCE, limit: 1 } }, signal }));
    return demoEventsToSend(sources.items, inbox.total);
  }, []);
  if (!data) return null;
  return (
    <div className="notice first-steps" role="note" aria-label="Demo events">
      <h2>Send the demo an event</h2>
      <p>
        <code>npm start</code> also made the event source <Link to="/event-sources">{data.name}</Link>: signed <code>product</code> and{' '}
        <code>category</code> events land in {data.tables.join(' and ')} on the demo target. In the dbferry directory, run <code>{DEMO_EVENT_COMMAND}</code>{' '}
        (then <code>{DEMO_EVENT_COMMAND} -- UPDATED</code> or <code>-- DELETED</code>): it signs a sample product event with the secret{' '}
        <code>npm start</code> wrote to <code>data/{DEMO_EVENT_SOURCE}.secret</code> and posts it. Then follow it in the{' '}
        <Link to={`/events?source=${DEMO_EVENT_SOURCE}`}>Event inbox</Link>.
      </p>
    </div>
  );
}
