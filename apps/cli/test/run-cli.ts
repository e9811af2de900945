import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');
export const BIN = join(ROOT, 'apps', 'cli', 'bin', 'dbferry.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `dbferry …` as a user would (node on the launcher, no TTY), bounded in time. */
export function runCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number; shell?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = options.shell
      ? spawn('bash', ['-c', options.shell], { cwd: ROOT, env: { ...process.env, ...options.env } })
      : spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dbferry ${args.join(' ')} did not end in time; stderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The quoted shell words of a command line, for `script -qec`. */
export const shellWords = (words: string[]) => words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
