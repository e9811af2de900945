import { type FormEvent, useEffect, useState } from 'react';
import type { Schema } from '@dbferry/api-client';
import { api, unwrap } from '../../api/client';
import { fieldErrors } from '../../api/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useApi } from '../../components/useApi';
import { type AlertForm, formFrom, toBody } from './alerts-form';
import './alerts.css';

type TestResult = Schema<'AlertTestView'>;

const SOURCE_TEXT = {
  store: 'Saved here.',
  env: 'Taken from SMTP_URL and ALERT_EMAILS in the environment; saving here replaces them.',
  none: 'Not configured: no alert mail is sent until these are saved.',
} as const;

/** SMTP server, sender, recipients and the failure window for alert mail; a test mail with its result. Admins only. */
export default function AlertsPage() {
  const settings = useApi((signal) => unwrap(api.GET('/api/alerts/settings', { signal })), []);
  const [form, setForm] = useState<AlertForm>(formFrom(undefined));
  const [dirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saveError, setSaveError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [testing, setTesting] = useState(false);
  const [test, setTest] = useState<TestResult | undefined>();
  const [testError, setTestError] = useState<unknown>();

  useEffect(() => {
    if (settings.data && !dirty) setForm(formFrom(settings.data));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only new data from the API refills the form
  }, [settings.data]);

  const set = <K extends keyof AlertForm>(key: K, value: AlertForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setDirty(true);
    setSaved(false);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaveError(undefined);
    const { body, errors: problems } = toBody(form);
    setErrors(problems);
    if (!body) return;
    setSaving(true);
    try {
      await unwrap(api.PUT('/api/alerts/settings', { body }));
      setDirty(false);
      setSaved(true);
      settings.reload();
    } catch (error) {
      setSaveError(error);
      setErrors(fieldErrors(error));
    } finally {
      setSaving(false);
    }
  };

  const sendTest = async () => {
    setTesting(true);
    setTest(undefined);
    setTestError(undefined);
    try {
      setTest(await unwrap(api.POST('/api/alerts/test')));
    } catch (error) {
      setTestError(error);
    } finally {
      setTesting(false);
    }
  };

  const current = settings.data;
  return (
    <section className="alerts-page">
      <h1>Alerts</h1>
      <p className="muted">
        A failed run mails the recipients, as does a job's first success after a failure; one job is mailed at most once per window.
      </p>
      <ErrorBanner error={settings.error} />
      {current ? <p className="notice">{SOURCE_TEXT[current.source]}{current.updatedAt ? ` Last saved ${new Date(current.updatedAt).toLocaleString()}.` : ''}</p> : null}
      <form className="card alerts-form" onSubmit={save} noValidate aria-label="Alert settings">
        <fieldset disabled={saving || settings.loading && !current}>
          <legend>SMTP server</legend>
          <div className="alerts-row">
            <Field label="Host" error={errors.host} required>
              <input name="host" value={form.host} onChange={(e) => set('host', e.target.value)} autoComplete="off" placeholder="smtp.example.com" />
            </Field>
            <Field label="Port" error={errors.port} required>
              <input name="port" inputMode="numeric" value={form.port} onChange={(e) => set('port', e.target.value)} size={6} />
            </Field>
          </div>
          <label className="check">
            <input type="checkbox" name="secure" checked={form.secure} onChange={(e) => set('secure', e.target.checked)} /> TLS from the first byte (usually port 465);
            otherwise STARTTLS when the server offers it
          </label>
          <div className="alerts-row">
            <Field label="User name" error={errors.username} hint="Leave empty for a server without login.">
              <input name="username" value={form.username} onChange={(e) => set('username', e.target.value)} autoComplete="off" />
            </Field>
            <Field
              label="Password"
              error={errors.password}
              hint={
                <>
                  Stored password: <strong data-testid="password-state">{current?.hasPassword ? 'set' : 'not set'}</strong>. It is never shown; type a new one to
                  replace it, or leave empty to keep it.
                </>
              }
            >
              <input
                name="password"
                type="password"
                value={form.password}
                onChange={(e) => set('password', e.target.value)}
                autoComplete="new-password"
                disabled={form.clearPassword}
              />
            </Field>
          </div>
          {current?.hasPassword ? (
            <label className="check">
              <input type="checkbox" name="clearPassword" checked={form.clearPassword} onChange={(e) => set('clearPassword', e.target.checked)} /> Remove the stored password
            </label>
          ) : null}
        </fieldset>
        <fieldset disabled={saving || settings.loading && !current}>
          <legend>Mail</legend>
          <Field label="From" error={errors.from} required>
            <input name="from" type="email" value={form.from} onChange={(e) => set('from', e.target.value)} placeholder="dbferry@example.com" />
          </Field>
          <Field label="Recipients" error={errors.recipients} hint="One address per line (or separated by commas), at most 50.">
            <textarea name="recipients" rows={4} value={form.recipients} onChange={(e) => set('recipients', e.target.value)} />
          </Field>
          <Field label="Window (seconds)" error={errors.dedupeWindowSeconds} hint="A failing job is mailed at most once per window (60–86400).">
            <input name="dedupeWindowSeconds" inputMode="numeric" value={form.dedupeWindowSeconds} onChange={(e) => set('dedupeWindowSeconds', e.target.value)} size={8} />
          </Field>
          <label className="check">
            <input type="checkbox" name="enabled" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} /> Send alert mail
          </label>
        </fieldset>
        <ErrorBanner error={saveError} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save'}
          </button>
          {saved ? (
            <span role="status" className="alerts-saved">
              Saved.
            </span>
          ) : null}
        </div>
      </form>

      <section className="card" aria-labelledby="test-mail">
        <h2 id="test-mail">Test mail</h2>
        <p className="muted">Sends one mail to the recipients with the saved settings{dirty ? ' (save your changes first to test them)' : ''}.</p>
        <button type="button" onClick={sendTest} disabled={testing || current?.source === 'none'}>
          {testing ? 'Sending…' : 'Send test mail'}
        </button>
        <ErrorBanner error={testError} />
        {test ? (
          <div role="status" className={`alerts-test ${test.ok ? 'alerts-test-ok' : 'alerts-test-bad'}`}>
            {test.ok ? (
              <>
                Sent: accepted for {(test.accepted ?? []).join(', ') || 'no recipient'}
                {test.messageId ? <span className="muted"> ({test.messageId})</span> : null}
              </>
            ) : (
              <>Not sent: {test.error}</>
            )}
          </div>
        ) : null}
      </section>
    </section>
  );
}
