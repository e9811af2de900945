/**
 * dbferry's own processes for the end-to-end cases: the API and one worker, each a child node
 * process on a free port (like libs/testing's spawnService, plus node flags such as --cpu-prof,
 * which NODE_OPTIONS does not take).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@dbferry/testing';

const ROOT = join(__dirname, '..', '..');
const OUTPUT_KEEP = 20_000;

export interface Service {
  readonly label: string;
  readonly child: ChildProcess;
  readonly url: string;
  /** The last part of what the process wrote on stdout and stderr. */
  output(): string;
  /** Waits until `path` answers 200; fails at once, with the output, if the process exits first. */
  ready(path: string, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export async function startService(options: {
  label: string;
  /** The entry point, from the repository root: TypeScript (run through tools/register.js) or compiled JavaScript (run as it is). */
  script: string;
  portVariable: string;
  /** The whole environment besides PATH and HOME. */
  env: Record<string, string>;
  nodeArgs?: string[];
}): Promise<Service> {
  const port = await freePort();
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env, [options.portVariable]: String(port) };
  const register = options.script.endsWith('.ts') ? ['-r', './tools/register.js'] : [];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...register, options.script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (data: Buffer) => {
    output = (output + data.toString('utf8')).slice(-OUTPUT_KEEP);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  return {
    label: options.label,
    child,
    url,
    output: () => output,
    async ready(path, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exited) throw new Error(`${options.label} exited before it was ready:\n${output.slice(-3000)}`);
        if (await fetch(`${url}${path}`).then((r) => r.status === 200, () => false)) return;
        if (Date.now() > deadline) throw new Error(`${options.label} not ready after ${timeoutMs} ms:\n${output.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async stop(graceMs = 20_000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** A live process's resident set from Linux /proc: its peak since it started (VmHWM) or now (VmRSS), in bytes; null elsewhere. */
export async function peakRss(pid: number | undefined, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): Promise<number | null> {
  if (pid === undefined) return null;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  const kb = status && new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1];
  return kb ? Number(kb) * 1024 : null;
}

/**
 * Compiles the worker as `npm run build` does (tsc, then tsc-alias for the @dbferry/* paths), but
 * only the worker's own imports (tools/bench/tsconfig.worker.json, into tmp/bench-dist): work in
 * progress elsewhere in the tree cannot stop the bench. Returns the compiled entry point; fails
 * with the compiler's output.
 */
export async function buildWorker(log: (line: string) => void): Promise<string> {
  const started = performance.now();
  const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
  const step = (command: string) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(bin(command), ['-p', WORKER_TSCONFIG], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      const keep = (data: Buffer) => {
        text = (text + data.toString('utf8')).slice(-OUTPUT_KEEP);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} -p ${WORKER_TSCONFIG} exited ${String(code)}:\n${text.slice(-3000)}`))));
    });
  await step('tsc');
  await step('tsc-alias');
  log(`  compiled the worker (${WORKER_TSCONFIG}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return WORKER_BUILD;
}

const WORKER_TSCONFIG = 'tools/bench/tsconfig.worker.json';
/** The worker's entry point under tsconfig.worker.json's outDir (rootDir is the repository root). */
export const WORKER_BUILD = 'tmp/bench-dist/apps/worker/src/main.js';
