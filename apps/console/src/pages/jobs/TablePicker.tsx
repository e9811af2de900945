import { useEffect, useState } from 'react';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useApi } from '../../components/useApi';
import { formatTableRef, parseTableRef } from './job-form';
import { searchTables } from './jobs-api';

const PAGE = 20;

/**
 * Finds the source's tables a page at a time, the search done by the API (a source with
 * thousands of tables stays quick), and adds one as an entry; or adds a pattern such as
 * `sales.*` that each run expands against the source.
 */
export function TablePicker({ sourceId, chosen, onAdd }: { sourceId: string; chosen: string[]; onAdd: (source: string) => void }) {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [offset, setOffset] = useState(0);
  const [pattern, setPattern] = useState('');
  const [patternError, setPatternError] = useState<string>();

  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(search.trim());
      setOffset(0);
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);
  useEffect(() => setOffset(0), [sourceId]);

  const tables = useApi((signal) => (sourceId ? searchTables(sourceId, query, PAGE, offset, signal) : Promise.resolve(null)), [sourceId, query, offset]);

  const addPattern = () => {
    const ref = parseTableRef(pattern);
    if (!ref || !ref.pattern) {
      setPatternError('Write a schema and a pattern, e.g. sales.* or sales.order_?');
      return;
    }
    setPatternError(undefined);
    onAdd(pattern.trim());
    setPattern('');
  };

  if (!sourceId) return <p className="muted">Pick the source connection to choose its tables.</p>;
  const page = tables.data;
  return (
    <div className="jobs-picker">
      <Field label="Find source tables" hint="Part of a table's name (or schema.name); the source is searched, a page at a time.">
        <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="orders" data-testid="table-search" />
      </Field>
      <ErrorBanner error={tables.error} />
      {page ? (
        <>
          <ul className="jobs-picker-results" aria-label="Source tables" aria-busy={tables.loading}>
            {page.items.map((t) => {
              const source = formatTableRef(t.schema, t.name);
              const added = chosen.includes(source);
              return (
                <li key={source}>
                  <span className="name">{source}</span>
                  <span className="muted">
                    {t.primaryKey.length ? `key ${t.primaryKey.join(', ')}` : 'no key'}
                    {t.rowEstimate !== null ? ` · ~${t.rowEstimate.toLocaleString()} rows` : ''}
                  </span>
                  <button type="button" onClick={() => onAdd(source)} disabled={added} aria-label={`Add ${source}`}>
                    {added ? 'Added' : 'Add'}
                  </button>
                </li>
              );
            })}
            {page.items.length === 0 ? <li className="muted">{query ? `No table matches “${query}”.` : 'The source has no tables.'}</li> : null}
          </ul>
          <div className="pager">
            <span>
              {page.total === 0 ? 0 : offset + 1}–{Math.min(offset + page.items.length, page.total)} of {page.total.toLocaleString()}
            </span>
            <button type="button" onClick={() => setOffset(Math.max(0, offset - PAGE))} disabled={offset === 0}>
              ‹ Previous
            </button>
            <button type="button" onClick={() => setOffset(offset + PAGE)} disabled={offset + PAGE >= page.total}>
              Next ›
            </button>
          </div>
        </>
      ) : tables.loading ? (
        <p className="loading">Reading the source's tables…</p>
      ) : null}
      <div className="jobs-row">
        <Field label="Or add a pattern" hint="Every table of the schema whose name matches (* any run of characters, ? one), found again at each run." error={patternError}>
          <input
            value={pattern}
            onChange={(e) => setPattern(e.target.value)}
            placeholder="sales.*"
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                addPattern();
              }
            }}
          />
        </Field>
        <div className="field">
          <span aria-hidden="true">&nbsp;</span>
          <button type="button" onClick={addPattern}>
            Add pattern
          </button>
        </div>
      </div>
    </div>
  );
}
