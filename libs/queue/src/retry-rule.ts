/**
 * The one rule that decides whether a failed job is tried again. Errors carry their class as
 * `transient`: dialects sort driver errors into TransientDbError (true) and TerminalDbError
 * (false); engine errors that can never succeed on retry (PlanError, IdentifierError,
 * FilterError, RejectLimitError, RowCountMismatchError, …) declare `transient = false`.
 * Anything unmarked is retried up to the job's attempts.
 */
export type FailureOutcome = 'retry' | 'fail';

export interface AttemptState {
  /** Attempts already finished before this one. */
  attemptsMade: number;
  /** Attempts allowed in all. */
  attempts: number;
  /** The worker is shutting down: whatever was thrown says nothing about the job. */
  aborted: boolean;
}

/** True when the error says retrying cannot help (its `transient` is false). */
export function isTerminalError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { transient?: unknown }).transient === false;
}

/**
 * What becomes of a job whose attempt threw `error`: a shutdown is always retried (another
 * worker resumes the job), a terminal error fails it now, anything else is retried while
 * attempts remain.
 */
export function failureOutcome(error: unknown, state: AttemptState): FailureOutcome {
  if (state.aborted) return 'retry';
  if (isTerminalError(error)) return 'fail';
  return state.attemptsMade + 1 >= state.attempts ? 'fail' : 'retry';
}
