import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ApiError, fieldErrors } from '../../api/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useApi } from '../../components/useApi';
import { parseTableRef } from '../jobs/job-form';
import { describeTable, loadConnections } from '../jobs/jobs-api';
import { TablePicker } from '../jobs/TablePicker';
import type { DiffBody } from './arbitration';
import { checkDiffForm, type DiffEntry as Entry, type FormErrors as Errors } from './diff-form';
import '../jobs/jobs.css';
import './arbitration.css';

let nextUid = 1;

function Checkboxes({ legend, names, chosen, onChange, error }: { legend: string; names: string[]; chosen: string[]; onChange: (next: string[]) => void; error?: string }) {
  return (
    <fieldset className="arb-checks">
      <legend>{legend}</legend>
      {names.map((n) => (
        <label key={n}>
          <input type="checkbox" checked={chosen.includes(n)} onChange={(e) => onChange(e.target.checked ? [...chosen, n] : chosen.filter((c) => c !== n))} /> <span className="mono">{n}</span>
        </label>
      ))}
      {error ? <div className="field-error" role="alert">{error}</div> : null}
    </fieldset>
  );
}

/** One table of the diff: its name on the others where it differs, the key and the compared columns (read from the reference), a filter. */
function EntryEditor({ entry, index, referenceId, others, names, errorOf, onChange, onRemove }: {
  entry: Entry;
  index: number;
  referenceId: string;
  others: string[];
  names: Map<string, string>;
  errorOf: (field: string) => string | undefined;
  onChange: (e: Entry) => void;
  onRemove: () => void;
}) {
  const ref = parseTableRef(entry.reference);
  const single = ref && !ref.pattern;
  const detail = useApi((signal) => (single && referenceId ? describeTable(referenceId, ref.schema, ref.name, signal) : Promise.resolve(null)), [referenceId, entry.reference]);
  const columns = detail.data?.columns.map((c) => c.name) ?? [];
  const f = (field: string) => errorOf(`tables[${index}].${field}`);
  return (
    <div className="arb-entry" data-testid={`diff-table-${index}`}>
      <div className="toolbar">
        <strong className="mono">{entry.reference}</strong>
        {ref?.pattern ? <span className="badge badge-pending">pattern</span> : null}
        <span className="spacer" />
        <button type="button" className="link-button" onClick={onRemove} aria-label={`Remove ${entry.reference}`}>
          Remove
        </button>
      </div>
      {f('reference') ? <div className="field-error" role="alert">{f('reference')}</div> : null}
      {others.map((id) => (
        <Field key={id} label={`Table on ${names.get(id) ?? id}`} hint="Empty: the same name in that connection's default schema." error={f(`others.${id}`) ?? (others.length === 1 ? f('others') : undefined)}>
          <input value={entry.others[id] ?? ''} onChange={(e) => onChange({ ...entry, others: { ...entry.others, [id]: e.target.value } })} placeholder={ref ? (ref.pattern ? 'schema.*' : `schema.${ref.name}`) : ''} />
        </Field>
      ))}
      {single ? (
        <>
          <ErrorBanner error={detail.error} />
          {columns.length ? (
            <>
              <Checkboxes legend={`Key columns (none ticked: the primary key${detail.data?.primaryKey.length ? `, ${detail.data.primaryKey.join(', ')}` : ''})`} names={columns} chosen={entry.keyColumns} onChange={(keyColumns) => onChange({ ...entry, keyColumns })} error={f('keyColumns')} />
              <Checkboxes legend="Columns compared (none ticked: every column the others have too)" names={columns} chosen={entry.columns} onChange={(cols) => onChange({ ...entry, columns: cols })} error={f('columns')} />
            </>
          ) : detail.loading ? (
            <p className="loading">Reading the table's columns…</p>
          ) : null}
        </>
      ) : null}
      <Field label="Filter" hint="One boolean expression over the table's columns, applied on every side, e.g. status = 'paid'." error={f('where')}>
        <input value={entry.where} onChange={(e) => onChange({ ...entry, where: e.target.value })} />
      </Field>
    </div>
  );
}

/** A new diff: the reference, the others, the tables (picked as the jobs form does), their keys, columns and filter, and the bisection. */
export default function DiffFormPage() {
  const navigate = useNavigate();
  const connections = useApi((signal) => loadConnections(signal), []);
  const [referenceId, setReferenceId] = useState('');
  const [otherIds, setOtherIds] = useState<string[]>([]);
  const [entries, setEntries] = useState<Entry[]>([]);
  const [factor, setFactor] = useState('');
  const [threshold, setThreshold] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [apiError, setApiError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const apiFields = fieldErrors(apiError);
  const errorOf = (field: string) => errors[field] ?? apiFields[field] ?? (apiError instanceof ApiError ? apiError.details.find((d) => d.field.startsWith(`${field}[`))?.message : undefined);
  const names = new Map((connections.data ?? []).map((c) => [c.id, c.name]));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = checkDiffForm(referenceId, otherIds, entries, factor, threshold);
    setErrors(found);
    setApiError(undefined);
    if (Object.keys(found).length) return;
    const body: DiffBody = {
      referenceId,
      otherIds,
      tables: entries.map((e) => {
        const others = Object.fromEntries(Object.entries(e.others).filter(([id, t]) => otherIds.includes(id) && t.trim()).map(([id, t]) => [id, t.trim()]));
        return {
          reference: e.reference,
          ...(Object.keys(others).length ? { others } : {}),
          ...(e.keyColumns.length ? { keyColumns: e.keyColumns } : {}),
          ...(e.columns.length ? { columns: e.columns } : {}),
          ...(e.where.trim() ? { where: e.where.trim() } : {}),
        };
      }),
      ...(factor || threshold ? { options: { ...(factor ? { bisectionFactor: Number(factor) } : {}), ...(threshold ? { bisectionThreshold: Number(threshold) } : {}) } } : {}),
    };
    setBusy(true);
    try {
      const { diffId } = await unwrap(api.POST('/api/diffs', { body }));
      navigate(`/diffs/${diffId}`);
    } catch (error) {
      setApiError(error);
      setBusy(false);
    }
  };

  return (
    <section className="arb-page">
      <div className="toolbar">
        <h1>New diff</h1>
        <span className="spacer" />
        <Link to="/diffs">All diffs</Link>
      </div>
      <form onSubmit={submit} noValidate aria-label="New diff">
        <ErrorBanner error={apiError} />
        <ErrorBanner error={connections.error} />
        <Field label="Reference connection" hint="Missing rows are rows it has and another lacks." error={errorOf('referenceId')} required>
          <select
            value={referenceId}
            onChange={(e) => {
              setReferenceId(e.target.value);
              setOtherIds(otherIds.filter((id) => id !== e.target.value));
            }}
          >
            <option value="">Pick a connection</option>
            {connections.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.dialect})
              </option>
            ))}
          </select>
        </Field>
        <fieldset className="arb-checks">
          <legend>Compared with *</legend>
          {connections.data
            ?.filter((c) => c.id !== referenceId)
            .map((c) => (
              <label key={c.id}>
                <input type="checkbox" checked={otherIds.includes(c.id)} onChange={(e) => setOtherIds(e.target.checked ? [...otherIds, c.id] : otherIds.filter((id) => id !== c.id))} /> {c.name} ({c.dialect})
              </label>
            ))}
          {errorOf('otherIds') ? <div className="field-error" role="alert">{errorOf('otherIds')}</div> : null}
        </fieldset>

        <h2>Tables</h2>
        {errorOf('tables') && !Object.keys({ ...errors, ...apiFields }).some((k) => k.startsWith('tables[')) ? <div className="field-error" role="alert">{errorOf('tables')}</div> : null}
        <TablePicker sourceId={referenceId} chosen={entries.map((e) => e.reference)} onAdd={(reference) => setEntries([...entries, { uid: nextUid++, reference, others: {}, keyColumns: [], columns: [], where: '' }])} />
        {entries.map((entry, i) => (
          <EntryEditor
            key={entry.uid}
            entry={entry}
            index={i}
            referenceId={referenceId}
            others={otherIds}
            names={names}
            errorOf={errorOf}
            onChange={(next) => setEntries(entries.map((e) => (e.uid === entry.uid ? next : e)))}
            onRemove={() => setEntries(entries.filter((e) => e.uid !== entry.uid))}
          />
        ))}

        <h2>Bisection</h2>
        <div className="arb-row">
          <Field label="Bisection factor" hint="Sub-segments an unequal segment is split into (default 32)." error={errorOf('options.bisectionFactor')}>
            <input inputMode="numeric" value={factor} onChange={(e) => setFactor(e.target.value)} placeholder="32" />
          </Field>
          <Field label="Bisection threshold" hint="Rows at or under which a segment is compared row by row (default 16,384)." error={errorOf('options.bisectionThreshold')}>
            <input inputMode="numeric" value={threshold} onChange={(e) => setThreshold(e.target.value)} placeholder="16384" />
          </Field>
        </div>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Starting…' : 'Start diff'}
          </button>
        </div>
      </form>
    </section>
  );
}
