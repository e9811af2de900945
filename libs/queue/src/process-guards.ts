/**
 * What a handler threw, as an Error BullMQ can record: a string, undefined, a plain object or
 * any other value becomes an Error whose message says what was thrown, so a job always fails
 * with a readable reason and nothing in the failure path reads a property of undefined.
 */
export function asError(thrown: unknown): Error & { transient?: boolean } {
  if (thrown instanceof Error) return thrown;
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : thrown === undefined ? 'undefined' : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    text = Object.prototype.toString.call(thrown);
  }
  return new Error(`non-Error thrown: ${text.slice(0, 500)}`);
}

export interface GuardLogger {
  error(message: string): void;
}

export interface ProcessGuardOptions {
  /**
   * Called once after an uncaught exception has been logged: the process state is unknown
   * there, so the caller closes gracefully (drain, exit non-zero) and its supervisor restarts it.
   */
  onUncaughtException(error: Error): void;
}

let installed: { rejection: (reason: unknown) => void; exception: (error: Error) => void } | undefined;

/**
 * Process-level backstops. A promise rejected with no one awaiting it (a handler's stray
 * promise) is logged and the process serves on: nothing was mid-way through when it settled.
 * An uncaught exception is logged and handed to `onUncaughtException` once, instead of Node's
 * default of dying at once with the running jobs' leases held.
 */
export function installProcessGuards(logger: GuardLogger, options: ProcessGuardOptions): void {
  if (installed) return;
  let closing = false;
  installed = {
    rejection: (reason) => {
      const error = asError(reason);
      logger.error(`unhandled promise rejection (the process serves on): ${error.stack ?? error.message}`);
    },
    exception: (error) => {
      const e = asError(error);
      logger.error(`uncaught exception: ${e.stack ?? e.message}`);
      if (closing) return;
      closing = true;
      options.onUncaughtException(e);
    },
  };
  process.on('unhandledRejection', installed.rejection);
  process.on('uncaughtException', installed.exception);
}
