import { answerWith, requests } from './fetch-stub.testing';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { setSession } from '../../api/session';
import { ConnectionForm } from './ConnectionForm';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

function renderForm() {
  return render(
    <MemoryRouter initialEntries={['/connections/new']}>
      <ConnectionForm />
    </MemoryRouter>,
  );
}

const type = (label: string | RegExp, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const submit = () => act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create connection' })));

describe('ConnectionForm', () => {
  beforeEach(() => {
    requests.length = 0;
    setSession({ token: 't', user: { id: '3f1c2a9e-6b0d-4e8f-9a7c-1d2e3f4a5b6c', username: 'admin', role: 'admin', mustChangePassword: false } });
  });
  afterEach(() => setSession(null));

  it('changes its fields with the dialect: SQLite asks only for a file path', () => {
    renderForm();
    expect(screen.getByLabelText(/^Host/)).toBeTruthy();
    expect(screen.getByLabelText(/^Password/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/^Dialect/), { target: { value: 'sqlite' } });
    expect(screen.queryByLabelText(/^Host/)).toBeNull();
    expect(screen.queryByLabelText(/^Port/)).toBeNull();
    expect(screen.queryByLabelText(/^Password/)).toBeNull();
    expect(screen.getByLabelText(/^File path/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/^Dialect/), { target: { value: 'oracle' } });
    expect(screen.getByLabelText(/^Service name/)).toBeTruthy();
  });

  it('shows a bad port at its labelled field and sends nothing', async () => {
    renderForm();
    type(/^Name/, 'sales');
    type(/^Host/, 'db.example.com');
    type(/^Port/, '70000');
    type(/^Database/, 'sales');
    await submit();
    const port = screen.getByLabelText(/^Port/);
    expect(port.getAttribute('aria-invalid')).toBe('true');
    const described = (port.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent);
    expect(described).toContain('A port is a whole number from 1 to 65535.');
    expect(requests).toHaveLength(0);
    // Fixed, the error goes at once.
    type(/^Port/, '5433');
    expect(screen.getByLabelText(/^Port/).getAttribute('aria-invalid')).toBeNull();
  });

  it('sends the dialect’s fields and shows the API’s message at the field it names', async () => {
    const message = 'host: 10.0.0.5 is refused by the egress policy (DB_HOSTS_DENY)';
    answerWith(() => json(400, { statusCode: 400, error: 'Bad Request', message, details: [{ field: 'host', message }] }));
    renderForm();
    type(/^Name/, 'sales');
    type(/^Host/, '10.0.0.5');
    type(/^Database/, 'sales');
    type(/^Password/, 'secret-1');
    await submit();
    expect(requests).toHaveLength(1);
    expect(requests[0].method).toBe('POST');
    expect(await requests[0].clone().json()).toEqual({ name: 'sales', dialect: 'postgres', readOnly: false, host: '10.0.0.5', database: 'sales', password: 'secret-1' });
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).toEqual(expect.arrayContaining([`400: ${message}`, message]));
    expect(screen.getByLabelText(/^Host/).getAttribute('aria-invalid')).toBe('true');
  });
});
