import type { JobPreview } from './jobs-api';

const qualified = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

/**
 * What a run of the job would do on the target, as POST /api/jobs/preview planned it: per table
 * (patterns expanded) the DDL, the key, and each column's source, neutral and target type, with
 * the columns whose target type cannot hold every value called out first.
 */
export function DdlPreview({ preview }: { preview: JobPreview }) {
  if (!preview.tables.length) return <p className="muted">No table to copy: the patterns match nothing on the source yet.</p>;
  return (
    <div className="jobs-preview" data-testid="ddl-preview">
      {preview.tables.map((t) => (
        <section key={`${qualified(t.source)}-${t.specIndex}`} className="card" aria-label={`Plan for ${qualified(t.source)}`}>
          <h3>
            {qualified(t.source)} <span className="jobs-arrow">→</span> {qualified(t.target)}
          </h3>
          <p className="muted">
            {t.targetExists ? 'The target table exists.' : 'The target table will be created.'} Key: {t.keyColumns.length ? t.keyColumns.join(', ') : 'none'}
            {t.resumable ? '' : ' (copied whole; cannot resume part-way)'}
            {t.rowEstimate !== null ? ` · ~${t.rowEstimate.toLocaleString()} rows` : ''}
            {t.where ? ` · filter ${t.where}` : ''}
          </p>
          {t.losses.length ? (
            <div className="jobs-loss" role="note">
              <strong>Values that may not survive the copy:</strong>
              <ul>
                {t.losses.map((l) => (
                  <li key={`${l.column}-${l.kind}`}>
                    <code>{l.column}</code>: {l.description} <span className="muted">({l.kind})</span>
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {t.ddl.length ? <pre aria-label="DDL">{t.ddl.join(';\n\n')};</pre> : <p className="muted">No DDL: the target table already has every column.</p>}
          <div className="table-scroll">
            <table>
              <caption className="visually-hidden">Type mapping of {qualified(t.source)}</caption>
              <thead>
                <tr>
                  <th scope="col">Column</th>
                  <th scope="col">Source type</th>
                  <th scope="col">Neutral type</th>
                  <th scope="col">Target type</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {t.mapping.map((m) => (
                  <tr key={m.column} className={m.lossy ? 'jobs-lossy' : undefined}>
                    <td>
                      {m.column}
                      {m.transform ? <div className="muted">{m.transform}</div> : null}
                    </td>
                    <td className="mono">{m.sourceType}</td>
                    <td className="mono">{m.neutralType}</td>
                    <td className="mono">
                      {m.targetType}
                      {m.lossy ? <span title={m.lossy.description}> ⚠</span> : null}
                    </td>
                    <td>
                      {m.typeSource}
                      {m.note ? <div className="muted">{m.note}</div> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </div>
  );
}
