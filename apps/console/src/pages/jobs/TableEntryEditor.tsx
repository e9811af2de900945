import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useApi } from '../../components/useApi';
import { type FormErrors, parseTableRef, type SyncMode, type TableEntry } from './job-form';
import { describeTable } from './jobs-api';
import { TransformsEditor } from './TransformsEditor';

const KNOWN = ['source', 'target', 'where', 'keyColumns', 'incrementalColumn', 'columns'];

/**
 * One entry of the job's tables: its target name and, for a single table, the key and
 * incremental columns and the column subset picked from the table's real columns (read from
 * the source), and a filter. A pattern takes only a target schema.
 */
export function TableEntryEditor({ entry, index, sourceId, mode, errors, editable, onChange, onRemove }: {
  entry: TableEntry;
  index: number;
  sourceId: string;
  mode: SyncMode;
  errors: FormErrors;
  /** False for a viewer: no Remove button (the fields around are disabled). */
  editable: boolean;
  onChange: (entry: TableEntry) => void;
  onRemove: () => void;
}) {
  const ref = parseTableRef(entry.source);
  const single = ref && !ref.pattern;
  const detail = useApi((signal) => (single && sourceId ? describeTable(sourceId, ref.schema, ref.name, signal) : Promise.resolve(null)), [sourceId, entry.source]);
  const columns = detail.data?.columns ?? [];
  const err = (field: string) => errors[`tables[${index}].${field}`];
  const prefix = `tables[${index}]`;
  const others = Object.entries(errors).filter(
    ([k]) => (k === prefix || k.startsWith(`${prefix}.`)) && !KNOWN.some((f) => k === `${prefix}.${f}`) && !k.startsWith(`${prefix}.transforms[`),
  );
  const set = (patch: Partial<TableEntry>) => onChange({ ...entry, ...patch });
  const toggle = (list: string[], column: string, on: boolean) => (on ? [...list.filter((c) => c !== column), column] : list.filter((c) => c !== column));
  const id = (what: string) => `table-${entry.uid}-${what}`;

  return (
    <div className="jobs-entry" data-testid={`table-entry-${index}`}>
      <div className="jobs-entry-head">
        <span className="source">{entry.source}</span>
        {ref?.pattern ? <span className="badge badge-pending">pattern</span> : null}
        {detail.data ? <span className="muted">{detail.data.rowEstimate !== null ? `~${detail.data.rowEstimate.toLocaleString()} rows` : ''}</span> : null}
        {editable ? (
          <button type="button" className="link-button" onClick={onRemove} aria-label={`Remove ${entry.source}`}>
            Remove
          </button>
        ) : null}
      </div>
      {err('source') ? <div className="field-error">{err('source')}</div> : null}
      {others.map(([k, message]) => (
        <div className="field-error" key={k}>
          <code>{k}</code>: {message}
        </div>
      ))}
      <div className="jobs-row">
        <Field label="Target table" hint={ref?.pattern ? 'schema.* — default: the target’s default schema' : 'schema.table — default: the same name in the target’s default schema'} error={err('target')}>
          <input id={id('target')} value={entry.target} onChange={(e) => set({ target: e.target.value })} placeholder={ref?.pattern ? `${ref.schema}.*` : ref ? `schema.${ref.name}` : ''} />
        </Field>
        {single ? (
          <Field label="Incremental column" hint={mode === 'incremental' ? 'Rows whose value grew since the last run are copied.' : 'Used in incremental mode.'} error={err('incrementalColumn')} required={mode === 'incremental'}>
            <select id={id('incremental')} value={entry.incrementalColumn} onChange={(e) => set({ incrementalColumn: e.target.value })}>
              <option value="">{mode === 'incremental' ? 'Pick a column' : 'none'}</option>
              {columns.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name} ({c.nativeType})
                </option>
              ))}
              {entry.incrementalColumn && !columns.some((c) => c.name === entry.incrementalColumn) ? <option value={entry.incrementalColumn}>{entry.incrementalColumn}</option> : null}
            </select>
          </Field>
        ) : null}
      </div>
      {single ? (
        <>
          <ErrorBanner error={detail.error} />
          {detail.loading && !detail.data ? <p className="loading">Reading the table's columns…</p> : null}
          {columns.length ? (
            <>
              <fieldset className="jobs-columns" aria-describedby={err('keyColumns') ? id('keys-error') : undefined}>
                <legend>
                  Key columns <span className="muted">(none ticked: the primary key{detail.data?.primaryKey.length ? `, ${detail.data.primaryKey.join(', ')}` : ', which this table lacks'})</span>
                </legend>
                {columns.map((c) => (
                  <label key={c.name}>
                    <input type="checkbox" checked={entry.keyColumns.includes(c.name)} onChange={(e) => set({ keyColumns: toggle(entry.keyColumns, c.name, e.target.checked) })} />
                    {c.name}
                  </label>
                ))}
              </fieldset>
              {err('keyColumns') ? (
                <div className="field-error" id={id('keys-error')}>
                  {err('keyColumns')}
                </div>
              ) : null}
              <fieldset className="jobs-columns" aria-describedby={err('columns') ? id('columns-error') : undefined}>
                <legend>
                  Copied columns <span className="muted">(none ticked: all {columns.length})</span>
                </legend>
                {columns.map((c) => (
                  <label key={c.name} title={`${c.nativeType} (neutral ${c.type})`}>
                    <input type="checkbox" checked={entry.columns.includes(c.name)} onChange={(e) => set({ columns: toggle(entry.columns, c.name, e.target.checked) })} />
                    {c.name} <span className="muted">{c.nativeType}</span>
                  </label>
                ))}
              </fieldset>
              {err('columns') ? (
                <div className="field-error" id={id('columns-error')}>
                  {err('columns')}
                </div>
              ) : null}
            </>
          ) : null}
          <TransformsEditor rows={entry.transforms} columns={columns} at={prefix} errors={errors} editable={editable} onChange={(transforms) => set({ transforms })} />
          <Field label="Filter (where)" hint="One condition over the table's columns, e.g. status = 'paid' AND amount >= 10. Checked against the source when saved." error={err('where')}>
            <textarea id={id('where')} value={entry.where} onChange={(e) => set({ where: e.target.value })} rows={2} maxLength={4000} />
          </Field>
        </>
      ) : null}
    </div>
  );
}
