// First: the API client takes globalThis.fetch when it is created.
import { answerWith, requests } from '../connections/fetch-stub.testing';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { setSession } from '../../api/session';
import { DemoEventsHint } from './DemoEventsHint';

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
const source = (name: string) => ({
  id: '0b6f4d52-1c3e-4f7a-9d2b-8e5a6c7d8e9f',
  name,
  ingressPath: `/api/events/${name}`,
  mappings: [
    { entityType: 'product', connectionId: '2a4b6c8d-1e3f-4a5b-8c7d-9e0f1a2b3c4d', table: 'public.catalog_products', keyColumn: 'id', versionColumn: 'version', fields: {}, columns: [] },
    { entityType: 'category', connectionId: '2a4b6c8d-1e3f-4a5b-8c7d-9e0f1a2b3c4d', table: 'public.catalog_categories', keyColumn: 'id', versionColumn: 'version', fields: {}, columns: [] },
  ],
  fullSync: null,
  hasPreviousSecret: false,
  createdAt: '',
  updatedAt: '',
});

/** The API with these sources and this many events in the demo source's inbox. */
function fakeApi(sources: ReturnType<typeof source>[], inboxTotal: number) {
  requests.length = 0;
  answerWith((request) => {
    const url = new URL(request.url);
    if (url.pathname === '/api/event-sources') return json({ items: sources, total: sources.length });
    if (url.pathname === '/api/events') return json({ items: [], total: inboxTotal });
    return new Response(JSON.stringify({ statusCode: 404, message: `not faked: ${url.pathname}` }), { status: 404 });
  });
}

const renderHint = () =>
  render(
    <MemoryRouter>
      <p>dashboard</p>
      <DemoEventsHint />
    </MemoryRouter>,
  );

describe('DemoEventsHint', () => {
  beforeEach(() => setSession({ token: 't', user: { id: '3f1c2a9e-6b0d-4e8f-9a7c-1d2e3f4a5b6c', username: 'viewer', role: 'viewer', mustChangePassword: false } }));
  afterEach(() => {
    cleanup();
    setSession(null);
  });

  it('says to run npm run demo:event while the demo source has had no event, and links its inbox', async () => {
    fakeApi([source('catalogue'), source('demo-catalog')], 0);
    renderHint();
    const note = await screen.findByRole('note', { name: 'Demo events' });
    expect(note.textContent).toContain('run npm run demo:event');
    expect(note.textContent).toContain('public.catalog_products and public.catalog_categories');
    expect(note.textContent).toContain('data/demo-catalog.secret');
    expect(screen.getByRole('link', { name: 'Event inbox' }).getAttribute('href')).toBe('/events?source=demo-catalog');
    const inbox = requests.map((r) => new URL(r.url)).find((u) => u.pathname === '/api/events');
    expect(inbox?.searchParams.get('source')).toBe('demo-catalog');
  });

  it('says nothing once an event has reached it', async () => {
    fakeApi([source('demo-catalog')], 1);
    renderHint();
    await waitFor(() => expect(requests.some((r) => new URL(r.url).pathname === '/api/events')).toBe(true));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByRole('note')).toBeNull();
  });

  it('says nothing, and asks no inbox, without a demo source', async () => {
    fakeApi([source('catalogue')], 0);
    renderHint();
    await waitFor(() => expect(requests.length).toBeGreaterThan(0));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByRole('note')).toBeNull();
    expect(requests.map((r) => new URL(r.url).pathname)).toEqual(['/api/event-sources']);
  });
});
