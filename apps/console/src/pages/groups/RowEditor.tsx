import { type FormEvent, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useCan } from '../../components/role';
import { useApi } from '../../components/useApi';
import { keyText } from '../runs/format';
import { SideBySide } from '../arbitration/SideBySide';
import { fieldText, type FieldText, groupKeyParam, type GroupView, type GroupWrite, rowFromFields } from './groups';

/**
 * One row of the group: its key (in the URL, ?key=), the arbiter's view of it on every member,
 * and for operators the fields to write, the members to write now and Write / Delete, with the
 * answer: where it was written, which members got a pending task, which failed and why.
 */
export function RowEditor({ group, nameOf, onWritten }: { group: GroupView; nameOf: (id: string) => string; onWritten: () => void }) {
  const canEdit = useCan('operator');
  const [params, setParams] = useSearchParams();
  const asked = params.get('key') ?? '';
  const [key, setKey] = useState(asked);
  const [fields, setFields] = useState<Record<string, FieldText>>({});
  const [targets, setTargets] = useState<string[]>(group.members.map((m) => m.connectionId));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [answer, setAnswer] = useState<{ op: string; result: GroupWrite }>();
  const [writeError, setWriteError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);
  const view = useApi((signal) => (asked ? unwrap(api.GET('/api/groups/{id}/rows/{key}', { params: { path: { id: group.id, key: asked } }, signal })) : Promise.resolve(null)), [group.id, asked, tick]);
  const order = group.members.map((m) => m.connectionId);
  const names = new Map(order.map((id) => [id, nameOf(id)]));

  // The fields start from the majority's row (or empty with the key when no member holds it).
  useEffect(() => {
    const v = view.data;
    if (!v) return;
    const majority = v.majority.map((id) => v.rows[id] as Record<string, unknown> | null).find((r) => r);
    const start: Record<string, FieldText> = {};
    for (const c of group.columns) start[c.name] = majority ? fieldText(majority[c.name]) : { text: '', isNull: false };
    if (!majority && group.keyColumns.length === 1) start[group.keyColumns[0]] = { text: asked, isNull: false };
    setFields(start);
  }, [view.data, group, asked]);

  const open = (event: FormEvent) => {
    event.preventDefault();
    setAnswer(undefined);
    setWriteError(undefined);
    if (!key.trim()) {
      setProblems({ key: 'Give the key: its value, or a JSON object naming each key column.' });
      return;
    }
    setProblems({});
    setParams((current) => {
      const copy = new URLSearchParams(current);
      copy.set('key', key.trim());
      return copy;
    });
    setTick((t) => t + 1);
  };

  const newRow = () => {
    const start: Record<string, FieldText> = {};
    for (const c of group.columns) start[c.name] = { text: '', isNull: false };
    setFields(start);
    setAnswer(undefined);
    setParams((current) => {
      const copy = new URLSearchParams(current);
      copy.delete('key');
      return copy;
    });
  };

  const send = async (op: 'write' | 'delete') => {
    setWriteError(undefined);
    setAnswer(undefined);
    if (targets.length === 0) {
      setProblems({ writeTo: 'Pick at least one member to write now.' });
      return;
    }
    const built = op === 'write' ? rowFromFields(group.columns, fields) : { row: {} };
    if ('errors' in built) {
      setProblems(built.errors);
      return;
    }
    setProblems({});
    setBusy(true);
    try {
      const result =
        op === 'write'
          ? await unwrap(api.POST('/api/groups/{id}/rows', { params: { path: { id: group.id } }, body: { row: built.row, writeTo: targets } }))
          : await unwrap(api.DELETE('/api/groups/{id}/rows/{key}', { params: { path: { id: group.id, key: asked }, query: { writeTo: targets.join(',') } } }));
      setAnswer({ op, result });
      const nextKey = groupKeyParam(group.keyColumns, result.key);
      setKey(nextKey);
      setParams((current) => {
        const copy = new URLSearchParams(current);
        copy.set('key', nextKey);
        return copy;
      });
      setTick((t) => t + 1);
      onWritten();
    } catch (e) {
      setWriteError(e);
    } finally {
      setBusy(false);
    }
  };

  const apiError = writeError instanceof ApiError ? writeError : view.error instanceof ApiError ? view.error : undefined;
  const errorOf = (field: string) => problems[field] ?? apiError?.fieldMessage(field);
  const v = view.data;
  return (
    <section className="group-section" aria-labelledby="row-title">
      <h2 id="row-title">Row</h2>
      <form onSubmit={open} noValidate aria-label="Open a row" className="toolbar filters">
        <Field label="Key" hint={group.keyColumns.length === 1 ? `the ${group.keyColumns[0]} value` : `{${group.keyColumns.map((c) => `"${c}": …`).join(', ')}}`} error={errorOf('key')}>
          <input name="key" value={key} onChange={(e) => setKey(e.target.value)} placeholder={group.keyColumns.length === 1 ? '42' : '{}'} />
        </Field>
        <button type="submit">Open</button>
        {canEdit ? (
          <button type="button" onClick={newRow}>
            New row
          </button>
        ) : null}
      </form>
      <ErrorBanner error={writeError ? undefined : view.error} />
      {v ? (
        <div className="arb-verdict" data-testid="row-arbiter">
          <h3>
            Key <span className="mono">{keyText(v.key)}</span>{' '}
            {v.consistent ? <span className="badge badge-ok">consistent</span> : <span className="badge badge-bad">inconsistent</span>}
          </h3>
          <p>
            Majority: <strong data-testid="majority">{v.majority.map((id) => nameOf(id)).join(', ')}</strong> · differing columns:{' '}
            <span className="mono" data-testid="differing">
              {v.differingColumns.join(', ') || 'none'}
            </span>
          </p>
          <SideBySide values={v.rows} order={order} differing={v.differingColumns} names={names} />
        </div>
      ) : null}
      {canEdit ? (
        <form
          className="card group-section"
          aria-label="Write the row"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void send('write');
          }}
        >
          <h3>Fields</h3>
          <div className="group-fields">
            {group.columns.map((c) => {
              const f = fields[c.name] ?? { text: '', isNull: false };
              return (
                <div key={c.name} style={{ display: 'contents' }}>
                  <label htmlFor={`field-${c.name}`} className="mono">
                    {c.name} <span className="muted">{c.kind}</span>
                  </label>
                  <div>
                    <input
                      id={`field-${c.name}`}
                      type="text"
                      name={`row.${c.name}`}
                      value={f.text}
                      disabled={f.isNull}
                      aria-invalid={errorOf(`row.${c.name}`) ? true : undefined}
                      onChange={(e) => setFields({ ...fields, [c.name]: { text: e.target.value, isNull: false } })}
                    />
                    {errorOf(`row.${c.name}`) ? (
                      <div className="field-error" role="alert">
                        {errorOf(`row.${c.name}`)}
                      </div>
                    ) : null}
                  </div>
                  <label>
                    <input type="checkbox" checked={f.isNull} disabled={!c.nullable} onChange={(e) => setFields({ ...fields, [c.name]: { text: f.text, isNull: e.target.checked } })} /> NULL
                  </label>
                </div>
              );
            })}
          </div>
          <fieldset className="arb-checks group-section">
            <legend>Write now to (the others get a pending sync task)</legend>
            {group.members.map((m) => (
              <label key={m.connectionId}>
                <input type="checkbox" name="writeTo" value={m.connectionId} checked={targets.includes(m.connectionId)} onChange={(e) => setTargets(e.target.checked ? [...targets, m.connectionId] : targets.filter((id) => id !== m.connectionId))} /> {nameOf(m.connectionId)}
              </label>
            ))}
            {errorOf('writeTo') ? (
              <div className="field-error" role="alert">
                {errorOf('writeTo')}
              </div>
            ) : null}
          </fieldset>
          <ErrorBanner error={writeError} />
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy}>
              Write
            </button>
            <button type="button" className="danger" disabled={busy || !asked} onClick={() => void send('delete')} title={asked ? undefined : 'Open a row first'}>
              Delete
            </button>
          </div>
        </form>
      ) : null}
      {answer ? (
        <div className="group-answer card" role="status" data-testid="write-answer">
          <strong>
            {answer.op === 'write' ? 'Written' : 'Deleted'} as version {answer.result.version}
          </strong>
          <ul>
            <li data-testid="answer-written">written: {answer.result.written.map((id) => nameOf(id)).join(', ') || 'none'}</li>
            <li data-testid="answer-pending">pending: {answer.result.pending.length ? `${answer.result.pending.length} task(s) (${answer.result.pending.map((t) => t.slice(0, 8)).join(', ')})` : 'none'}</li>
            <li data-testid="answer-failed">
              failed:{' '}
              {answer.result.failed.length
                ? answer.result.failed.map((f) => (
                    <span key={f.connectionId}>
                      {nameOf(f.connectionId)} ({f.error}; task {f.taskId.slice(0, 8)}){' '}
                    </span>
                  ))
                : 'none'}
            </li>
          </ul>
        </div>
      ) : null}
    </section>
  );
}
