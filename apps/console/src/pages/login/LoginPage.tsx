import { type FormEvent, useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { fieldErrors } from '../../api/errors';
import { sessionExpired, setSession } from '../../api/session';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { safeNext } from './next';

export default function LoginPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [expired] = useState(sessionExpired);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [missing, setMissing] = useState<{ username?: string; password?: string }>({});
  const [busy, setBusy] = useState(false);
  // When the first page of a visit is usable: the speed check (auth e2e) reads this mark.
  useEffect(() => void performance.mark?.('dbferry:login-ready'), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems = { username: username.trim() ? undefined : 'Enter your username.', password: password ? undefined : 'Enter your password.' };
    setMissing(problems);
    if (problems.username || problems.password) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await unwrap(api.POST('/api/auth/login', { body: { username: username.trim(), password } }));
      setSession({ token: result.accessToken, user: result.user });
      navigate(result.user.mustChangePassword ? `/password?next=${encodeURIComponent(next)}` : next, { replace: true });
    } catch (e) {
      setError(e);
      setPassword('');
      setBusy(false);
    }
  };

  const apiFields = fieldErrors(error);
  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={submit} noValidate aria-labelledby="login-title">
        <h1 id="login-title">dbferry</h1>
        <p className="muted">Sign in to the console.</p>
        {expired && !error ? (
          <p className="notice" role="status">
            Your session has ended. Sign in again to go on where you were.
          </p>
        ) : null}
        <ErrorBanner error={error} />
        <Field label="Username" error={missing.username ?? apiFields.username}>
          <input name="username" autoComplete="username" autoFocus value={username} onChange={(e) => setUsername(e.target.value)} maxLength={64} />
        </Field>
        <Field label="Password" error={missing.password ?? apiFields.password}>
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} maxLength={200} />
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
