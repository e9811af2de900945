import type { Schema } from '@dbferry/api-client';

export type ConnectionView = Schema<'ConnectionView'>;
export type Dialect = ConnectionView['dialect'];
export type CreateConnectionBody = Schema<'CreateConnectionDto'>;
export type UpdateConnectionBody = Schema<'UpdateConnectionDto'>;

export interface DialectInfo {
  value: Dialect;
  label: string;
  /** Networked dialects take host, port, username and password; SQLite only a file path. */
  networked: boolean;
  defaultPort?: number;
  /** What the `database` field means for this dialect. */
  databaseLabel: string;
  databaseHint?: string;
  urlExample: string;
  /** Which tables a table list without ?schema= holds (the dialect's listTables). */
  defaultTables: 'every schema' | 'the database' | 'your schema' | 'main';
}

export const DIALECTS: DialectInfo[] = [
  { value: 'postgres', label: 'PostgreSQL', networked: true, defaultPort: 5432, databaseLabel: 'Database', urlExample: 'postgres://user:password@db.example.com:5432/sales?sslmode=require', defaultTables: 'every schema' },
  { value: 'mysql', label: 'MySQL / MariaDB', networked: true, defaultPort: 3306, databaseLabel: 'Database', urlExample: 'mysql://user:password@db.example.com:3306/sales', defaultTables: 'the database' },
  { value: 'mssql', label: 'SQL Server', networked: true, defaultPort: 1433, databaseLabel: 'Database', urlExample: 'mssql://user:password@db.example.com:1433/sales', defaultTables: 'every schema' },
  { value: 'oracle', label: 'Oracle', networked: true, defaultPort: 1521, databaseLabel: 'Service name', urlExample: 'oracle://user:password@db.example.com:1521/ORCLPDB1', defaultTables: 'your schema' },
  {
    value: 'sqlite',
    label: 'SQLite',
    networked: false,
    databaseLabel: 'File path',
    databaseHint: 'relative to the server’s SQLITE_ROOT',
    urlExample: 'sqlite:reports/sales.db',
    defaultTables: 'main',
  },
];

export function dialectInfo(dialect: Dialect): DialectInfo {
  return DIALECTS.find((d) => d.value === dialect) ?? DIALECTS[0];
}

/** The form as the user types it: every field text, so a half-typed port is kept as typed. */
export interface ConnectionFormValues {
  name: string;
  dialect: Dialect;
  /** 'url': one connection URL instead of the separate fields (when creating). */
  mode: 'fields' | 'url';
  host: string;
  port: string;
  database: string;
  username: string;
  /** Write-only: empty keeps the stored password when editing. */
  password: string;
  /** Editing: remove the stored password. */
  clearPassword: boolean;
  url: string;
  /** Driver settings, one `key=value` a line. */
  options: string;
  readOnly: boolean;
  maxParallelChunks: string;
}

export type FormErrors = Partial<Record<keyof ConnectionFormValues, string>>;

export function emptyForm(dialect: Dialect = 'postgres'): ConnectionFormValues {
  return { name: '', dialect, mode: 'fields', host: '', port: '', database: '', username: '', password: '', clearPassword: false, url: '', options: '', readOnly: false, maxParallelChunks: '' };
}

/** The form for editing a saved connection (its password is never known: the field starts empty). */
export function formFromConnection(c: ConnectionView): ConnectionFormValues {
  return {
    ...emptyForm(c.dialect),
    name: c.name,
    host: c.host ?? '',
    port: c.port === null ? '' : String(c.port),
    database: c.database,
    username: c.username ?? '',
    options: formatOptions(c.options),
    readOnly: c.readOnly,
    maxParallelChunks: c.maxParallelChunks === null ? '' : String(c.maxParallelChunks),
  };
}

export function formatOptions(options: Record<string, string | number | boolean> | undefined): string {
  return Object.entries(options ?? {})
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('\n');
}

const OPTION_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** `key=value` lines (blank lines and `#` comments skipped) as the API's options object, or the first problem. */
export function parseOptions(text: string): { options: Record<string, string> } | { error: string } {
  const options: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) return { error: `Line ${i + 1}: write key=value.` };
    const key = line.slice(0, eq).trim();
    if (!OPTION_KEY.test(key)) return { error: `Line ${i + 1}: “${key.slice(0, 64)}” is not a setting name (a letter, then letters, digits, _ . -).` };
    if (key in options) return { error: `Line ${i + 1}: ${key} is set twice.` };
    options[key] = line.slice(eq + 1).trim();
  }
  if (Object.keys(options).length > 50) return { error: 'At most 50 settings.' };
  return { options };
}

/** An integer typed as text within [min, max]; undefined for empty text; NaN when not such a number. */
function integerIn(text: string, min: number, max: number): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (!/^\d+$/.test(t)) return Number.NaN;
  const n = Number(t);
  return n >= min && n <= max ? n : Number.NaN;
}

const HOST = /^[A-Za-z0-9._:[\]-]+$/;

/**
 * What is wrong with the form before it is sent, by field. The API checks everything again (and
 * more: the egress policy, SQLite paths, a secret put in the options); its answer is shown the
 * same way. `original` is the saved connection when editing.
 */
export function validateConnectionForm(v: ConnectionFormValues, original?: ConnectionView): FormErrors {
  const errors: FormErrors = {};
  const info = dialectInfo(v.dialect);
  if (!v.name.trim()) errors.name = 'Enter a name.';
  else if (v.name.trim().length > 100) errors.name = 'At most 100 characters.';

  if (!original && v.mode === 'url') {
    if (!v.url.trim()) errors.url = `Enter a URL, e.g. ${info.urlExample}`;
    else if (v.url.trim().length > 2000) errors.url = 'At most 2000 characters.';
  } else {
    if (!v.database.trim()) errors.database = info.networked ? `Enter the ${info.databaseLabel.toLowerCase()}.` : 'Enter the file path.';
    else if (v.database.length > 1000) errors.database = 'At most 1000 characters.';
    if (info.networked) {
      const host = v.host.trim();
      if (!host) errors.host = 'Enter the host name or address.';
      else if (host.length > 253 || !HOST.test(host)) errors.host = 'Not a host name or address.';
      if (Number.isNaN(integerIn(v.port, 1, 65535))) errors.port = 'A port is a whole number from 1 to 65535.';
      if (v.username.length > 128) errors.username = 'At most 128 characters.';
      if (v.password.length > 1024) errors.password = 'At most 1024 characters.';
    }
  }

  const parsed = parseOptions(v.options);
  if ('error' in parsed) errors.options = parsed.error;
  if (Number.isNaN(integerIn(v.maxParallelChunks, 1, 256))) errors.maxParallelChunks = 'A whole number from 1 to 256, or empty for the server default.';

  if (original?.hasPassword && !v.password && !v.clearPassword && !errors.password) {
    const changed = changedDestination(v, original);
    if (changed.length) {
      errors.password = `Enter the password again: ${changed.join(', ')} changed, and the stored one is never sent to a new destination.`;
    }
  }
  return errors;
}

/**
 * The port an edit sends: the typed one; for an emptied field the dialect's default (PATCH
 * cannot unset a port), unless none was saved; undefined when the text is not a port.
 */
function editedPort(v: ConnectionFormValues, original: ConnectionView): number | null | undefined {
  const typed = integerIn(v.port, 1, 65535);
  if (Number.isNaN(typed)) return undefined;
  if (typed !== undefined) return typed;
  return original.port === null ? null : (dialectInfo(original.dialect).defaultPort ?? null);
}

/** Host, port or database changed by the edit: the API then wants the password again. */
export function changedDestination(v: ConnectionFormValues, original: ConnectionView): string[] {
  const changed: string[] = [];
  if (dialectInfo(original.dialect).networked) {
    if (v.host.trim() !== (original.host ?? '')) changed.push('host');
    const port = editedPort(v, original);
    if (port !== undefined && port !== original.port) changed.push('port');
  }
  if (v.database.trim() !== original.database) changed.push('database');
  return changed;
}

/** POST /api/connections body for a valid form (only what the dialect takes). */
export function createBody(v: ConnectionFormValues): CreateConnectionBody {
  const info = dialectInfo(v.dialect);
  const parsed = parseOptions(v.options);
  const options = 'options' in parsed && Object.keys(parsed.options).length ? parsed.options : undefined;
  const common = {
    name: v.name.trim(),
    dialect: v.dialect,
    readOnly: v.readOnly,
    ...(options ? { options } : {}),
    ...(v.maxParallelChunks.trim() ? { maxParallelChunks: Number(v.maxParallelChunks) } : {}),
  };
  if (v.mode === 'url') return { ...common, url: v.url.trim() };
  if (!info.networked) return { ...common, database: v.database.trim() };
  return {
    ...common,
    host: v.host.trim(),
    ...(v.port.trim() ? { port: Number(v.port) } : {}),
    database: v.database.trim(),
    ...(v.username.trim() ? { username: v.username.trim() } : {}),
    ...(v.password ? { password: v.password } : {}),
  };
}

/**
 * PATCH /api/connections/:id body: only what changed, so an untouched option or port is never
 * re-sent in another form (and never needs the password again). Empty password keeps the stored one.
 */
export function updateBody(v: ConnectionFormValues, original: ConnectionView): UpdateConnectionBody {
  const info = dialectInfo(original.dialect);
  const body: UpdateConnectionBody = {};
  if (v.name.trim() !== original.name) body.name = v.name.trim();
  if (v.database.trim() !== original.database) body.database = v.database.trim();
  if (info.networked) {
    if (v.host.trim() !== (original.host ?? '')) body.host = v.host.trim();
    const port = editedPort(v, original);
    if (port !== undefined && port !== null && port !== original.port) body.port = port;
    if (v.username.trim() !== (original.username ?? '')) body.username = v.username.trim();
    if (v.clearPassword) body.password = null;
    else if (v.password) body.password = v.password;
  }
  const parsed = parseOptions(v.options);
  if ('options' in parsed && v.options.trim() !== formatOptions(original.options).trim()) body.options = parsed.options;
  if (v.readOnly !== original.readOnly) body.readOnly = v.readOnly;
  const limit = v.maxParallelChunks.trim() ? Number(v.maxParallelChunks) : null;
  if (limit !== original.maxParallelChunks) body.maxParallelChunks = limit;
  return body;
}
