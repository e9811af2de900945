/** Why a database operation failed, in words an operator recognises. */
export type DbErrorCode =
  | 'connection-refused'
  | 'host-not-found'
  | 'timeout'
  | 'authentication-failed'
  | 'unknown-database'
  | 'permission-denied'
  | 'tls'
  | 'egress-denied'
  | 'invalid-spec'
  | 'unsupported-version'
  | 'constraint'
  | 'data'
  | 'row-count'
  | 'unknown';

export const DB_ERROR_MESSAGES: Record<DbErrorCode, string> = {
  'connection-refused': 'connection refused',
  'host-not-found': 'host not found',
  timeout: 'timed out',
  'authentication-failed': 'authentication failed',
  'unknown-database': 'unknown database',
  'permission-denied': 'permission denied',
  tls: 'TLS negotiation failed',
  'egress-denied': 'host refused by the egress policy',
  'invalid-spec': 'invalid connection settings',
  'unsupported-version': 'database version not supported',
  constraint: 'constraint violated',
  data: 'value rejected by the database',
  'row-count': 'the target does not hold the rows written',
  unknown: 'database error',
};

/**
 * Base of the taxonomy. `message` starts with the plain-words reason (DB_ERROR_MESSAGES) and
 * may add the driver's detail; it must never contain a password.
 */
export abstract class DbError extends Error {
  abstract readonly transient: boolean;
  /** The part of `message` after the plain-words reason, kept so the error can be rebuilt redacted. */
  readonly detail: string | undefined;
  /** The column a rejected value belongs to, when the driver (or our own encoder) says which. */
  readonly column: string | undefined;
  constructor(
    readonly code: DbErrorCode,
    detail?: string,
    options?: { cause?: unknown; column?: string },
  ) {
    super(detail ? `${DB_ERROR_MESSAGES[code]}: ${detail}` : DB_ERROR_MESSAGES[code], options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.detail = detail || undefined;
    this.column = options?.column || undefined;
  }
}

/**
 * A failure caused by the values of some row (a value the column cannot hold, a NOT NULL or
 * check violation), not by the table, the session or the network: the row can be isolated and
 * rejected while the rest of the write goes through.
 */
export function isRowRejection(error: unknown): error is DbError {
  return error instanceof DbError && (error.code === 'data' || error.code === 'constraint');
}

/**
 * The one retry marker every error class uses: `transient` true (retry with backoff) or false
 * (retrying cannot help: fail at once). DbError subclasses and the engine's own refusals
 * (IdentifierError, PlanError, FilterError, RejectLimitError, RowCountMismatchError) declare it;
 * an error without it is treated as transient until the job's attempts run out. The queue layer
 * (libs/queue retry-rule.ts) reads the same property.
 */
export function isTerminal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { transient?: unknown }).transient === false;
}

/** What a run log keeps of an error: its class, code and stack, with connection-string passwords scrubbed. */
export interface ErrorDetail {
  class: string;
  code?: string;
  stack?: string;
}

/** `scheme://user:password@host` anywhere in a text, password replaced by `***`. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;
/** `password=…` / `pwd=…` key-value forms (ADO, JDBC, libpq) replaced by `***`. */
const KV_PASSWORD = /\b(password|pwd|passwd)(\s*[=:]\s*)('[^']*'|"[^"]*"|[^\s;,&)]+)/gi;

/** A text with the password parts of any connection string in it replaced by `***`. */
export function scrubConnectionStrings(text: string): string {
  return text.replace(URL_PASSWORD, '$1***@').replace(KV_PASSWORD, '$1$2***');
}

/** The class, code and stack of what was thrown, for a run log; never a password of a connection string. */
export function errorDetail(error: unknown): ErrorDetail {
  if (!(error instanceof Error)) return { class: typeof error };
  const code = (error as { code?: unknown }).code;
  return {
    class: error.constructor?.name && error.constructor.name !== 'Object' ? error.constructor.name : error.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
    ...(error.stack ? { stack: scrubConnectionStrings(error.stack).slice(0, 8000) } : {}),
  };
}

/** Worth retrying with backoff: the network, a restart, a lock timeout. */
export class TransientDbError extends DbError {
  readonly transient = true;
}

/** Retrying cannot help: bad credentials, missing database, rejected value. */
export class TerminalDbError extends DbError {
  readonly transient = false;
}

/**
 * A write's own check found the target holding other rows than it wrote (a trigger, a second
 * writer, two orders of the key disagreeing): retrying would only repeat it, and the run must not
 * report rows the target does not hold. The message gives both numbers.
 */
export class RowCountMismatchError extends TerminalDbError {
  constructor(
    readonly expected: number,
    readonly found: number,
    detail: string,
  ) {
    super('row-count', detail);
  }
}

/** A connection spec (or URL) that cannot be used as given; `field` names the culprit. */
export class ConnectionSpecError extends TerminalDbError {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super('invalid-spec', `${field}: ${reason}`);
  }
}
