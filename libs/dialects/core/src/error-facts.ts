import {
  DbError,
  type DbErrorCode,
  TerminalDbError,
  TransientDbError,
} from './errors';

/** The fields drivers hang on their errors, read without trusting their shape. */
export interface ErrorFacts {
  code?: string;
  errno?: number;
  /** SQL error number (tedious `number`, mysql2 `errno`, oracledb `errorNum`). */
  number?: number;
  sqlState?: string;
  message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function factsOf(value: unknown): ErrorFacts {
  if (!isRecord(value)) return { message: String(value) };
  const str = (key: string): string | undefined =>
    typeof value[key] === 'string' ? (value[key] as string) : undefined;
  const num = (key: string): number | undefined =>
    typeof value[key] === 'number' ? (value[key] as number) : undefined;
  return {
    code: str('code'),
    errno: num('errno'),
    number: num('number') ?? num('errorNum'),
    sqlState: str('sqlState') ?? str('sqlstate'),
    message: str('message') ?? String(value),
  };
}

/**
 * The error and the errors it wraps (`cause`, mssql's `originalError`, an AggregateError's
 * `errors`), outermost first; bounded so a cyclic chain cannot loop.
 */
export function errorChain(error: unknown): ErrorFacts[] {
  const out: ErrorFacts[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 16) {
    const current = queue.shift();
    if (current === undefined || current === null || seen.has(current)) continue;
    seen.add(current);
    out.push(factsOf(current));
    if (isRecord(current)) {
      queue.push(current['originalError'], current['cause']);
      const nested = current['errors'];
      if (Array.isArray(nested)) queue.push(...nested);
    }
  }
  return out;
}

const NETWORK_CODES: Record<string, { code: DbErrorCode; transient: boolean }> = {
  ECONNREFUSED: { code: 'connection-refused', transient: true },
  ENOTFOUND: { code: 'host-not-found', transient: false },
  EAI_NONAME: { code: 'host-not-found', transient: false },
  EAI_AGAIN: { code: 'host-not-found', transient: true },
  ETIMEDOUT: { code: 'timeout', transient: true },
  ETIMEOUT: { code: 'timeout', transient: true },
  ESOCKETTIMEDOUT: { code: 'timeout', transient: true },
  EHOSTUNREACH: { code: 'connection-refused', transient: true },
  ENETUNREACH: { code: 'connection-refused', transient: true },
  ECONNRESET: { code: 'unknown', transient: true },
  EPIPE: { code: 'unknown', transient: true },
};

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function makeDbError(
  code: DbErrorCode,
  transient: boolean,
  detail: string | undefined,
  cause?: unknown,
  column?: string,
): DbError {
  return transient
    ? new TransientDbError(code, detail, { cause, column })
    : new TerminalDbError(code, detail, { cause, column });
}

/** The outermost message, which drivers write to include what they wrapped. */
export function detailOf(error: unknown): string {
  return errorChain(error)[0]?.message ?? String(error);
}

/**
 * Socket, DNS and TLS failures look the same whatever the driver; each dialect tries this
 * after its own codes. Returns undefined when nothing in the chain is a network error.
 */
export function classifyNetworkError(error: unknown): DbError | undefined {
  for (const facts of errorChain(error)) {
    if (!facts.code) continue;
    const known = NETWORK_CODES[facts.code];
    if (known) return makeDbError(known.code, known.transient, detailOf(error), error);
    if (TLS_CODES.has(facts.code) || /^ERR_(TLS|SSL)_/.test(facts.code)) {
      return makeDbError('tls', false, detailOf(error), error);
    }
  }
  return undefined;
}

/** Already-sorted errors pass through; anything else unknown becomes terminal 'unknown'. */
export function fallbackDbError(error: unknown): DbError {
  if (error instanceof DbError) return error;
  return new TerminalDbError('unknown', detailOf(error), { cause: error });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces every occurrence of each secret (raw and percent-encoded) with `***`. */
export function scrubSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      out = out.replace(new RegExp(escapeRegExp(form), 'g'), '***');
    }
  }
  return out;
}

function mentionsSecret(error: unknown, secrets: ReadonlyArray<string | undefined>): boolean {
  const texts = errorChain(error).map((f) => f.message);
  if (error instanceof Error && error.stack) texts.push(error.stack);
  return texts.some((t) => scrubSecrets(t, secrets) !== t);
}

/**
 * The same error with every secret removed from its message. The driver error is dropped
 * from `cause` when it mentions a secret, since loggers print causes too.
 */
export function redactDbError(error: DbError, secrets: ReadonlyArray<string | undefined>): DbError {
  const detail = error.detail === undefined ? undefined : scrubSecrets(error.detail, secrets);
  const cause = mentionsSecret(error.cause, secrets) ? undefined : error.cause;
  if (detail === error.detail && cause === error.cause) return error;
  return makeDbError(error.code, error.transient, detail, cause, error.column);
}

/**
 * Some drivers report their own connect timeout vaguely ("Connection terminated
 * unexpectedly"); a connect that fails unsorted once its time is up is called a timeout.
 */
export function timeoutIfLate(error: DbError, startedAt: number, timeoutMs: number): DbError {
  if (error.code !== 'unknown' || performance.now() - startedAt < timeoutMs * 0.95) return error;
  return new TransientDbError('timeout', `no answer within ${timeoutMs} ms (${error.detail ?? error.message})`, {
    cause: error.cause,
  });
}
