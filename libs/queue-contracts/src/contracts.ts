/**
 * The queue protocol between api and worker. Payloads carry ids, numbers and a version,
 * never row data or secrets. No NestJS, no bullmq here: both sides import this file.
 */
export enum QueueName {
  Sync = 'sync',
  Maintenance = 'maintenance',
  /** Diffs and repairs: their segments spread over the fleet beside, not behind, copy chunks. */
  Arbitration = 'arbitration',
  /** Replica-group sync tasks: the writes a member still owes, applied beside copies and diffs. */
  Groups = 'groups',
}

export enum JobName {
  PlanRun = 'plan-run',
  CopyChunk = 'copy-chunk',
  FinishRun = 'finish-run',
  ScheduledRun = 'scheduled-run',
  PruneAuditLog = 'prune-audit-log',
  PlanDiff = 'plan-diff',
  DiffSegment = 'diff-segment',
  FinishDiff = 'finish-diff',
  PlanRepair = 'plan-repair',
  ApplyRepair = 'apply-repair',
  ApplySyncTask = 'apply-sync-task',
  /** An event source's full sync (issue 14): pull the upstream snapshot, reconcile. */
  EventFullSync = 'event-full-sync',
  /** A tick of an event source's full-sync cron schedule: starts a full-sync run. */
  ScheduledFullSync = 'scheduled-full-sync',
}

export interface JobPayloads {
  [JobName.PlanRun]: { v: 1; runId: string };
  [JobName.CopyChunk]: { v: 1; runId: string; chunkId: string };
  [JobName.FinishRun]: { v: 1; runId: string };
  [JobName.ScheduledRun]: { v: 1; jobId: string };
  [JobName.PruneAuditLog]: { v: 1; olderThanDays: number };
  [JobName.PlanDiff]: { v: 1; diffId: string };
  [JobName.DiffSegment]: { v: 1; diffId: string; segmentId: string };
  [JobName.FinishDiff]: { v: 1; diffId: string };
  [JobName.PlanRepair]: { v: 1; repairId: string };
  [JobName.ApplyRepair]: { v: 1; repairId: string };
  [JobName.ApplySyncTask]: { v: 1; taskId: string };
  [JobName.EventFullSync]: { v: 1; runId: string };
  [JobName.ScheduledFullSync]: { v: 1; sourceId: string };
}

export type JobData<N extends JobName> = JobPayloads[N];
export type JobOf<N extends JobName> = { name: N; data: JobData<N> };
export type AnyJob = { [N in JobName]: JobOf<N> }[JobName];

/** Which queue carries each job. */
export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.PlanRun]: QueueName.Sync,
  [JobName.CopyChunk]: QueueName.Sync,
  [JobName.FinishRun]: QueueName.Sync,
  [JobName.ScheduledRun]: QueueName.Sync,
  [JobName.PruneAuditLog]: QueueName.Maintenance,
  [JobName.PlanDiff]: QueueName.Arbitration,
  [JobName.DiffSegment]: QueueName.Arbitration,
  [JobName.FinishDiff]: QueueName.Arbitration,
  [JobName.PlanRepair]: QueueName.Arbitration,
  [JobName.ApplyRepair]: QueueName.Arbitration,
  [JobName.ApplySyncTask]: QueueName.Groups,
  [JobName.EventFullSync]: QueueName.Maintenance,
  [JobName.ScheduledFullSync]: QueueName.Maintenance,
};

/**
 * Stable BullMQ job ids: adding a job whose id exists is a no-op, so a re-enqueue by the
 * reconciler or a retried plan never doubles work.
 */
export const syncJobId = {
  plan: (runId: string) => `plan-run.${runId}`,
  chunk: (chunkId: string) => `copy-chunk.${chunkId}`,
  finish: (runId: string) => `finish-run.${runId}`,
};

/** Stable ids of arbitration jobs, for the same reason. */
export const arbitrationJobId = {
  planDiff: (diffId: string) => `plan-diff.${diffId}`,
  segment: (segmentId: string) => `diff-segment.${segmentId}`,
  finishDiff: (diffId: string) => `finish-diff.${diffId}`,
  planRepair: (repairId: string) => `plan-repair.${repairId}`,
  applyRepair: (repairId: string) => `apply-repair.${repairId}`,
};

/**
 * A sync task's job: one per execution round (a manual execute of a failed task starts a new
 * round), so the reconciler re-adding a lost job never doubles one.
 */
export const groupsJobId = {
  task: (taskId: string, round: number) => `apply-sync-task.${taskId}.${round}`,
};

/** The BullMQ job scheduler of a sync job's cron schedule: one per job, whatever the replicas. */
export const JOB_SCHEDULE_PREFIX = 'job-schedule.';
export const jobScheduleId = (jobId: string) => `${JOB_SCHEDULE_PREFIX}${jobId}`;

/** An event source's full sync: one BullMQ job per run, one job scheduler per source (its cron). */
export const eventFullSyncJobId = (runId: string) => `event-full-sync.${runId}`;
export const FULL_SYNC_SCHEDULE_PREFIX = 'event-full-sync-schedule.';
export const fullSyncScheduleId = (sourceId: string) => `${FULL_SYNC_SCHEDULE_PREFIX}${sourceId}`;

export interface JobDefaults {
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delay: number; jitter?: number };
  removeOnComplete: { age: number; count: number };
  removeOnFail: { age: number };
}

export const DEFAULT_JOB_OPTIONS: Record<QueueName, JobDefaults> = {
  // Transient failures (a target refusing connections) retry for about five minutes.
  [QueueName.Sync]: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
  [QueueName.Arbitration]: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
  // A member that is down is retried for about eight minutes, then the task is failed (issue 13).
  [QueueName.Groups]: {
    attempts: 9,
    backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
  [QueueName.Maintenance]: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
};

/** Recurring jobs the API keeps registered (BullMQ job schedulers, keyed by id). */
export const SYSTEM_SCHEDULES = [
  {
    id: 'system:prune-audit-log',
    pattern: '17 3 * * *',
    job: { name: JobName.PruneAuditLog, data: { v: 1, olderThanDays: 180 } } satisfies AnyJob,
  },
] as const;

export const isJobName = (name: string): name is JobName =>
  (Object.values(JobName) as string[]).includes(name);
