import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useApi } from '../../components/useApi';
import { loadConnections, searchTables } from '../jobs/jobs-api';
import { formatTableRef } from '../jobs/job-form';
import { checkGroupForm, splitNames } from './groups';
import './groups.css';

interface MemberDraft {
  uid: number;
  connectionId: string;
  table: string;
}
let nextUid = 1;
const emptyMember = (): MemberDraft => ({ uid: nextUid++, connectionId: '', table: '' });

/** The member's connection's tables matching what is typed, offered as the table field's suggestions. */
function MemberTable({ member, index, error, onChange }: { member: MemberDraft; index: number; error?: string; onChange: (table: string) => void }) {
  const tables = useApi((signal) => (member.connectionId ? searchTables(member.connectionId, member.table.includes('.') ? (member.table.split('.').pop() ?? '') : member.table, 20, 0, signal) : Promise.resolve(null)), [member.connectionId, member.table]);
  const listId = `member-tables-${member.uid}`;
  return (
    <>
    <Field label={`Table of member ${index + 1}`} hint="schema.table, or a bare name in the connection's default schema" error={error} required>
      <input name={`members[${index}].table`} list={listId} value={member.table} onChange={(e) => onChange(e.target.value)} placeholder="public.customers" autoComplete="off" />
    </Field>
    <datalist id={listId}>{tables.data?.items.map((t) => <option key={`${t.schema}.${t.name}`} value={formatTableRef(t.schema, t.name)} />)}</datalist>
    </>
  );
}

/** A new replica group: a name, its key columns and two or more member tables, each checked by the API against the first member's schema. */
export default function GroupFormPage() {
  const navigate = useNavigate();
  const connections = useApi((signal) => loadConnections(signal), []);
  const [name, setName] = useState('');
  const [keyColumns, setKeyColumns] = useState('id');
  const [members, setMembers] = useState<MemberDraft[]>([emptyMember(), emptyMember()]);
  const [autoExecute, setAutoExecute] = useState(true);
  const [debtAlertSeconds, setDebtAlertSeconds] = useState('900');
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const apiError = error instanceof ApiError ? error : undefined;
  const errorOf = (field: string) => problems[field] ?? apiError?.fieldMessage(field);
  const setMember = (uid: number, change: Partial<MemberDraft>) => setMembers(members.map((m) => (m.uid === uid ? { ...m, ...change } : m)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const keys = splitNames(keyColumns);
    const list = members.map((m) => ({ connectionId: m.connectionId, table: m.table.trim() }));
    const found = checkGroupForm(name, keys, list);
    const seconds = Number(debtAlertSeconds);
    if (!Number.isInteger(seconds) || seconds < 10 || seconds > 604_800) found.debtAlertSeconds = 'Between 10 and 604800 seconds.';
    setProblems(found);
    setError(undefined);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const group = await unwrap(api.POST('/api/groups', { body: { name: name.trim(), keyColumns: keys, members: list, autoExecute, debtAlertSeconds: seconds } }));
      navigate(`/groups/${group.id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <section>
      <div className="toolbar">
        <h1>New group</h1>
        <span className="spacer" />
        <Link to="/groups">Groups</Link>
      </div>
      <form onSubmit={submit} noValidate aria-label="New group" className="card">
        <div className="arb-row">
          <Field label="Name" error={errorOf('name')} required>
            <input name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="customers" />
          </Field>
          <Field label="Key columns" hint="Comma-separated, named as on the first member." error={errorOf('keyColumns')} required>
            <input name="keyColumns" value={keyColumns} onChange={(e) => setKeyColumns(e.target.value)} />
          </Field>
        </div>
        <fieldset className="arb-checks" aria-label="Members">
          <legend>Members * (the first member's columns are the group's)</legend>
          <div style={{ width: '100%' }}>
            {members.map((m, i) => (
              <div className="group-member" key={m.uid} data-testid="group-member">
                <Field label={`Connection of member ${i + 1}`} error={errorOf(`members[${i}].connectionId`)} required>
                  <select name={`members[${i}].connectionId`} value={m.connectionId} onChange={(e) => setMember(m.uid, { connectionId: e.target.value })}>
                    <option value="">Pick a connection</option>
                    {connections.data?.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.name} ({c.dialect})
                      </option>
                    ))}
                  </select>
                </Field>
                <MemberTable member={m} index={i} error={errorOf(`members[${i}].table`) ?? errorOf(`members[${i}]`)} onChange={(table) => setMember(m.uid, { table })} />
                <button type="button" onClick={() => setMembers(members.filter((x) => x.uid !== m.uid))} disabled={members.length <= 2} aria-label={`Remove member ${i + 1}`}>
                  Remove
                </button>
              </div>
            ))}
            {errorOf('members') ? (
              <div className="field-error" role="alert">
                {errorOf('members')}
              </div>
            ) : null}
            <button type="button" onClick={() => setMembers([...members, emptyMember()])} disabled={members.length >= 16}>
              Add member
            </button>
          </div>
        </fieldset>
        <div className="arb-row">
          <label className="arb-check">
            <input type="checkbox" name="autoExecute" checked={autoExecute} onChange={(e) => setAutoExecute(e.target.checked)} /> The workers apply sync tasks by themselves (otherwise they wait for Execute)
          </label>
          <Field label="Debt alert after (seconds)" hint="A mail when a member's oldest pending task is older." error={errorOf('debtAlertSeconds')}>
            <input name="debtAlertSeconds" inputMode="numeric" value={debtAlertSeconds} onChange={(e) => setDebtAlertSeconds(e.target.value)} />
          </Field>
        </div>
        <ErrorBanner error={error} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Checking the members…' : 'Create group'}
          </button>
        </div>
      </form>
    </section>
  );
}
