import { type ConnectionView, dialectInfo } from './connection-form';

/** Where a connection points, without any secret: `host:port/database`, or the SQLite file. */
export function whereText(c: Pick<ConnectionView, 'dialect' | 'host' | 'port' | 'database'>): string {
  if (!dialectInfo(c.dialect).networked || !c.host) return c.database;
  return `${c.host}${c.port ? `:${c.port}` : ''}/${c.database}`;
}

/** A count for a table cell: digits grouped, empty when unknown. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '' : n.toLocaleString('en-US');
}
