/** Runs the baselines' command-line tools, alone or as a producer | consumer pipe, without a shell. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Command {
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

const STDERR_KEEP = 4000;

function finished(child: ChildProcess, label: string, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`${label}: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${label} exited with ${code ?? signal}: ${stderr().trim().slice(-STDERR_KEEP)}`));
    });
  });
}

function start(command: Command, stdin: 'pipe' | 'ignore'): { child: ChildProcess; stderr: () => string } {
  const child = spawn(command.cmd, command.args, { env: { ...process.env, ...command.env }, stdio: [stdin, 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    err = (err + text).slice(-STDERR_KEEP * 2);
  });
  return { child, stderr: () => err };
}

/** Runs one command to completion; resolves with its stdout (kept only when small). */
export async function run(command: Command): Promise<string> {
  const { child, stderr } = start(command, 'ignore');
  let out = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (text: string) => {
    if (out.length < 1_000_000) out += text;
  });
  try {
    await finished(child, command.cmd, stderr);
  } catch (error) {
    // What the command printed on stdout before failing often says why (dbferry-child.ts prints its error there).
    const tail = out.trim().slice(-STDERR_KEEP);
    throw new Error(`${(error as Error).message}${tail ? `\nstdout: ${tail}` : ''}`);
  }
  return out;
}

/** Quotes one word for sh. */
export const shellQuote = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

const commandLine = (c: Command): string => [c.cmd, ...c.args].map(shellQuote).join(' ');

/**
 * `producer | consumer` through an OS pipe set up by bash (pipefail: either side failing fails
 * the whole), so the bytes never pass through this process.
 */
export async function pipe(producer: Command, consumer: Command): Promise<void> {
  await run({
    cmd: 'bash',
    args: ['-o', 'pipefail', '-c', `${commandLine(producer)} | ${commandLine(consumer)}`],
    env: { ...producer.env, ...consumer.env },
  });
}

export async function hasCommand(cmd: string): Promise<boolean> {
  try {
    await run({ cmd: 'sh', args: ['-c', `command -v ${cmd}`] });
    return true;
  } catch {
    return false;
  }
}
