import { type FormEvent, useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { fieldErrors } from '../../api/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import {
  type ConnectionFormValues,
  type ConnectionView,
  createBody,
  DIALECTS,
  dialectInfo,
  emptyForm,
  type FormErrors,
  formFromConnection,
  updateBody,
  validateConnectionForm,
} from './connection-form';

/**
 * The connection form: fields change with the dialect (SQLite: a file path; the others: host,
 * port, database, username, password, options; or one URL). The password is write-only: an edit
 * starts with it empty and keeps the stored one unless a new one is typed.
 */
export function ConnectionForm({ original }: { original?: ConnectionView }) {
  const navigate = useNavigate();
  const [values, setValues] = useState<ConnectionFormValues>(() => (original ? formFromConnection(original) : emptyForm()));
  const [errors, setErrors] = useState<FormErrors>({});
  const [submitted, setSubmitted] = useState(false);
  const [apiError, setApiError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  /** The URL may hold a password, so it is masked like one unless the user asks to see it. */
  const [showUrl, setShowUrl] = useState(false);
  const info = dialectInfo(values.dialect);
  const useUrl = !original && values.mode === 'url';

  // After a first submit, errors follow the typing, so a fixed field clears at once.
  useEffect(() => {
    if (submitted) setErrors(validateConnectionForm(values, original));
  }, [values, submitted, original]);

  const set = <K extends keyof ConnectionFormValues>(key: K, value: ConnectionFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const text = (key: keyof ConnectionFormValues) => ({
    name: key,
    value: values[key] as string,
    onChange: (e: { target: { value: string } }) => set(key, e.target.value as never),
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    const problems = validateConnectionForm(values, original);
    setErrors(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    setApiError(undefined);
    try {
      const saved = original
        ? await unwrap(api.PATCH('/api/connections/{id}', { params: { path: { id: original.id } }, body: updateBody(values, original) }))
        : await unwrap(api.POST('/api/connections', { body: createBody(values) }));
      navigate(`/connections/${saved.id}`, { state: { saved: true } });
    } catch (e) {
      setApiError(e);
      setBusy(false);
    }
  };

  const server = fieldErrors(apiError);
  /** A client-side problem first, else what the API said about the field (or a part of it, e.g. options.sslmode). */
  const errorFor = (field: keyof ConnectionFormValues) =>
    errors[field] ?? server[field] ?? Object.entries(server).find(([name]) => name.startsWith(`${field}.`))?.[1];

  return (
    <section>
      <h1>{original ? `Edit ${original.name}` : 'New connection'}</h1>
      <form className="card connection-form" onSubmit={submit} noValidate aria-label={original ? 'Edit connection' : 'New connection'}>
        <ErrorBanner error={apiError} />
        <Field label="Name" required error={errorFor('name')}>
          <input {...text('name')} maxLength={100} autoFocus={!original} autoComplete="off" />
        </Field>
        <Field label="Dialect" required hint={original ? 'The dialect of a saved connection cannot change.' : undefined}>
          <select name="dialect" value={values.dialect} disabled={!!original} onChange={(e) => set('dialect', e.target.value as ConnectionFormValues['dialect'])}>
            {DIALECTS.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
        </Field>
        {!original ? (
          <fieldset className="inline-choice">
            <legend>Give it as</legend>
            <label>
              <input type="radio" name="mode" value="fields" checked={values.mode === 'fields'} onChange={() => set('mode', 'fields')} /> separate fields
            </label>
            <label>
              <input type="radio" name="mode" value="url" checked={values.mode === 'url'} onChange={() => set('mode', 'url')} /> a URL
            </label>
          </fieldset>
        ) : null}

        {useUrl ? (
          <>
            <Field label="URL" required error={errorFor('url')} hint={<>e.g. <code>{info.urlExample}</code>; a password in it is sealed like the password field and never shown again.</>}>
              <input {...text('url')} type={showUrl ? 'text' : 'password'} autoComplete="off" maxLength={2000} spellCheck={false} />
            </Field>
            <label className="checkbox">
              <input type="checkbox" checked={showUrl} onChange={(e) => setShowUrl(e.target.checked)} /> Show the URL as typed
            </label>
          </>
        ) : (
          <>
            {info.networked ? (
              <div className="field-row">
                <Field label="Host" required error={errorFor('host')}>
                  <input {...text('host')} maxLength={253} autoComplete="off" spellCheck={false} placeholder="db.example.com" />
                </Field>
                <Field label="Port" error={errorFor('port')} hint={`empty: ${info.defaultPort}`}>
                  <input {...text('port')} inputMode="numeric" maxLength={5} placeholder={String(info.defaultPort)} className="narrow" />
                </Field>
              </div>
            ) : null}
            <Field label={info.databaseLabel} required error={errorFor('database')} hint={info.databaseHint}>
              <input {...text('database')} maxLength={1000} autoComplete="off" spellCheck={false} />
            </Field>
            {info.networked ? (
              <>
                <Field label="Username" error={errorFor('username')}>
                  <input {...text('username')} maxLength={128} autoComplete="off" spellCheck={false} />
                </Field>
                <Field
                  label="Password"
                  error={errorFor('password')}
                  hint={original?.hasPassword ? 'A password is stored; leave empty to keep it. It is never shown.' : 'Sealed at rest; it is never shown again.'}
                >
                  <input {...text('password')} type="password" autoComplete="new-password" maxLength={1024} disabled={values.clearPassword} />
                </Field>
                {original?.hasPassword ? (
                  <label className="checkbox">
                    <input type="checkbox" name="clearPassword" checked={values.clearPassword} onChange={(e) => set('clearPassword', e.target.checked)} /> Remove the stored password
                  </label>
                ) : null}
              </>
            ) : null}
          </>
        )}
        <Field label="Options" error={errorFor('options')} hint={<>Driver settings, one <code>key=value</code> a line (e.g. <code>sslmode=require</code>). No passwords here.</>}>
          <textarea {...text('options')} rows={3} spellCheck={false} />
        </Field>
        <Field label="Max parallel chunks" error={errorFor('maxParallelChunks')} hint="How many chunks may read from or write to this database at once, across every worker; empty: the server default.">
          <input {...text('maxParallelChunks')} inputMode="numeric" maxLength={3} className="narrow" />
        </Field>
        <label className="checkbox">
          <input type="checkbox" name="readOnly" checked={values.readOnly} onChange={(e) => set('readOnly', e.target.checked)} /> Read-only (never a write target)
        </label>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : original ? 'Save changes' : 'Create connection'}
          </button>
          <Link className="button" to={original ? `/connections/${original.id}` : '/connections'}>
            Cancel
          </Link>
        </div>
      </form>
    </section>
  );
}
