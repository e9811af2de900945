import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import { useSession } from '../../api/session';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useApi } from '../../components/useApi';
import { loadConnections } from '../jobs/jobs-api';
import { formatTime } from '../runs/format';
import { FAULT_OPERATIONS, loadFaults } from './groups';
import './groups.css';

type Operation = (typeof FAULT_OPERATIONS)[number];

/**
 * Fault injection (admins): make a connection fail to connect, read or write for a count of
 * operations or some seconds, in the API and every worker. Shown only when the API runs with
 * FAULTS_ENABLED=true, as its /api/auth answers say: otherwise /api/faults is a 404, so it is not asked.
 */
export default function FaultsPage() {
  const [tick, setTick] = useState(0);
  const on = useSession()?.user.faultsEnabled === true;
  const faults = useApi((signal) => (on ? loadFaults(signal) : Promise.resolve({ enabled: false as const })), [tick, on]);
  const connections = useApi((signal) => (on ? loadConnections(signal) : Promise.resolve([])), [on]);
  const [connectionId, setConnectionId] = useState('');
  const [operation, setOperation] = useState<Operation>('write');
  const [count, setCount] = useState('');
  const [seconds, setSeconds] = useState('30');
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const nameOf = (id: string) => connections.data?.find((c) => c.id === id)?.name ?? id.slice(0, 8);
  const apiError = error instanceof ApiError ? error : undefined;
  const errorOf = (field: string) => problems[field] ?? apiError?.fieldMessage(field);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    const n = count.trim() ? Number(count) : undefined;
    const s = seconds.trim() ? Number(seconds) : undefined;
    if (!connectionId) found.connectionId = 'Pick the connection to fail.';
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) found.count = 'A whole number of operations, at least 1.';
    if (s !== undefined && (!Number.isInteger(s) || s < 1 || s > 86_400)) found.seconds = 'Between 1 and 86400 seconds.';
    if (n === undefined && s === undefined) found.count = 'Give a count, seconds, or both.';
    setProblems(found);
    setError(undefined);
    if (Object.keys(found).length) return;
    try {
      await unwrap(api.POST('/api/faults', { body: { connectionId, operation, ...(n !== undefined && { count: n }), ...(s !== undefined && { seconds: s }) } }));
      setTick((t) => t + 1);
    } catch (e) {
      setError(e);
    }
  };

  const state = faults.data;
  return (
    <section>
      <div className="toolbar">
        <h1>Faults</h1>
        <span className="spacer" />
        <button type="button" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={faults.error} />
      {state && !state.enabled ? (
        <p data-testid="faults-off">Fault injection is off: start the API and workers with FAULTS_ENABLED=true to rehearse failures (docs/faults.md).</p>
      ) : null}
      {state?.enabled ? (
        <>
          <p className="muted">A fault makes a connection fail, in the API and every worker, until its count is used up, its seconds pass or it is removed. Use it to prove compensation works before the day it is needed.</p>
          <form onSubmit={create} noValidate aria-label="New fault" className="card">
            <div className="arb-row">
              <Field label="Connection" error={errorOf('connectionId')} required>
                <select name="connectionId" value={connectionId} onChange={(e) => setConnectionId(e.target.value)}>
                  <option value="">Pick a connection</option>
                  {connections.data?.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name} ({c.dialect})
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="Operation" error={errorOf('operation')} required>
                <select name="operation" value={operation} onChange={(e) => setOperation(e.target.value as Operation)}>
                  {FAULT_OPERATIONS.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="Count" hint="Fail this many operations." error={errorOf('count')}>
                <input name="count" inputMode="numeric" value={count} onChange={(e) => setCount(e.target.value)} />
              </Field>
              <Field label="Seconds" hint="Fail for this long." error={errorOf('seconds')}>
                <input name="seconds" inputMode="numeric" value={seconds} onChange={(e) => setSeconds(e.target.value)} />
              </Field>
            </div>
            <ErrorBanner error={apiError && apiError.details.length ? undefined : error} />
            <div className="form-actions">
              <button type="submit" className="primary">
                Inject fault
              </button>
            </div>
          </form>
          <table aria-label="Active faults" className="group-section">
            <thead>
              <tr>
                <th scope="col">Connection</th>
                <th scope="col">Operation</th>
                <th scope="col">Remaining / count</th>
                <th scope="col">Ends</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {state.items.map((f) => (
                <tr key={f.id} data-testid="fault">
                  <td>{nameOf(f.connectionId)}</td>
                  <td>{f.operation}</td>
                  <td className="num">{f.count === null ? '—' : `${f.remaining ?? 0} / ${f.count}`}</td>
                  <td>{f.expiresAt ? formatTime(f.expiresAt) : 'when used up'}</td>
                  <td>{formatTime(f.createdAt)}</td>
                  <td>
                    <ConfirmButton title={`Remove the ${f.operation} fault on ${nameOf(f.connectionId)}?`} onConfirm={async () => {
                      await unwrap(api.DELETE('/api/faults/{id}', { params: { path: { id: f.id } } }));
                      setTick((t) => t + 1);
                    }}>
                      Remove
                    </ConfirmButton>
                  </td>
                </tr>
              ))}
              {state.items.length === 0 ? (
                <tr>
                  <td colSpan={6} className="empty">
                    No active fault.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
