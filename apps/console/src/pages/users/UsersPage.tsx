import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { fieldErrors } from '../../api/errors';
import { useSession } from '../../api/session';
import { ConfirmButton, ConfirmDialog } from '../../components/ConfirmButton';
import { type Column, DataTable } from '../../components/DataTable';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { newUserProblems, passwordProblem, type Role, ROLE_TEXT, ROLES, type User } from './user-form';
import './users.css';

function CreateUser({ onCreated }: { onCreated: (user: User) => void }) {
  const [form, setForm] = useState({ username: '', password: '', role: 'viewer' as Role });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const problems = newUserProblems(form);
    setErrors(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    try {
      const user = await unwrap(api.POST('/api/users', { body: form }));
      setForm({ username: '', password: '', role: 'viewer' });
      onCreated(user);
    } catch (e) {
      setError(e);
      setErrors(fieldErrors(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card users-create" onSubmit={submit} noValidate aria-labelledby="create-user">
      <h2 id="create-user">Add a user</h2>
      <div className="users-create-row">
        <Field label="User name" error={errors.username} required>
          <input name="username" value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} autoComplete="off" />
        </Field>
        <Field label="Initial password" error={errors.password} hint="At least 12 characters; they must change it at first login." required>
          <input name="password" type="password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} autoComplete="new-password" />
        </Field>
        <Field label="Role" error={errors.role} hint={ROLE_TEXT[form.role]} required>
          <select name="role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <ErrorBanner error={error} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add user'}
        </button>
      </div>
    </form>
  );
}

function ResetPassword({ user, onDone, onCancel }: { user: User; onDone: () => void; onCancel: () => void }) {
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), [user.id]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const p = passwordProblem(password);
    setProblem(p);
    if (p) return;
    setBusy(true);
    try {
      await unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: user.id } }, body: { password } }));
      onDone();
    } catch (e) {
      setError(e);
      setProblem(fieldErrors(e).password);
      setBusy(false);
    }
  };

  return (
    <form className="card users-reset" onSubmit={submit} noValidate aria-labelledby="reset-title" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <h2 id="reset-title">Reset the password of {user.username}</h2>
      <p className="muted">They must change it at their next login, and every session they have ends now.</p>
      <Field label="New password" error={problem} required>
        <input ref={input} name="newPassword" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />
      </Field>
      <ErrorBanner error={error} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Reset password'}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Users and their roles: add, change role, reset password, delete. Admins only (the API refuses anyone else). */
export default function UsersPage() {
  const me = useSession()?.user;
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState<string>();
  const [resetting, setResetting] = useState<User>();
  const [roleChange, setRoleChange] = useState<{ user: User; role: Role }>();
  const refresh = (message: string) => {
    setNotice(message);
    setVersion((v) => v + 1);
  };

  const columns: Column<User>[] = [
    { key: 'username', header: 'User', render: (u) => <strong>{u.username}</strong> },
    {
      key: 'role',
      header: 'Role',
      render: (u) => (
        <select aria-label={`Role of ${u.username}`} value={u.role} onChange={(e) => setRoleChange({ user: u, role: e.target.value as Role })}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      ),
    },
    { key: 'state', header: 'Password', render: (u) => (u.mustChangePassword ? <span className="badge badge-pending">must change</span> : 'set by the user') },
    { key: 'login', header: 'Last login', className: 'nowrap', render: (u) => (u.lastLoginAt ? new Date(u.lastLoginAt).toLocaleString() : <span className="muted">never</span>) },
    { key: 'created', header: 'Created', className: 'nowrap', render: (u) => new Date(u.createdAt).toLocaleDateString() },
    {
      key: 'actions',
      header: <span className="visually-hidden">Actions</span>,
      className: 'nowrap',
      render: (u) => (
        <span className="users-actions">
          <button type="button" onClick={() => setResetting(u)}>
            Reset password
          </button>
          <ConfirmButton
            title={`Delete user ${u.username}?`}
            message={<p>They can no longer sign in; what they did stays in the audit log.</p>}
            disabled={u.id === me?.id}
            onConfirm={async () => {
              await unwrap(api.DELETE('/api/users/{id}', { params: { path: { id: u.id } } }));
              refresh(`Deleted ${u.username}.`);
            }}
          >
            Delete
          </ConfirmButton>
        </span>
      ),
    },
  ];

  return (
    <section>
      <h1>Users</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <DataTable<User>
        columns={columns}
        rowKey={(u) => u.id}
        deps={[version]}
        caption={<span className="visually-hidden">Users</span>}
        load={({ limit, offset }, signal) => unwrap(api.GET('/api/users', { params: { query: { limit, offset } }, signal }))}
      />
      {resetting ? (
        <ResetPassword
          key={resetting.id}
          user={resetting}
          onCancel={() => setResetting(undefined)}
          onDone={() => {
            setResetting(undefined);
            refresh(`Password of ${resetting.username} reset; they must change it at next login.`);
          }}
        />
      ) : null}
      <CreateUser onCreated={(u) => refresh(`Added ${u.username} (${u.role}); they must change the initial password at first login.`)} />
      {roleChange ? (
        <ConfirmDialog
          title={`Make ${roleChange.user.username} ${roleChange.role === 'admin' ? 'an' : 'a'} ${roleChange.role}?`}
          confirmLabel="Change role"
          danger={false}
          onClose={() => setRoleChange(undefined)}
          onConfirm={async () => {
            await unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: roleChange.user.id } }, body: { role: roleChange.role } }));
            refresh(`${roleChange.user.username} is now ${roleChange.role === 'admin' ? 'an' : 'a'} ${roleChange.role}.`);
          }}
        >
          <p>
            A {roleChange.role} {ROLE_TEXT[roleChange.role]}. Their current sessions end; they sign in again with the new role.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
