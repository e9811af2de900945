import { Injectable, Logger } from '@nestjs/common';
import {
  RunChunkEntity,
  RunEntity,
  RunRejectEntity,
  RunStatus,
  RunTableEntity,
} from '@dbferry/control-plane';
import type { Alert, RunAlertKind } from '@dbferry/notify';
import { AlertSender } from '../alerts/alert-sender';
import { RunStore } from './run-store';

/** The most failing tables, and failed chunks and rejected rows per table, an alert names. */
const MAX_TABLES = 5;
const MAX_CHUNKS = 3;
const MAX_REJECTS = 3;
const MAX_ERROR = 300;
/** What the run log calls each mail. */
const ALERT_WORDS: Record<RunAlertKind, string> = { 'run-failed': 'failure', 'run-recovered': 'recovery', 'run-drift': 'drift' };

/**
 * Which mail a settled run calls for: a failure always (the deduper may still hold it back),
 * a success only when the job's previous finished run failed. Cancelled runs mail nothing
 * and do not count as the previous run.
 */
export function runAlertKind(status: RunStatus, previousStatus: RunStatus | null): RunAlertKind | null {
  if (status === 'failed') return 'run-failed';
  if (status === 'succeeded' && previousStatus === 'failed') return 'run-recovered';
  return null;
}

export interface RunAlertFacts {
  kind: RunAlertKind;
  jobName: string;
  run: Pick<RunEntity, 'id' | 'status' | 'trigger' | 'error' | 'rowsRead' | 'rowsWritten' | 'startedAt' | 'finishedAt'>;
  tables: Pick<RunTableEntity, 'id' | 'sourceTable' | 'targetTable' | 'status' | 'error' | 'chunksTotal' | 'rejects'>[];
  /** Failed chunks of the run's tables. */
  failedChunks: Pick<RunChunkEntity, 'runTableId' | 'ordinal' | 'error'>[];
  /** The first rows each failing table's target refused. */
  rejects?: Pick<RunRejectEntity, 'runTableId' | 'key' | 'columnName' | 'error'>[];
  previousRunId?: string;
}

const short = (text: string | null) => {
  const line = (text ?? 'no error recorded').replace(/\s+/g, ' ').trim();
  return line.length > MAX_ERROR ? `${line.slice(0, MAX_ERROR)}…` : line;
};

/** The mail for a settled run: what failed and where, with no secret (the mailer scrubs the rest). */
export function describeRunAlert(facts: RunAlertFacts, at = new Date()): Alert {
  const { run, tables } = facts;
  const details: Record<string, string> = { Status: run.status, Trigger: run.trigger, 'Rows read': run.rowsRead, 'Rows written': run.rowsWritten };
  if (run.startedAt) details.Started = run.startedAt.toISOString();
  if (run.finishedAt) details.Finished = run.finishedAt.toISOString();
  if (facts.kind === 'run-recovered') {
    return {
      kind: 'run-recovered',
      jobName: facts.jobName,
      runId: run.id,
      summary: `The run succeeded${facts.previousRunId ? `; the previous run (${facts.previousRunId}) had failed` : ''}.`,
      details: { ...details, Tables: String(tables.length) },
      at,
    };
  }
  const failing = tables.filter((t) => t.status === 'failed');
  const lines = [short(run.error)];
  for (const table of failing.slice(0, MAX_TABLES)) {
    const chunks = facts.failedChunks.filter((c) => c.runTableId === table.id).sort((a, b) => a.ordinal - b.ordinal);
    const rejects = (facts.rejects ?? []).filter((r) => r.runTableId === table.id);
    const what = chunks.length ? `${chunks.length} of ${table.chunksTotal} chunk(s) failed` : short(table.error);
    lines.push(`- ${table.sourceTable} → ${table.targetTable}: ${what}`);
    for (const chunk of chunks.slice(0, MAX_CHUNKS)) lines.push(`    chunk ${chunk.ordinal}: ${short(chunk.error)}`);
    if (chunks.length > MAX_CHUNKS) lines.push(`    … and ${chunks.length - MAX_CHUNKS} more chunk(s)`);
    for (const reject of rejects.slice(0, MAX_REJECTS)) {
      const key = JSON.stringify(reject.key).slice(0, 80);
      lines.push(`    rejected row ${key}${reject.columnName ? ` (${reject.columnName})` : ''}: ${short(reject.error)}`);
    }
    const moreRejects = Math.max(Number(table.rejects), rejects.length) - Math.min(rejects.length, MAX_REJECTS);
    if (rejects.length && moreRejects > 0) lines.push(`    … and ${moreRejects} more rejected row(s)`);
  }
  if (failing.length > MAX_TABLES) lines.push(`… and ${failing.length - MAX_TABLES} more failed table(s)`);
  if (tables.length) details['Tables failed'] = `${failing.length} of ${tables.length}`;
  return { kind: 'run-failed', jobName: facts.jobName, runId: run.id, summary: lines.join('\n'), details, at };
}

export interface DriftAlertFacts {
  jobName: string;
  run: Pick<RunEntity, 'id' | 'status' | 'drift' | 'verifyError' | 'rowsWritten' | 'finishedAt'>;
  tables: Pick<RunTableEntity, 'sourceTable' | 'targetTable' | 'drift' | 'verifyError'>[];
}

/** The mail for a verified run that found drift (or could not verify): the counts per table and a few keys of each kind. */
export function describeDriftAlert(facts: DriftAlertFacts, at = new Date()): Alert {
  const { run } = facts;
  const lines: string[] = [];
  if (run.drift !== null && Number(run.drift) > 0) lines.push(`The run's verify found ${run.drift} row(s) on the target that differ from the source.`);
  if (run.verifyError) lines.push(`The verify could not finish: ${short(run.verifyError)}`);
  const drifted = facts.tables.filter((t) => (t.drift?.total ?? 0) > 0 || t.verifyError);
  for (const table of drifted.slice(0, MAX_TABLES)) {
    if (table.verifyError) {
      lines.push(`- ${table.sourceTable} → ${table.targetTable}: not verified: ${short(table.verifyError)}`);
      continue;
    }
    const d = table.drift as NonNullable<RunTableEntity['drift']>;
    lines.push(`- ${table.sourceTable} → ${table.targetTable}: ${d.missing} missing, ${d.extra} extra, ${d.different} different`);
    for (const sample of d.samples.slice(0, MAX_REJECTS * 3)) {
      lines.push(`    ${sample.kind} ${JSON.stringify(sample.key).slice(0, 80)}${sample.columns ? ` (${sample.columns.join(', ')})` : ''}`);
    }
  }
  if (drifted.length > MAX_TABLES) lines.push(`… and ${drifted.length - MAX_TABLES} more table(s)`);
  const details: Record<string, string> = { Status: run.status, Drift: run.drift ?? 'not verified', 'Rows written': run.rowsWritten };
  if (run.finishedAt) details.Finished = run.finishedAt.toISOString();
  return { kind: 'run-drift', jobName: facts.jobName, runId: run.id, summary: lines.join('\n'), details, at };
}

/**
 * Mails the alert a settled run calls for. Never throws and never touches the run: a failure
 * to send is written to the run log and the worker log, and its dedupe claim is given back.
 */
@Injectable()
export class RunAlerts {
  private readonly logger = new Logger(RunAlerts.name);

  constructor(
    private readonly store: RunStore,
    private readonly sender: AlertSender,
  ) {}

  /** Called once a run has been settled (failed, succeeded or cancelled); reads the outcome from the store. */
  async runEnded(runId: string): Promise<void> {
    await this.withinBudget(runId, () => this.alert(runId));
  }

  /**
   * Called once a verified run has been settled: mails its drift (or its unfinished verify),
   * at most once per job per window; a clean verify ends the incident.
   */
  async verifyEnded(runId: string): Promise<void> {
    await this.withinBudget(runId, () => this.driftAlert(runId));
  }

  private async withinBudget(runId: string, send: () => Promise<void>): Promise<void> {
    await this.sender.withinBudget(
      send,
      async (message) => {
        this.logger.warn(`run ${runId}: ${message}`);
        await this.store.logEnd(runId, 'warn', message).catch(() => undefined);
      },
      () => this.logger.warn(`alert for run ${runId} still pending after the alert budget; the run is settled, moving on`),
    );
  }

  private async alert(runId: string): Promise<void> {
    const run = await this.store.run(runId);
    if (!run || !run.finishedAt) return;
    const previous = await this.store.previousSettled(run.jobId, run.id);
    const kind = runAlertKind(run.status, previous?.status ?? null);
    if (!kind) return;
    await this.mail(run, kind, () => this.describe(kind, run, previous?.id));
  }

  private async driftAlert(runId: string): Promise<void> {
    const run = await this.store.run(runId);
    if (!run || !run.finishedAt) return;
    const drifted = (run.drift !== null && Number(run.drift) > 0) || !!run.verifyError;
    if (!drifted) {
      // Clearing a key needs only the namespace, not the saved window.
      if (run.drift !== null) await this.sender.deduper().driftCleared(run.jobId);
      return;
    }
    await this.mail(run, 'run-drift', async () => {
      const job = await this.store.job(run.jobId);
      const tables = await this.store.tables(run.id);
      return { content: describeDriftAlert({ jobName: job?.name ?? run.jobId, run, tables }), secrets: await this.passwords(job) };
    });
  }

  private async mail(run: RunEntity, kind: RunAlertKind, compose: () => Promise<{ content: Alert; secrets: string[] }>): Promise<void> {
    const outcome = await this.sender.send({ kind, key: run.jobId, occurrence: run.id, compose });
    if (outcome.status === 'held') {
      const what = kind === 'run-drift' ? 'drift' : 'failure';
      await this.store.logEnd(run.id, 'info', `alert mail held back: this job's ${what} was already mailed within the last ${outcome.windowMs / 1000} s`);
    } else if (outcome.status === 'sent') {
      await this.store.logEnd(run.id, 'info', `${ALERT_WORDS[kind]} alert mailed to ${outcome.accepted} recipient(s)`);
    }
  }

  /** The passwords of the job's ends: driver errors rarely echo one, but if one does it must not reach a mailbox. */
  private async passwords(job: { sourceId: string; targetId: string } | null): Promise<string[]> {
    return job ? this.sender.passwords([job.sourceId, job.targetId]) : [];
  }

  private async describe(kind: RunAlertKind, run: RunEntity, previousRunId: string | undefined): Promise<{ content: Alert; secrets: string[] }> {
    const job = await this.store.job(run.jobId);
    const tables = await this.store.tables(run.id);
    const failing = tables.filter((t) => t.status === 'failed').map((t) => t.id);
    const failedChunks = (await this.store.chunks(failing)).filter((c) => c.status === 'failed');
    const rejects = (await this.store.firstRejects(run.id, failing, MAX_REJECTS)) as RunAlertFacts['rejects'];
    const secrets = await this.passwords(job);
    const content = describeRunAlert({ kind, jobName: job?.name ?? run.jobId, run, tables, failedChunks, rejects, previousRunId });
    return { content, secrets };
  }
}
