import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './ports';

const ROOT = join(__dirname, '..', '..', '..');

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited (at once if it already has). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits for `/health` to answer 200; fails at once, with the output, if the process exits first. */
  ready(timeoutMs?: number): Promise<void>;
  /** Sends a signal and waits for the exit (SIGKILL after `graceMs` if it is still alive). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/**
 * A real worker (`apps/worker/src/main.ts`) as a child process, with the current process.env
 * plus `env`, its ops server on a free port. Tests that kill, restart or drain workers use it.
 */
export async function spawnWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['-r', './tools/register.js', 'apps/worker/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, WORKER_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  return {
    child,
    port,
    output: () => output,
    exited,
    async ready(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (hasExited) throw new Error(`worker exited before it was healthy:\n${output.slice(-4000)}`);
        const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status === 200, () => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`worker not healthy after ${timeoutMs} ms:\n${output.slice(-4000)}`);
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
