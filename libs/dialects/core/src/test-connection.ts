import type { Dialect, DialectSession, ResolvedConnectionSpec } from './dialect';
import { redactDbError } from './error-facts';
import { DbError, type DbErrorCode, TransientDbError } from './errors';

export interface ConnectionTestResult {
  ok: boolean;
  latencyMs: number;
  serverVersion?: string;
  error?: string;
  errorCode?: DbErrorCode;
}

const EXPIRED = Symbol('expired');
type Outcome<T> = { value: T } | { error: unknown };

function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

function closeQuietly(session: DialectSession): Promise<void> {
  return Promise.resolve()
    .then(() => session.close())
    .catch(() => undefined);
}

/**
 * Connects, pings and closes, answering within `timeoutMs` whatever the driver does. Never
 * throws, never creates a missing database file, and the error text never contains the spec's
 * password.
 */
export async function testConnection(
  dialect: Pick<Dialect, 'connect' | 'classifyError'>,
  spec: ResolvedConnectionSpec,
  timeoutMs = 5000,
): Promise<ConnectionTestResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof EXPIRED>((resolve) => {
    timer = setTimeout(() => resolve(EXPIRED), timeoutMs);
  });
  const failure = (error: unknown): ConnectionTestResult => {
    const sorted = error instanceof DbError ? error : safeClassify(dialect, error);
    const clean = redactDbError(sorted, [spec.password]);
    return { ok: false, latencyMs: elapsed(), error: clean.message, errorCode: clean.code };
  };
  const timedOut = (): ConnectionTestResult =>
    failure(new TransientDbError('timeout', `no answer within ${timeoutMs} ms`));

  try {
    const connecting = settle(Promise.resolve().then(() => dialect.connect(spec, { timeoutMs, create: false })));
    const connected = await Promise.race([connecting, deadline]);
    if (connected === EXPIRED) {
      // A session that opens after we gave up must still be closed, or it leaks.
      void connecting.then((late) => ('value' in late ? closeQuietly(late.value) : undefined));
      return timedOut();
    }
    if ('error' in connected) return failure(connected.error);
    const session = connected.value;

    const pinged = await Promise.race([settle(Promise.resolve().then(() => session.ping())), deadline]);
    if (pinged === EXPIRED || 'error' in pinged) {
      void closeQuietly(session);
      return pinged === EXPIRED ? timedOut() : failure(pinged.error);
    }
    const latencyMs = elapsed();
    const serverVersion = session.serverVersion;
    await Promise.race([closeQuietly(session), deadline]);
    return { ok: true, latencyMs, serverVersion };
  } catch (error) {
    return failure(error);
  } finally {
    clearTimeout(timer);
  }
}

function safeClassify(dialect: Pick<Dialect, 'classifyError'>, error: unknown): DbError {
  try {
    return dialect.classifyError(error);
  } catch {
    return new TransientDbError('unknown', error instanceof Error ? error.message : String(error));
  }
}
