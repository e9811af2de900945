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
  /** The TypeScript entry point, from the repository root. */
  script: string;
  portVariable: string;
  /** The whole environment besides PATH and HOME. */
  env: Record<string, string>;
  nodeArgs?: string[];
}): Promise<Service> {
  const port = await freePort();
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env, [options.portVariable]: String(port) };
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '-r', './tools/register.js', options.script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
