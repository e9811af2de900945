import { failureOutcome, isTerminalError } from './retry-rule';

class Terminal extends Error {
  readonly transient = false;
}
class Transient extends Error {
  readonly transient = true;
}

describe('failureOutcome (the one retry rule)', () => {
  const first = { attemptsMade: 0, attempts: 3, aborted: false };
  const last = { attemptsMade: 2, attempts: 3, aborted: false };

  it('fails a terminal error on the first attempt', () => {
    expect(isTerminalError(new Terminal('x'))).toBe(true);
    expect(failureOutcome(new Terminal('x'), first)).toBe('fail');
  });

  it('retries transient and unmarked errors (and non-Errors) until the last attempt', () => {
    for (const error of [new Transient('x'), new Error('x'), 'text', undefined, null, { transient: 'no' }]) {
      expect(isTerminalError(error)).toBe(false);
      expect(failureOutcome(error, first)).toBe('retry');
      expect(failureOutcome(error, last)).toBe('fail');
    }
  });

  it('never fails a job for good while the worker shuts down', () => {
    expect(failureOutcome(new Terminal('x'), { ...first, aborted: true })).toBe('retry');
    expect(failureOutcome(new Error('x'), { ...last, aborted: true })).toBe('retry');
  });
});
