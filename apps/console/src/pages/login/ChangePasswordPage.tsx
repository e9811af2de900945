import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, logout, unwrap } from '../../api/client';
import { fieldErrors } from '../../api/errors';
import { setSession, useSession } from '../../api/session';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { safeNext } from './next';
import { MIN_PASSWORD_LENGTH, type PasswordChangeInput, validatePasswordChange } from './password-rules';

/** Change of one's own password; forced (no way around it) while the account must change it. */
export default function ChangePasswordPage() {
  const session = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const forced = session?.user.mustChangePassword ?? false;
  const [input, setInput] = useState<PasswordChangeInput>({ currentPassword: '', newPassword: '', confirmPassword: '' });
  const [problems, setProblems] = useState<ReturnType<typeof validatePasswordChange>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (key: keyof PasswordChangeInput) => (e: React.ChangeEvent<HTMLInputElement>) => {
    setInput({ ...input, [key]: e.target.value });
    // An edited field's old complaint no longer applies; the next submit checks again.
    if (problems[key]) setProblems({ ...problems, [key]: undefined });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = validatePasswordChange(input);
    setProblems(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    setError(undefined);
    try {
      // The change revokes the token it was made with; the answer carries the new one.
      const result = await unwrap(api.POST('/api/auth/password', { body: { currentPassword: input.currentPassword, newPassword: input.newPassword } }));
      const { accessToken, id, username, role, mustChangePassword, faultsEnabled } = result;
      setSession({ token: accessToken, user: { id, username, role, mustChangePassword, faultsEnabled } });
      navigate(next, { replace: true });
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const apiFields = fieldErrors(error);
  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={submit} noValidate aria-labelledby="password-title">
        <h1 id="password-title">{forced ? 'Choose your password' : 'Change password'}</h1>
        {forced ? <p className="notice">This account has a temporary password. Choose your own before going on.</p> : <p className="muted">Signed in as {session?.user.username}.</p>}
        <ErrorBanner error={error} />
        <Field label="Current password" error={problems.currentPassword ?? apiFields.currentPassword}>
          <input name="currentPassword" type="password" autoComplete="current-password" autoFocus value={input.currentPassword} onChange={set('currentPassword')} />
        </Field>
        <Field label="New password" hint={`At least ${MIN_PASSWORD_LENGTH} characters.`} error={problems.newPassword ?? apiFields.newPassword}>
          <input name="newPassword" type="password" autoComplete="new-password" value={input.newPassword} onChange={set('newPassword')} />
        </Field>
        <Field label="Repeat the new password" error={problems.confirmPassword}>
          <input name="confirmPassword" type="password" autoComplete="new-password" value={input.confirmPassword} onChange={set('confirmPassword')} />
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Change password'}
        </button>
        <p className="auth-links">
          {forced ? null : <Link to={next}>Back</Link>}
          <button
            type="button"
            className="link-button"
            onClick={async () => {
              await logout();
              navigate('/login', { replace: true });
            }}
          >
            Log out
          </button>
        </p>
      </form>
    </div>
  );
}
