import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { fieldErrors } from '../../api/errors';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useCan } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { DdlPreview } from './DdlPreview';
import { emptyEntry, emptyJobForm, type FormErrors, formToBody, type JobForm, jobToForm, type JobView, validateJobForm, WRITE_MODES } from './job-form';
import { createJob, deleteJob, type JobPreview, loadConnections, loadJob, previewDraft, runJob, updateJob } from './jobs-api';
import { SchedulePreview } from './SchedulePreview';
import { TableEntryEditor } from './TableEntryEditor';
import { TablePicker } from './TablePicker';
import './jobs.css';

const TIME_ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return [];
  }
})();

/**
 * What the page a create lands on says first ("Saved job …"). Read while rendering (a render may
 * be tried more than once) and cleared once the page has mounted.
 */
let flash: string | undefined;

/** Create (`/jobs/new`) or edit (`/jobs/:id`) a sync job; a viewer sees it read-only. */
export default function JobFormPage() {
  const { id } = useParams();
  const editing = id !== undefined && id !== 'new';
  const navigate = useNavigate();
  const canEdit = useCan();
  const connections = useApi((signal) => loadConnections(signal), []);
  const saved = useApi((signal) => (editing ? loadJob(id, signal) : Promise.resolve(null)), [id]);
  const [job, setJob] = useState<JobView | null>(null);
  const [form, setForm] = useState<JobForm>(emptyJobForm);
  const [errors, setErrors] = useState<FormErrors>({});
  const [apiError, setApiError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>(() => flash);
  useEffect(() => {
    flash = undefined;
  }, []);
  const [busy, setBusy] = useState<'save' | 'preview' | 'run'>();
  const [preview, setPreview] = useState<{ for: string; result: JobPreview }>();

  useEffect(() => {
    if (saved.data) {
      setJob(saved.data);
      setForm(jobToForm(saved.data));
    }
  }, [saved.data]);

  const body = useMemo(() => formToBody(form), [form]);
  const bodyKey = JSON.stringify(body);
  const apiFields = fieldErrors(apiError);
  const errorOf = (field: string) => errors[field] ?? apiFields[field];
  const allErrors = { ...apiFields, ...errors };
  const set = (patch: Partial<JobForm>) => setForm((f) => ({ ...f, ...patch }));
  const sources = connections.data ?? [];
  const targets = sources;

  const check = (requireName: boolean) => {
    const found = validateJobForm(form, { requireName });
    setErrors(found);
    setApiError(undefined);
    setNotice(undefined);
    return Object.keys(found).length === 0;
  };

  const runPreview = async () => {
    if (!check(false)) return;
    setBusy('preview');
    try {
      const { name, ...rest } = body;
      const result = await previewDraft(name ? body : rest);
      setPreview({ for: bodyKey, result });
    } catch (e) {
      setApiError(e);
      setPreview(undefined);
    } finally {
      setBusy(undefined);
    }
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!check(true)) return;
    setBusy('save');
    try {
      const result = editing ? await updateJob(id, body) : await createJob(body);
      const message = `Saved job ${result.name}.${result.warnings?.length ? ` ${result.warnings.join(' ')}` : ''}`;
      if (editing) {
        setJob(result);
        setForm(jobToForm(result));
        setNotice(message);
      } else {
        flash = message;
        setNotice(message);
        navigate(`/jobs/${result.id}`, { replace: true });
      }
    } catch (e) {
      setApiError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const runNow = async () => {
    if (!editing) return;
    setBusy('run');
    setApiError(undefined);
    try {
      const { runId } = await runJob(id);
      navigate(`/runs/${runId}`);
    } catch (e) {
      setApiError(e);
      setBusy(undefined);
    }
  };

  if (editing && saved.error && !job) {
    return (
      <section>
        <h1>Job</h1>
        <ErrorBanner error={saved.error} />
        <Link to="/jobs">Back to the jobs</Link>
      </section>
    );
  }
  if (editing && !job) return <p className="loading">Loading the job…</p>;

  const title = editing ? `Job ${job?.name}` : 'New job';
  return (
    <section>
      <div className="toolbar">
        <h1>{title}</h1>
        {job ? <StatusBadge status={job.enabled ? 'enabled' : 'disabled'} /> : null}
        <span className="spacer" />
        {job?.lastRun ? (
          <Link to={`/runs/${job.lastRun.id}`}>
            Last run <StatusBadge status={job.lastRun.status} />
          </Link>
        ) : null}
        {editing && canEdit ? (
          <>
            <button type="button" className="primary" onClick={runNow} disabled={busy !== undefined} title="Runs the job as saved">
              {busy === 'run' ? 'Starting…' : 'Run now'}
            </button>
            <ConfirmButton
              title={`Delete job ${job?.name}?`}
              message={<p>The job and its schedule are removed; its past runs stay readable. A job with an active run cannot be deleted.</p>}
              onConfirm={async () => {
                await deleteJob(id);
                navigate('/jobs', { replace: true });
              }}
            >
              Delete
            </ConfirmButton>
          </>
        ) : null}
      </div>
      <p>
        <Link to="/jobs">‹ All jobs</Link>
      </p>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <ErrorBanner error={connections.error} />
      <form className="jobs-form" onSubmit={save} noValidate aria-label={title}>
        <ErrorBanner error={apiError} onDismiss={() => setApiError(undefined)} />
        {Object.keys(errors).length ? (
          <div className="error-banner" role="alert">
            Some fields need attention: {Object.keys(errors).join(', ')}.
          </div>
        ) : null}
        <fieldset disabled={!canEdit}>
          <legend>Job</legend>
          <div className="jobs-row">
            <Field label="Name" error={errorOf('name')} required>
              <input name="name" value={form.name} onChange={(e) => set({ name: e.target.value })} maxLength={100} />
            </Field>
            <Field label="Source connection" error={errorOf('sourceId')} required>
              <select name="sourceId" value={form.sourceId} onChange={(e) => set({ sourceId: e.target.value })}>
                <option value="">Pick a connection</option>
                {sources.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name} ({c.dialect})
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Target connection" error={errorOf('targetId')} required hint="Read-only connections cannot be targets.">
              <select name="targetId" value={form.targetId} onChange={(e) => set({ targetId: e.target.value })}>
                <option value="">Pick a connection</option>
                {targets.map((c) => (
                  <option key={c.id} value={c.id} disabled={c.readOnly}>
                    {c.name} ({c.dialect}){c.readOnly ? ' — read-only' : ''}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <div className="jobs-row">
            <Field label="Mode" error={errorOf('mode')} hint="full: every row each run; incremental: rows changed since the last run.">
              <select name="mode" value={form.mode} onChange={(e) => set({ mode: e.target.value as JobForm['mode'], ...(e.target.value === 'incremental' ? { writeMode: 'upsert' } : {}) })}>
                <option value="full">full</option>
                <option value="incremental">incremental</option>
              </select>
            </Field>
            <Field label="Write mode" error={errorOf('writeMode')}>
              <select name="writeMode" value={form.writeMode} onChange={(e) => set({ writeMode: e.target.value as JobForm['writeMode'] })}>
                {WRITE_MODES.map((m) => (
                  <option key={m.value} value={m.value}>
                    {m.label}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Batch size" error={errorOf('batchSize')} hint="Rows per write batch (1–100000).">
              <input name="batchSize" inputMode="numeric" value={form.batchSize} onChange={(e) => set({ batchSize: e.target.value })} />
            </Field>
            <Field label="Chunk rows" error={errorOf('chunkRows')} hint="Rows per key-range chunk, one queue job each (100–100000000).">
              <input name="chunkRows" inputMode="numeric" value={form.chunkRows} onChange={(e) => set({ chunkRows: e.target.value })} />
            </Field>
          </div>
          <div className="jobs-checks">
            <label>
              <input type="checkbox" name="createTables" checked={form.createTables} onChange={(e) => set({ createTables: e.target.checked })} /> Create missing target tables
            </label>
            <label>
              <input type="checkbox" name="deleteMissing" checked={form.deleteMissing} onChange={(e) => set({ deleteMissing: e.target.checked })} /> Delete target rows gone from the source
            </label>
            <label title="Each run that copied successfully ends with a diff of the tables it wrote; drift is shown on the run and raises an alert">
              <input type="checkbox" name="verify" checked={form.verify} onChange={(e) => set({ verify: e.target.checked })} /> Verify after copy
            </label>
            <label>
              <input type="checkbox" name="enabled" checked={form.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> Enabled (the schedule fires)
            </label>
          </div>
        </fieldset>

        <fieldset disabled={!canEdit}>
          <legend>Tables</legend>
          {errorOf('tables') ? (
            <div className="field-error" role="alert">
              {errorOf('tables')}
            </div>
          ) : null}
          {form.tables.map((entry, i) => (
            <TableEntryEditor
              key={entry.uid}
              entry={entry}
              index={i}
              sourceId={form.sourceId}
              mode={form.mode}
              errors={allErrors}
              editable={canEdit}
              onChange={(next) => set({ tables: form.tables.map((t) => (t.uid === entry.uid ? next : t)) })}
              onRemove={() => set({ tables: form.tables.filter((t) => t.uid !== entry.uid) })}
            />
          ))}
          {canEdit ? <TablePicker sourceId={form.sourceId} chosen={form.tables.map((t) => t.source)} onAdd={(source) => set({ tables: [...form.tables, emptyEntry(source)] })} /> : null}
        </fieldset>

        <fieldset disabled={!canEdit}>
          <legend>Schedule</legend>
          <div className="jobs-row">
            <Field label="Cron" error={errorOf('schedule')} hint="minute hour day month weekday, e.g. 0 2 * * * (02:00 daily) or */15 * * * *; empty: on demand only.">
              <input name="schedule" value={form.schedule} onChange={(e) => set({ schedule: e.target.value })} placeholder="0 2 * * *" className="mono" />
            </Field>
            <Field label="Time zone" error={errorOf('scheduleTz')} hint="IANA zone the cron is read in; empty: UTC.">
              <input name="scheduleTz" value={form.scheduleTz} onChange={(e) => set({ scheduleTz: e.target.value })} placeholder="UTC" list="job-time-zones" />
            </Field>
          </div>
          <datalist id="job-time-zones">
            {TIME_ZONES.map((tz) => (
              <option key={tz} value={tz} />
            ))}
          </datalist>
          <SchedulePreview schedule={form.schedule} scheduleTz={form.scheduleTz} />
        </fieldset>

        {canEdit ? (
          <div className="form-actions">
            <button type="button" onClick={runPreview} disabled={busy !== undefined}>
              {busy === 'preview' ? 'Planning…' : 'Preview DDL'}
            </button>
            <button type="submit" className="primary" disabled={busy !== undefined}>
              {busy === 'save' ? 'Saving…' : editing ? 'Save changes' : 'Create job'}
            </button>
          </div>
        ) : null}
      </form>
      {preview ? (
        <section aria-label="DDL preview">
          <h2>What a run would do</h2>
          {preview.for !== bodyKey ? (
            <p className="notice" role="status">
              The form changed since this preview: preview again to see the new plan.
            </p>
          ) : null}
          <DdlPreview preview={preview.result} />
        </section>
      ) : null}
    </section>
  );
}
