import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './ports';

const ROOT = join(__dirname, '..', '..', '..');

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited (at once if it already has). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits for the health path to answer 200; fails at once, with the output, if the process exits first. */
  ready(timeoutMs?: number): Promise<void>;
  /** Sends a signal and waits for the exit (SIGKILL after `graceMs` if it is still alive). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface ServiceOptions {
  /** What the errors call it: "api", "worker". */
  label: string;
  /** The TypeScript entry point, from the repository root. */
  script: string;
  /** The variable that tells the process its port; a free one is chosen. */
  portVariable: string;
  healthPath: string;
  /** The child's whole environment besides PATH, HOME and the port: undefined values are left unset. */
  env: Record<string, string | undefined>;
}

/** One of dbferry's processes (api or worker) as a child process, on a free port. */
export async function spawnService(options: ServiceOptions): Promise<ServiceProcess> {
  const port = await freePort();
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  for (const [key, value] of Object.entries(options.env)) if (value !== undefined) env[key] = value;
  env[options.portVariable] = String(port);
  let output = '';
  const child = spawn(process.execPath, ['-r', './tools/register.js', options.script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const url = `http://127.0.0.1:${port}`;

  return {
    child,
    port,
    url,
    output: () => output,
    exited,
    async ready(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (hasExited) throw new Error(`${options.label} exited before it was ready:\n${output.slice(-4000)}`);
        const ok = await fetch(`${url}${options.healthPath}`).then((r) => r.status === 200, () => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`${options.label} not ready after ${timeoutMs} ms:\n${output.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop(signal = 'SIGTERM', graceMs = 20_000) {
      if (hasExited) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
