import { SetMetadata } from '@nestjs/common';
import type { JobData, JobName } from '@dbferry/queue-contracts';

export const JOB_HANDLER = Symbol('dbferry:job-handler');

/** What a handler sees of a queue job: its payload and the means to stop early. */
export interface JobContext<N extends JobName> {
  id: string;
  name: N;
  data: JobData<N>;
  attemptsMade: number;
  /** Attempts allowed in all; `attemptsMade + 1 >= attempts` means this is the last one. */
  attempts: number;
  /** Aborted when the worker shuts down past its drain timeout: checkpoint and return. */
  signal: AbortSignal;
  /**
   * Whether this attempt failing with `error` ends the job (no retry follows), by the queue's
   * one retry rule (retry-rule.ts): terminal errors and the last attempt do, a shutdown never.
   * A handler asks this to settle its own records (a chunk failed, not released); it throws
   * the error as it is either way, and the queue layer turns it into retry or failure.
   */
  endsJob(error: unknown): boolean;
  /** Reports progress (0..100 or an object) to BullMQ and Bull Board. */
  progress(value: number | object): Promise<void>;
  /**
   * Puts the job back in the queue to run again after `delayMs`, without spending an attempt
   * (e.g. no free connection slot). Throws; the handler returns through it.
   */
  postpone(delayMs: number): Promise<never>;
}

export interface JobHandlerOf<N extends JobName> {
  handle(job: JobContext<N>): Promise<unknown>;
}

/** Marks a provider as the one handler of a job name; the registry checks there is exactly one. */
export const JobHandler = (name: JobName) => SetMetadata(JOB_HANDLER, name);
