import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import type { Schema } from '@dbferry/api-client';
import { api, unwrap } from '../../api/client';
import { ConfirmButton } from '../../components/ConfirmButton';
import { type Column, DataTable } from '../../components/DataTable';
import { ErrorBanner } from '../../components/ErrorBanner';
import { CanEdit } from '../../components/role';
import { StatusBadge } from '../../components/StatusBadge';
import { useApi } from '../../components/useApi';
import { type ConnectionView, dialectInfo } from './connection-form';
import { formatCount, whereText } from './format';
import './connections.css';

type TestResult = Schema<'ConnectionTestView'>;
type TableSummary = Schema<'TableSummaryView'>;

/** One connection: what it points at, test, edit, delete, and its table browser (schemas → tables). */
export default function ConnectionPage() {
  const { id = '' } = useParams();
  const connection = useApi((signal) => unwrap(api.GET('/api/connections/{id}', { params: { path: { id } }, signal })), [id]);
  const c = connection.data;
  if (!c) {
    return (
      <section>
        <h1>Connection</h1>
        <ErrorBanner error={connection.error} />
        {connection.loading ? <p className="loading">Loading…</p> : null}
      </section>
    );
  }
  return (
    <section>
      <p className="muted">
        <Link to="/connections">Connections</Link> /
      </p>
      <h1>{c.name}</h1>
      <Summary connection={c} />
      <TableBrowser connection={c} />
    </section>
  );
}

function Summary({ connection: c }: { connection: ConnectionView }) {
  const navigate = useNavigate();
  const location = useLocation();
  const networked = dialectInfo(c.dialect).networked;
  const justSaved = (location.state as { saved?: boolean } | null)?.saved;
  const [test, setTest] = useState<{ busy: boolean; result?: TestResult; error?: unknown }>({ busy: false });

  const runTest = async () => {
    setTest({ busy: true });
    try {
      setTest({ busy: false, result: await unwrap(api.POST('/api/connections/{id}/test', { params: { path: { id: c.id } } })) });
    } catch (error) {
      setTest({ busy: false, error });
    }
  };

  const remove = async () => {
    await unwrap(api.DELETE('/api/connections/{id}', { params: { path: { id: c.id } } }));
    navigate('/connections', { replace: true });
  };

  return (
    <div className="card">
      {justSaved ? (
        <p className="notice" role="status">
          Saved. Test it to see that the database answers.
        </p>
      ) : null}
      <dl className="facts">
        <dt>Dialect</dt>
        <dd>{dialectInfo(c.dialect).label}</dd>
        <dt>{networked ? 'Host / database' : 'File'}</dt>
        <dd>
          <code>{whereText(c)}</code>
        </dd>
        {networked ? (
          <>
            <dt>Username</dt>
            <dd>{c.username ?? <span className="muted">none</span>}</dd>
            <dt>Password</dt>
            <dd>{c.hasPassword ? 'stored (never shown)' : <span className="muted">none</span>}</dd>
          </>
        ) : null}
        {Object.keys(c.options ?? {}).length ? (
          <>
            <dt>Options</dt>
            <dd>
              {Object.entries(c.options).map(([k, v]) => (
                <code key={k}>
                  {k}={String(v)}{' '}
                </code>
              ))}
            </dd>
          </>
        ) : null}
        <dt>Read-only</dt>
        <dd>{c.readOnly ? 'yes: never a write target' : 'no'}</dd>
        <dt>Max parallel chunks</dt>
        <dd>{c.maxParallelChunks ?? <span className="muted">server default</span>}</dd>
      </dl>
      <div className="form-actions">
        <CanEdit role="operator">
          <button type="button" className="primary" onClick={runTest} disabled={test.busy}>
            {test.busy ? 'Testing…' : 'Test connection'}
          </button>
        </CanEdit>
        <CanEdit role="admin">
          <Link className="button" to={`/connections/${c.id}/edit`}>
            Edit
          </Link>
          <ConfirmButton
            title={`Delete connection ${c.name}?`}
            message="Jobs that read from or write to it must be changed or deleted first; the API names them if there are any."
            onConfirm={remove}
          >
            Delete
          </ConfirmButton>
        </CanEdit>
      </div>
      <div className="test-result" aria-live="polite">
        <ErrorBanner error={test.error} />
        {test.result ? <TestOutcome result={test.result} /> : null}
      </div>
    </div>
  );
}

function TestOutcome({ result }: { result: TestResult }) {
  if (result.ok) {
    return (
      <p data-testid="test-result">
        <StatusBadge status="ok" /> answered in {result.latencyMs} ms{result.serverVersion ? <>, server version {result.serverVersion}</> : null}
      </p>
    );
  }
  return (
    <p data-testid="test-result">
      <StatusBadge status="failed" /> after {result.latencyMs} ms: {result.error ?? 'no answer'}
    </p>
  );
}

/** Which tables a table list without ?schema= holds, as the dialect lists them. */
function defaultScope(c: ConnectionView): string {
  const scope = dialectInfo(c.dialect).defaultTables;
  return scope === 'the database' ? c.database : scope;
}

/**
 * Schemas on the left, the chosen schema's tables on the right: paged and searched on the server
 * (a database may have thousands). The schema, the search and the page live in the URL.
 */
function TableBrowser({ connection: c }: { connection: ConnectionView }) {
  const [params, setParams] = useSearchParams();
  const schema = params.get('schema') ?? undefined;
  const search = params.get('q') ?? '';
  const [typed, setTyped] = useState(search);
  const schemas = useApi((signal) => unwrap(api.GET('/api/connections/{id}/schemas', { params: { path: { id: c.id } }, signal })), [c.id]);

  // The search goes to the server a moment after the typing stops, not on every key.
  useEffect(() => {
    if (typed === search) return;
    const timer = setTimeout(() => setParam('q', typed.trim() || undefined), 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only the typed text starts a search
  }, [typed]);

  function setParam(key: string, value: string | undefined) {
    setParams((current) => {
      const copy = new URLSearchParams(current);
      if (value === undefined) copy.delete(key);
      else copy.set(key, value);
      copy.delete('offset');
      return copy;
    });
  }

  const schemaLink = (name: string | undefined) => {
    const copy = new URLSearchParams(params);
    if (name === undefined) copy.delete('schema');
    else copy.set('schema', name);
    copy.delete('offset');
    return `?${copy.toString()}`;
  };

  const columns: Column<TableSummary>[] = [
    {
      key: 'name',
      header: 'Table',
      render: (t) => (
        <Link to={`/connections/${c.id}/tables/${encodeURIComponent(t.schema)}/${encodeURIComponent(t.name)}`}>
          {schema ? t.name : `${t.schema}.${t.name}`}
        </Link>
      ),
    },
    { key: 'pk', header: 'Primary key', render: (t) => (t.primaryKey.length ? <code>{t.primaryKey.join(', ')}</code> : <span className="muted">none</span>) },
    { key: 'rows', header: 'Rows (est.)', className: 'num', render: (t) => formatCount(t.rowEstimate) },
  ];

  return (
    <>
      <h2>Tables</h2>
      <div className="browser">
        <nav aria-label="Schemas">
          <ErrorBanner error={schemas.error} />
          <ul className="schema-list">
            <li>
              <Link to={schemaLink(undefined)} aria-current={schema === undefined ? 'true' : undefined}>
                default <span className="muted">({defaultScope(c)})</span>
              </Link>
            </li>
            {(schemas.data?.items ?? []).map((s) => (
              <li key={s.name}>
                <Link to={schemaLink(s.name)} aria-current={schema === s.name ? 'true' : undefined}>
                  {s.name}
                </Link>
              </li>
            ))}
          </ul>
          {schemas.loading && !schemas.data ? <p className="loading">Loading schemas…</p> : null}
        </nav>
        <div>
          <div className="toolbar">
            <label htmlFor="table-search">Search tables</label>
            <input id="table-search" type="search" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="part of a name" maxLength={128} />
          </div>
          <DataTable<TableSummary>
            caption={schema ? `Tables in ${schema}` : 'Tables'}
            columns={columns}
            rowKey={(t) => `${t.schema}.${t.name}`}
            deps={[c.id, schema, search]}
            load={(page, signal) =>
              unwrap(
                api.GET('/api/connections/{id}/tables', {
                  params: { path: { id: c.id }, query: { ...page, ...(schema ? { schema } : {}), ...(search ? { search } : {}) } },
                  signal,
                }),
              )
            }
            empty={search ? `No table matches “${search}”.` : 'No tables.'}
          />
        </div>
      </div>
    </>
  );
}
