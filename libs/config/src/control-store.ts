/** Where the control store lives, as DATABASE_URL names it: the database no connection may reach. */
export interface ControlStoreAddress {
  host: string;
  port: number;
  database: string;
}

/**
 * Reads host, port and database from a postgres:// URL the way node-postgres does: port 5432
 * by default, database defaulting to the user name; a `host=` query parameter (a Unix socket
 * directory) wins over the URL's host.
 */
export function controlStoreAddress(databaseUrl: string): ControlStoreAddress {
  const url = new URL(databaseUrl);
  const user = decodeURIComponent(url.username) || 'postgres';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  const host = url.searchParams.get('host') ?? decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1');
  return { host: host || 'localhost', port: url.port ? Number(url.port) : 5432, database };
}
