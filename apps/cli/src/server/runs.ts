import { type Schema, serverEvents } from '@dbferry/api-client';
import { CliError, EXIT, type ExitCode } from '../cli-error';
import { printErrorLine, printLine, toJson } from '../output';
import { type ApiClient, unwrap } from './api';

type RunView = Schema<'RunView'>;

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);
const MAX_RECONNECTS = 20;

/** The exit code a run's end gives: 0 succeeded, 3 succeeded with rejected rows, 1 failed or cancelled. */
export function runExitCode(run: RunView): ExitCode {
  if (run.status === 'succeeded') return Number(run.rejects) > 0 ? EXIT.partial : EXIT.ok;
  return EXIT.failed;
}

export function runLine(run: RunView): string {
  const tables = run.tables ?? [];
  const done = tables.filter((t) => ENDED.has(t.status)).length;
  const rate = run.rowsPerSecond ? `, ${Math.round(Number(run.rowsPerSecond))} rows/s` : '';
  const rejects = Number(run.rejects) > 0 ? `, ${run.rejects} rejected` : '';
  return `run ${run.id}: ${run.status}, ${run.rowsWritten} rows written${rate}${rejects}, tables ${done}/${tables.length}${run.error ? ` — ${run.error}` : ''}`;
}

/**
 * Follows a run over its SSE stream (GET /api/runs/:id/stream) until it ends, printing a line per
 * change (or, with --json, each run snapshot as one JSON line); a dropped stream is reopened.
 */
export async function watchRun(api: ApiClient, runId: string, options: { json?: boolean }): Promise<ExitCode> {
  let last: RunView | undefined;
  for (let attempt = 0; attempt <= MAX_RECONNECTS; attempt++) {
    const answer = await api.GET('/api/runs/{id}/stream', { params: { path: { id: runId } }, parseAs: 'stream', headers: { Accept: 'text/event-stream' } });
    if (!answer.response.ok || !answer.data) {
      await unwrap(api.GET('/api/runs/{id}', { params: { path: { id: runId } } }), `run ${runId}`);
      throw new CliError(`run ${runId}: the stream answered ${answer.response.status}`);
    }
    try {
      for await (const message of serverEvents(answer.data)) {
        if (message.event !== 'run') continue;
        const run = JSON.parse(message.data) as RunView;
        last = run;
        if (options.json) process.stdout.write(`${toJson(run).replace(/\n\s*/g, '')}\n`);
        else printLine(runLine(run));
        if (ENDED.has(run.status)) return finish(run, options);
      }
    } catch (error) {
      if (attempt === MAX_RECONNECTS) throw error;
    }
    // The stream closed before the end: read the run once, and follow it again if it goes on.
    const run = await unwrap(api.GET('/api/runs/{id}', { params: { path: { id: runId } } }), `run ${runId}`);
    if (ENDED.has(run.status)) {
      if (!last || last.status !== run.status) {
        if (options.json) process.stdout.write(`${toJson(run).replace(/\n\s*/g, '')}\n`);
        else printLine(runLine(run));
      }
      return finish(run, options);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new CliError(`run ${runId}: the stream kept closing before the run ended`);
}

function finish(run: RunView, options: { json?: boolean }): ExitCode {
  if (!options.json && run.status !== 'succeeded') {
    for (const t of run.tables ?? []) if (t.error) printErrorLine(`dbferry: ${t.source}: ${t.error}`);
  }
  return runExitCode(run);
}
