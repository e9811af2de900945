// First: the API client takes globalThis.fetch when it is created.
import { answerWith } from '../connections/fetch-stub.testing';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { setSession } from '../../api/session';
import JobFormPage from './JobFormPage';

// Vite bundles the page's stylesheet; jest has no CSS transform.
jest.mock('./jobs.css', () => ({}));

const SOURCE = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const TARGET = '2a4b6c8d-1e3f-4a5b-8c7d-9e0f1a2b3c4d';
const connection = (id: string, name: string, dialect: string) => ({
  id, name, dialect, host: '127.0.0.1', port: 5432, database: 'db', username: 'u', hasPassword: false, options: {}, readOnly: false, maxParallelChunks: null, createdAt: '', updatedAt: '',
});

/** The API as this page sees it; records what was sent. */
function fakeApi(onCreate: (body: unknown) => { status: number; body: unknown }) {
  const sent: { method: string; path: string; body?: unknown }[] = [];
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  answerWith(async (request) => {
    const url = new URL(request.url);
    const body = request.method === 'GET' ? undefined : await request.json().catch(() => undefined);
    sent.push({ method: request.method, path: url.pathname, body });
    if (url.pathname === '/api/connections') return json(200, { items: [connection(SOURCE, 'pg-sales', 'postgres'), connection(TARGET, 'maria-warehouse', 'mysql')], total: 2 });
    if (url.pathname === `/api/connections/${SOURCE}/tables`) return json(200, { items: [{ schema: 'public', name: 'orders', primaryKey: ['id'], rowEstimate: 10 }], total: 1 });
    if (url.pathname === `/api/connections/${SOURCE}/tables/public/orders`) {
      return json(200, { schema: 'public', name: 'orders', primaryKey: ['id'], indexes: [], rowEstimate: 10, columns: [{ name: 'id', nativeType: 'bigint', type: 'int64', nullable: false }, { name: 'status', nativeType: 'text', type: 'text', nullable: true }] });
    }
    if (url.pathname === '/api/jobs' && request.method === 'POST') {
      const answer = onCreate(body);
      return json(answer.status, answer.body);
    }
    return json(404, { statusCode: 404, message: `not faked: ${request.method} ${url.pathname}` });
  });
  return sent;
}

const renderNewJob = () =>
  render(
    <MemoryRouter initialEntries={['/jobs/new']}>
      <Routes>
        <Route path="/jobs/new" element={<JobFormPage />} />
        <Route path="/jobs/:id" element={<p>saved page</p>} />
      </Routes>
    </MemoryRouter>,
  );

const field = (label: string) => screen.getByLabelText(label, { exact: false, selector: 'input, select, textarea' }) as HTMLInputElement;

// A shared 2-core machine renders slowly; the page waits on (stubbed) API answers.
jest.setTimeout(60_000);

describe('JobFormPage', () => {
  beforeEach(() => setSession({ token: 't', user: { id: '3f1c2a9e-6b0d-4e8f-9a7c-1d2e3f4a5b6c', username: 'op', role: 'operator', mustChangePassword: false } }));
  afterEach(() => {
    cleanup();
    setSession(null);
  });

  it('names every missing field next to its control and sends nothing while the form is wrong', async () => {
    const sent = fakeApi(() => ({ status: 201, body: {} }));
    renderNewJob();
    await screen.findAllByRole('option', { name: 'pg-sales (postgres)' }, { timeout: 10_000 });
    fireEvent.change(field('Batch size'), { target: { value: '0' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create job' })));

    expect(screen.getByText('Give the job a name.')).toBeTruthy();
    expect(screen.getByText('Pick the source connection.')).toBeTruthy();
    expect(screen.getByText('Pick the target connection.')).toBeTruthy();
    expect(screen.getByText('Add at least one table or pattern.')).toBeTruthy();
    expect(field('Name').getAttribute('aria-invalid')).toBe('true');
    expect(field('Batch size').getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(field('Batch size').getAttribute('aria-describedby')?.split(' ').pop() ?? '')?.textContent).toBe('A whole number from 1 to 100000.');
    expect(sent.filter((s) => s.method !== 'GET')).toEqual([]);

    // Preview needs no name, but still refuses what the API would.
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Preview DDL' })));
    expect(screen.queryByText('Give the job a name.')).toBeNull();
    expect(screen.getByText('Pick the source connection.')).toBeTruthy();
    expect(sent.filter((s) => s.method !== 'GET')).toEqual([]);
  });

  it('sends the job once it is whole, and puts the API’s message under the field it names', async () => {
    const sent = fakeApi(() => ({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'tables[0].where: unknown column "discount"', details: [{ field: 'tables[0].where', message: 'tables[0].where: unknown column "discount"' }] },
    }));
    renderNewJob();
    await screen.findAllByRole('option', { name: 'pg-sales (postgres)' }, { timeout: 10_000 });
    fireEvent.change(field('Name'), { target: { value: 'orders' } });
    fireEvent.change(field('Source connection'), { target: { value: SOURCE } });
    fireEvent.change(field('Target connection'), { target: { value: TARGET } });
    fireEvent.click(await screen.findByRole('button', { name: 'Add public.orders' }, { timeout: 10_000 }));
    await screen.findByText(/none ticked: the primary key, id/, {}, { timeout: 10_000 });
    fireEvent.change(field('Filter (where)'), { target: { value: 'discount > 5' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Verify after copy' }));
    fireEvent.change(field('Cron'), { target: { value: 'every day' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create job' })));
    // The form's own check first: a cron of words is refused before any call.
    expect(screen.getByText(/A cron has 5 fields/)).toBeTruthy();
    expect(sent.some((s) => s.method === 'POST')).toBe(false);

    fireEvent.change(field('Cron'), { target: { value: '' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create job' })));
    await waitFor(() => expect(field('Filter (where)').getAttribute('aria-invalid')).toBe('true'), { timeout: 10_000 });
    expect(screen.getAllByText(/unknown column "discount"/).length).toBeGreaterThanOrEqual(2);
    expect(sent.filter((s) => s.method === 'POST')).toEqual([
      {
        method: 'POST',
        path: '/api/jobs',
        body: {
          name: 'orders', sourceId: SOURCE, targetId: TARGET, tables: [{ source: 'public.orders', where: 'discount > 5' }], mode: 'full', writeMode: 'upsert',
          createTables: true, deleteMissing: false, verify: true, enabled: true, batchSize: 5000, chunkRows: 200000, schedule: null, scheduleTz: null,
        },
      },
    ]);
  });
});
