import { type FormEvent, useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useApi } from '../../components/useApi';
import { emptyMapping, formatFields, type MappingDraft, parseFields, parseHeaders } from './events';

/** Creates or edits an event source: the signing secret and the full-sync headers are write-only (blank keeps them). */
export default function EventSourceFormPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const connections = useApi((signal) => unwrap(api.GET('/api/connections', { params: { query: { limit: 200, offset: 0 } }, signal })), []);
  const existing = useApi((signal) => (id ? unwrap(api.GET('/api/event-sources/{id}', { params: { path: { id } }, signal })) : Promise.resolve(undefined)), [id]);
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const [mappings, setMappings] = useState<MappingDraft[]>([emptyMapping()]);
  const [url, setUrl] = useState('');
  const [schedule, setSchedule] = useState('');
  const [headers, setHeaders] = useState('');
  const [deleteMissing, setDeleteMissing] = useState(false);
  const [createTables, setCreateTables] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    const s = existing.data;
    if (!s) return;
    setName(s.name);
    setMappings(s.mappings.map((m) => ({ entityType: m.entityType, connectionId: m.connectionId, table: m.table, keyColumn: m.keyColumn, versionColumn: m.versionColumn ?? '', fields: formatFields(m.fields as Record<string, string>) })));
    setUrl(s.fullSync?.url ?? '');
    setSchedule(s.fullSync?.schedule ?? '');
    setDeleteMissing(s.fullSync?.deleteMissing ?? false);
  }, [existing.data]);

  const problems = error instanceof ApiError ? error.details : [];
  const fieldError = (field: string) => problems.find((p) => p.field === field || p.field.startsWith(`${field}.`))?.message;
  const setMapping = (i: number, change: Partial<MappingDraft>) => setMappings(mappings.map((m, j) => (j === i ? { ...m, ...change } : m)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const body = [];
    for (const [i, m] of mappings.entries()) {
      const parsed = parseFields(m.fields);
      if (parsed.error) return setError(new ApiError(400, `mappings[${i}].fields: ${parsed.error}`, [{ field: `mappings[${i}].fields`, message: parsed.error }]));
      body.push({ entityType: m.entityType, connectionId: m.connectionId, table: m.table, keyColumn: m.keyColumn, ...(m.versionColumn && { versionColumn: m.versionColumn }), ...(parsed.fields && { fields: parsed.fields as Record<string, never> }) });
    }
    const h = parseHeaders(headers);
    if (h.error) return setError(new ApiError(400, `fullSync.headers: ${h.error}`, [{ field: 'fullSync.headers', message: h.error }]));
    const fullSync = url ? { url, deleteMissing, ...(schedule && { schedule }), ...(h.headers && { headers: h.headers as Record<string, never> }) } : undefined;
    setSaving(true);
    try {
      if (id) {
        await unwrap(api.PATCH('/api/event-sources/{id}', { params: { path: { id } }, body: { ...(secret && { secret }), mappings: body, fullSync: fullSync ?? null, createTables } }));
      } else {
        await unwrap(api.POST('/api/event-sources', { body: { name, secret, mappings: body, ...(fullSync && { fullSync }), createTables } }));
      }
      void navigate('/event-sources');
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <section>
      <h1>{id ? `Edit event source ${existing.data?.name ?? ''}` : 'New event source'}</h1>
      <ErrorBanner error={error ?? existing.error} onDismiss={() => setError(undefined)} />
      <form onSubmit={(e) => void submit(e)} aria-label="Event source">
        <Field label="Name" required error={fieldError('name')} hint="The ingress path is POST /api/events/<name>">
          <input name="name" value={name} disabled={Boolean(id)} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label={id ? 'New signing secret' : 'Signing secret'} required={!id} error={fieldError('secret')} hint={id ? 'Write-only. Blank keeps it; a new one keeps the current one accepted as the previous one.' : 'Write-only: sealed, never shown again (16+ characters).'}>
          <input name="secret" type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} />
        </Field>
        <fieldset>
          <legend>Mappings</legend>
          {mappings.map((m, i) => (
            <div key={i} className="card" aria-label={`Mapping ${i + 1}`}>
              <Field label="Entity type" required error={fieldError(`mappings[${i}].entityType`)}>
                <input name={`mappings[${i}].entityType`} value={m.entityType} onChange={(e) => setMapping(i, { entityType: e.target.value })} />
              </Field>
              <Field label="Connection" required error={fieldError(`mappings[${i}].connectionId`)}>
                <select name={`mappings[${i}].connectionId`} value={m.connectionId} onChange={(e) => setMapping(i, { connectionId: e.target.value })}>
                  <option value="">Choose…</option>
                  {connections.data?.items.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="Table" required error={fieldError(`mappings[${i}].table`)}>
                <input name={`mappings[${i}].table`} value={m.table} placeholder="public.models" onChange={(e) => setMapping(i, { table: e.target.value })} />
              </Field>
              <Field label="Key column" required error={fieldError(`mappings[${i}].keyColumn`)}>
                <input name={`mappings[${i}].keyColumn`} value={m.keyColumn} onChange={(e) => setMapping(i, { keyColumn: e.target.value })} />
              </Field>
              <Field label="Version column" error={fieldError(`mappings[${i}].versionColumn`)}>
                <input name={`mappings[${i}].versionColumn`} value={m.versionColumn} onChange={(e) => setMapping(i, { versionColumn: e.target.value })} />
              </Field>
              <Field label="Fields" error={fieldError(`mappings[${i}].fields`)} hint="One column=payload.path per line; blank maps every column from payload.<column>">
                <textarea name={`mappings[${i}].fields`} rows={3} value={m.fields} onChange={(e) => setMapping(i, { fields: e.target.value })} />
              </Field>
              {mappings.length > 1 ? (
                <button type="button" onClick={() => setMappings(mappings.filter((_, j) => j !== i))}>
                  Remove mapping
                </button>
              ) : null}
            </div>
          ))}
          <button type="button" onClick={() => setMappings([...mappings, emptyMapping()])}>
            Add mapping
          </button>
        </fieldset>
        <fieldset>
          <legend>Full sync</legend>
          <Field label="Snapshot URL" error={fieldError('fullSync.url')} hint="Answers an array or {items, next}; next is the following page's URL">
            <input name="fullSync.url" value={url} placeholder="https://upstream.example.com/snapshot" onChange={(e) => setUrl(e.target.value)} />
          </Field>
          <Field label="Schedule (cron)" error={fieldError('fullSync.schedule')}>
            <input name="fullSync.schedule" value={schedule} placeholder="0 3 * * *" onChange={(e) => setSchedule(e.target.value)} />
          </Field>
          <Field label="Request headers" error={fieldError('fullSync.headers')} hint={existing.data?.fullSync?.hasHeaders ? 'Write-only: stored headers are kept unless you enter new ones.' : 'Write-only, one Name: value per line (e.g. Authorization: Bearer …)'}>
            <textarea name="fullSync.headers" rows={2} value={headers} onChange={(e) => setHeaders(e.target.value)} />
          </Field>
          <label>
            <input type="checkbox" name="fullSync.deleteMissing" checked={deleteMissing} onChange={(e) => setDeleteMissing(e.target.checked)} /> scheduled runs delete rows the snapshot no longer has
          </label>
        </fieldset>
        <label>
          <input type="checkbox" checked={createTables} onChange={(e) => setCreateTables(e.target.checked)} /> create missing tables
        </label>
        <div className="toolbar">
          <button type="submit" className="primary" disabled={saving}>
            {id ? 'Save' : 'Create source'}
          </button>
          <button type="button" onClick={() => void navigate('/event-sources')}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
