/** What the faulty worker's handler throws, by the job's `olderThanDays` code. */
export const FAULTS = {
  ok: 0,
  asyncError: 1,
  string: 2,
  undefined: 3,
  rejectedPromise: 4,
  syncThrow: 5,
  strayRejection: 6,
  strayUndefinedLater: 7,
  plainObject: 8,
} as const;
