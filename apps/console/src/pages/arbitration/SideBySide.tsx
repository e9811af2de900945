import { nameOf, valueText } from './arbitration';

/** Each side's row for one key, column by column, the differing columns marked. */
export function SideBySide({ values, order, differing, names }: { values: Record<string, unknown>; order: string[]; differing: string[]; names?: Map<string, string> }) {
  const rows = order.map((id) => [id, values[id] as Record<string, unknown> | null | undefined] as const);
  const columns = [...new Set(rows.flatMap(([, row]) => (row ? Object.keys(row) : [])))];
  return (
    <table className="arb-sides">
      <thead>
        <tr>
          <th scope="col">Column</th>
          {rows.map(([id]) => (
            <th scope="col" key={id}>
              {nameOf(names, id)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {columns.map((c) => (
          <tr key={c} className={differing.includes(c) ? 'arb-differs' : undefined} data-column={c}>
            <th scope="row" className="mono">
              {c}
              {differing.includes(c) ? <span className="visually-hidden"> (differs)</span> : null}
            </th>
            {rows.map(([id, row]) => (
              <td key={id} className="mono">
                {row ? valueText(row[c]) : <span className="muted">no row</span>}
              </td>
            ))}
          </tr>
        ))}
        {columns.length === 0 ? (
          <tr>
            <td colSpan={rows.length + 1} className="muted">
              No side could be read.
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}
