import { newTransformRow, TRANSFORM_ACTIONS, type TransformAction, type TransformRow } from './transforms-form';

/**
 * The column transforms of one table: a row per column (the column, a new name, what is done
 * to it and its argument), added and removed here; errors come keyed like the API's fields.
 */
export function TransformsEditor({ rows, columns, at, errors, editable, onChange }: {
  rows: TransformRow[];
  /** The table's columns as the source describes them (empty while unknown: the name is typed). */
  columns: { name: string; nativeType: string }[];
  /** The table's field prefix (`tables[0]`). */
  at: string;
  errors: Record<string, string>;
  editable: boolean;
  onChange: (rows: TransformRow[]) => void;
}) {
  const update = (j: number, patch: Partial<TransformRow>) => onChange(rows.map((r, i) => (i === j ? { ...r, ...patch } : r)));
  const problems = (j: number) => Object.entries(errors).filter(([k]) => k.startsWith(`${at}.transforms[${j}]`));
  const listId = `${at}-transform-columns`;
  return (
    <fieldset className="jobs-transforms" data-testid={`${at}-transforms`}>
      <legend>
        Column transforms <span className="muted">(rename, exclude, set a constant, mask personal data; key columns can only be renamed)</span>
      </legend>
      <datalist id={listId}>
        {columns.map((c) => (
          <option key={c.name} value={c.name}>
            {c.nativeType}
          </option>
        ))}
      </datalist>
      {rows.map((row, j) => (
        <div key={row.uid} className="jobs-transform-row">
          <input aria-label={`Transform ${j + 1} column`} list={listId} value={row.column} placeholder="column" onChange={(e) => update(j, { column: e.target.value })} />
          <input aria-label={`Transform ${j + 1} new name`} value={row.rename} placeholder="new name (optional)" disabled={row.action === 'exclude'} onChange={(e) => update(j, { rename: e.target.value })} />
          <select aria-label={`Transform ${j + 1} action`} value={row.action} onChange={(e) => update(j, { action: e.target.value as TransformAction, arg: '' })}>
            {TRANSFORM_ACTIONS.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </select>
          {row.action === 'keepLast' || row.action === 'set' || row.action === 'expr' ? (
            <input
              aria-label={`Transform ${j + 1} ${row.action === 'set' ? 'value' : row.action === 'expr' ? 'expression' : 'characters kept'}`}
              value={row.arg}
              placeholder={row.action === 'set' ? 'value (7, true, null or text)' : row.action === 'expr' ? "first_name || ' ' || last_name" : 'N'}
              onChange={(e) => update(j, { arg: e.target.value })}
            />
          ) : (
            <span />
          )}
          {editable ? (
            <button type="button" className="link-button" onClick={() => onChange(rows.filter((_, i) => i !== j))} aria-label={`Remove transform ${j + 1}`}>
              Remove
            </button>
          ) : null}
          {problems(j).map(([k, message]) => (
            <div className="field-error" key={k}>
              <code>{k}</code>: {message}
            </div>
          ))}
        </div>
      ))}
      {editable ? (
        <button type="button" onClick={() => onChange([...rows, newTransformRow()])}>
          Add a transform
        </button>
      ) : null}
    </fieldset>
  );
}
