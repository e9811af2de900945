import type { ConnectionSpec, DialectName } from './dialect';
import { ConnectionSpecError } from './errors';

const SCHEMES: Record<DialectName, readonly string[]> = {
  postgres: ['postgres', 'postgresql'],
  mysql: ['mysql', 'mariadb'],
  mssql: ['mssql', 'sqlserver'],
  oracle: ['oracle'],
  sqlite: ['sqlite'],
};

type ParsedSpec = Omit<ConnectionSpec, 'dialect'>;

function decode(text: string, field: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ConnectionSpecError(field, 'malformed percent-encoding');
  }
}

function optionsOf(query: string): ConnectionSpec['options'] {
  if (!query) return undefined;
  const options: NonNullable<ConnectionSpec['options']> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    options[key] = value === 'true' ? true : value === 'false' ? false : value;
  }
  return Object.keys(options).length > 0 ? options : undefined;
}

function withoutUndefined(spec: ParsedSpec): ParsedSpec {
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as ParsedSpec;
}

function parseSqlite(rest: string): ParsedSpec {
  const [pathPart = '', query = ''] = splitOnce(rest, '?');
  let path: string;
  if (pathPart.startsWith('///')) path = pathPart.slice(2);
  else if (pathPart.startsWith('//')) {
    throw new ConnectionSpecError(
      'url',
      'a sqlite URL takes no host: use sqlite:relative/file.db or sqlite:///absolute/file.db',
    );
  } else path = pathPart;
  const database = decode(path, 'database');
  if (!database) throw new ConnectionSpecError('database', 'the URL names no database file');
  return withoutUndefined({ database, options: optionsOf(query) });
}

function splitOnce(text: string, sep: string): [string, string] {
  const at = text.indexOf(sep);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

/** The authority's port text, read before WHATWG URL rejects it with a message naming nothing. */
function rawPort(rest: string): string | undefined {
  const authority = rest.slice(2).split(/[/?#]/, 1)[0] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const match = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort);
  return match?.[1];
}

/**
 * Parses `scheme://user:pass@host:port/database?opt=value` (or `sqlite:path`) for a dialect.
 * Error messages never repeat the URL, which may hold a password.
 */
export function parseConnectionUrl(dialect: DialectName, url: string): ParsedSpec {
  const colon = url.indexOf(':');
  const scheme = colon > 0 ? url.slice(0, colon).toLowerCase() : '';
  if (!scheme) throw new ConnectionSpecError('url', 'missing scheme');
  if (!SCHEMES[dialect].includes(scheme)) {
    throw new ConnectionSpecError(
      'url',
      `scheme "${scheme}:" does not match dialect ${dialect} (expected ${SCHEMES[dialect].join(': or ')}:)`,
    );
  }
  const rest = url.slice(colon + 1);
  if (dialect === 'sqlite') return parseSqlite(rest);
  if (!rest.startsWith('//')) throw new ConnectionSpecError('url', `expected ${scheme}://host/database`);

  const portText = rawPort(rest);
  if (portText !== undefined && portText !== '') {
    const port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) {
      throw new ConnectionSpecError('port', 'must be a number from 1 to 65535');
    }
  }
  let parsed: URL;
  try {
    // A special scheme makes WHATWG URL parse the authority the same way for every database.
    parsed = new URL(`http:${rest}`);
  } catch {
    throw new ConnectionSpecError('url', 'not a valid URL');
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new ConnectionSpecError('host', 'the URL names no host');
  const path = parsed.pathname.replace(/^\//, '');
  if (path.includes('/')) throw new ConnectionSpecError('database', 'a database name has no "/"');
  const database = decode(path, 'database');
  if (!database) throw new ConnectionSpecError('database', 'the URL names no database');

  return withoutUndefined({
    host,
    // Not parsed.port: the http: stand-in would drop port 80 as its default.
    port: portText ? Number(portText) : undefined,
    database,
    username: parsed.username ? decode(parsed.username, 'username') : undefined,
    password: parsed.password ? decode(parsed.password, 'password') : undefined,
    options: optionsOf(parsed.search.replace(/^\?/, '')),
  });
}
