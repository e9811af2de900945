/**
 * One dbferry copy in a process of its own, as a worker process would run it, so its peak RSS
 * is the copy's and not the benchmark harness's. bench.ts starts it with the copy's input as
 * JSON in argv[2]; it prints one JSON line (ChildResult) on stdout. RSS is sampled every 50 ms
 * from just before the first connect until the last session is closed.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { dataOf, dbferryCopy, type DbferryCopyInput, type DbferryCopyResult, type Endpoint } from './dbferry-copy';
import { RssSampler } from './rss';

export interface ChildInput extends DbferryCopyInput {
  /** After the timing: compare each side's order-independent checksum. */
  verify: boolean;
  /** Write a V8 CPU profile of the copy alone (not the module loading) to this file. */
  cpuProfile?: string;
}

export interface ChildResult {
  seconds: number;
  /** RSS when the copy started (the process with its modules loaded), and the peak during it. */
  startRssBytes: number;
  peakRssBytes: number;
  /** At the RSS peak: the V8 heap's reserved and used bytes, and memory outside it (Buffers). */
  peakMemory: { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  /** This process's CPU (user + system) during the copy, seconds. */
  cpuSeconds: number;
  copy: Omit<DbferryCopyResult, 'columns' | 'keyColumns'>;
  checksum: 'match' | 'mismatch' | 'not run';
  checksumDetail?: string;
}

async function digest(end: Endpoint, copy: DbferryCopyResult): Promise<{ rows: number; hash: string }> {
  const session = await dialectFor(end.dialect).connect({ dialect: end.dialect, ...parseConnectionUrl(end.dialect, end.url) }, { timeoutMs: 15_000 });
  try {
    return await dataOf(session, end.dialect).checksummer.checksum({ table: end.table, columns: copy.columns, keyColumns: copy.keyColumns });
  } finally {
    await session.close();
  }
}

/** Starts the V8 sampling profiler through the inspector; the returned function stops it and writes the profile. */
async function startProfiler(file: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    session.disconnect();
    await writeFile(file, JSON.stringify(profile));
  };
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput;
  const stopProfiler = input.cpuProfile ? await startProfiler(input.cpuProfile) : undefined;
  const sampler = new RssSampler(50);
  const startRssBytes = process.memoryUsage().rss;
  sampler.start();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let copy: DbferryCopyResult;
  let peakRssBytes: number;
  try {
    copy = await dbferryCopy(input);
  } finally {
    peakRssBytes = sampler.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await stopProfiler?.();
  const { columns: _columns, keyColumns: _keys, ...summary } = copy;
  const { heapTotal, heapUsed, external, arrayBuffers } = sampler.atPeak();
  const peakMemory = { heapTotal, heapUsed, external, arrayBuffers };
  const result: ChildResult = { seconds, startRssBytes, peakRssBytes, peakMemory, cpuSeconds, copy: summary, checksum: 'not run' };
  if (input.verify) {
    const [a, b] = await Promise.all([digest(input.source, copy), digest(input.target, copy)]);
    result.checksum = a.rows === b.rows && a.hash === b.hash ? 'match' : 'mismatch';
    result.checksumDetail = `source ${a.rows} rows ${a.hash}, target ${b.rows} rows ${b.hash}`;
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stdout.write(`${JSON.stringify({ error: message })}\n`);
  process.exit(1);
});
