import { type DependencyList, type ReactNode, useEffect, useRef } from 'react';
import { useSearchParams } from 'react-router';
import { ErrorBanner } from './ErrorBanner';
import { useApi } from './useApi';

export interface Column<T> {
  key: string;
  header: ReactNode;
  render: (row: T) => ReactNode;
  /** e.g. 'num' (right-aligned digits) or 'nowrap'. */
  className?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface PageRequest {
  limit: number;
  offset: number;
}

export const PAGE_SIZES = [25, 50, 100, 200];

/**
 * A table whose rows come a page at a time from the server (`?limit=&offset=`, answered with
 * `{items, total}`), so lists of thousands stay fast. The page's offset and size live in the
 * URL (`<urlKey>` and `<urlKey>Size`), so a reload or the back button returns to the same page;
 * a change of `deps` (filters) goes back to the first page.
 */
export function DataTable<T>({ columns, load, deps = [], rowKey, caption, empty = 'Nothing here yet.', urlKey = 'offset', defaultPageSize = 50, onRowClick }: {
  columns: Column<T>[];
  load: (page: PageRequest, signal: AbortSignal) => Promise<Page<T>>;
  deps?: DependencyList;
  rowKey: (row: T) => string;
  caption?: ReactNode;
  empty?: ReactNode;
  urlKey?: string;
  defaultPageSize?: number;
  onRowClick?: (row: T) => void;
}) {
  const [params, setParams] = useSearchParams();
  const offset = Math.max(0, Number(params.get(urlKey)) || 0);
  const sizeParam = Number(params.get(`${urlKey}Size`));
  const limit = PAGE_SIZES.includes(sizeParam) ? sizeParam : defaultPageSize;
  const { data, error, loading } = useApi((signal) => load({ limit, offset }, signal), [limit, offset, ...deps]);

  const setPage = (next: { offset?: number; limit?: number }) =>
    setParams(
      (current) => {
        const copy = new URLSearchParams(current);
        if (next.offset !== undefined) {
          if (next.offset > 0) copy.set(urlKey, String(next.offset));
          else copy.delete(urlKey);
        }
        if (next.limit !== undefined) copy.set(`${urlKey}Size`, String(next.limit));
        return copy;
      },
      { replace: false },
    );

  // Filters changed: back to the first page (not on the first render, which may be a deep link).
  const depsKey = JSON.stringify(deps);
  const lastDeps = useRef(depsKey);
  useEffect(() => {
    if (lastDeps.current === depsKey) return;
    lastDeps.current = depsKey;
    if (offset > 0) setPage({ offset: 0 });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a change of the filters resets the page
  }, [depsKey]);

  const total = data?.total ?? 0;
  const items = data?.items ?? [];
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + items.length, total);
  return (
    <div className="data-table" aria-busy={loading}>
      <ErrorBanner error={error} />
      <div className="table-scroll">
        <table>
          {caption ? <caption>{caption}</caption> : null}
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.key} scope="col" className={c.className}>
                  {c.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((row) => (
              <tr key={rowKey(row)} className={onRowClick ? 'clickable' : undefined} onClick={onRowClick ? () => onRowClick(row) : undefined}>
                {columns.map((c) => (
                  <td key={c.key} className={c.className}>
                    {c.render(row)}
                  </td>
                ))}
              </tr>
            ))}
            {!loading && !error && items.length === 0 ? (
              <tr>
                <td colSpan={columns.length} className="empty">
                  {empty}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Pages">
        <span aria-live="polite">{loading && !data ? 'Loading…' : `${first.toLocaleString()}–${last.toLocaleString()} of ${total.toLocaleString()}`}</span>
        <button type="button" onClick={() => setPage({ offset: Math.max(0, offset - limit) })} disabled={offset === 0 || loading}>
          ‹ Previous
        </button>
        <button type="button" onClick={() => setPage({ offset: offset + limit })} disabled={offset + limit >= total || loading}>
          Next ›
        </button>
        <label>
          Rows per page{' '}
          <select value={limit} onChange={(e) => setPage({ limit: Number(e.target.value), offset: 0 })}>
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
      </nav>
    </div>
  );
}
