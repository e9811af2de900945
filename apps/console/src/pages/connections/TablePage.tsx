import { Link, useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useApi } from '../../components/useApi';
import { formatCount } from './format';
import './connections.css';

/** One table of a connection: columns with native and neutral types, nullability, defaults; primary key, indexes, row estimate. */
export default function TablePage() {
  const { id = '', schema = '', table = '' } = useParams();
  const connection = useApi((signal) => unwrap(api.GET('/api/connections/{id}', { params: { path: { id } }, signal })), [id]);
  const detail = useApi((signal) => unwrap(api.GET('/api/connections/{id}/tables/{schema}/{table}', { params: { path: { id, schema, table } }, signal })), [id, schema, table]);
  const t = detail.data;
  const inKey = new Set(t?.primaryKey ?? []);

  return (
    <section>
      <p className="muted">
        <Link to="/connections">Connections</Link> / <Link to={`/connections/${id}?schema=${encodeURIComponent(schema)}`}>{connection.data?.name ?? 'connection'}</Link> /{' '}
        {schema} /
      </p>
      <h1>
        {schema}.{table}
      </h1>
      <ErrorBanner error={detail.error ?? connection.error} />
      {detail.loading && !t ? <p className="loading">Loading…</p> : null}
      {t ? (
        <>
          <dl className="facts card">
            <dt>Rows (estimate)</dt>
            <dd>{t.rowEstimate === null ? <span className="muted">unknown (the database keeps no estimate yet)</span> : formatCount(t.rowEstimate)}</dd>
            <dt>Primary key</dt>
            <dd>{t.primaryKey.length ? <code>{t.primaryKey.join(', ')}</code> : <span className="muted">none: a copy needs key columns named in the job</span>}</dd>
            <dt>Columns</dt>
            <dd>{t.columns.length}</dd>
          </dl>
          <h2>Columns</h2>
          <div className="table-scroll">
            <table>
              <caption className="visually-hidden">Columns of {schema}.{table}</caption>
              <thead>
                <tr>
                  <th scope="col">Column</th>
                  <th scope="col">Native type</th>
                  <th scope="col">Neutral type</th>
                  <th scope="col">Nullable</th>
                  <th scope="col">Default</th>
                  <th scope="col">Key</th>
                </tr>
              </thead>
              <tbody>
                {t.columns.map((col) => (
                  <tr key={col.name}>
                    <td>
                      <code>{col.name}</code>
                    </td>
                    <td>
                      <code>{col.nativeType}</code>
                    </td>
                    <td>
                      <code>{col.type}</code>
                    </td>
                    <td>{col.nullable ? 'yes' : 'no'}</td>
                    <td>{col.identity ? <span className="muted">generated</span> : col.default ? <code>{col.default}</code> : null}</td>
                    <td>{inKey.has(col.name) ? <span className="key-mark">PK {t.primaryKey.indexOf(col.name) + 1}</span> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>Indexes</h2>
          {t.indexes.length ? (
            <div className="table-scroll">
              <table>
                <caption className="visually-hidden">Indexes of {schema}.{table}</caption>
                <thead>
                  <tr>
                    <th scope="col">Index</th>
                    <th scope="col">Columns</th>
                    <th scope="col">Unique</th>
                  </tr>
                </thead>
                <tbody>
                  {t.indexes.map((ix) => (
                    <tr key={ix.name}>
                      <td>
                        <code>{ix.name}</code>
                      </td>
                      <td>
                        <code>{ix.columns.join(', ')}</code>
                      </td>
                      <td>{ix.unique ? 'yes' : 'no'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">No index besides the primary key.</p>
          )}
        </>
      ) : null}
    </section>
  );
}
