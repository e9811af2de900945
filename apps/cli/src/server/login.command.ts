import { EXIT, type ExitCode, UsageError } from '../cli-error';
import { printJson, printLine } from '../output';
import { addSecret } from '../redact';
import { clientFor, unwrap } from './api';
import { saveCredentials } from './credentials';

export interface LoginOptions {
  username?: string;
  json?: boolean;
}

/** Reads a line from the terminal without echoing it (raw mode; Ctrl-C aborts). */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.reject(new UsageError('password: set DBFERRY_PASSWORD, or run dbferry login on a terminal to be asked'));
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new UsageError('password: cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

export async function loginCommand(server: string | undefined, options: LoginOptions): Promise<ExitCode> {
  const url = server ?? process.env.DBFERRY_SERVER;
  if (!url) throw new UsageError('SERVER_URL: give the API address, e.g. dbferry login http://localhost:3000 --username admin');
  const username = options.username ?? process.env.DBFERRY_USERNAME;
  if (!username) throw new UsageError('--username: required (or DBFERRY_USERNAME)');
  const password = process.env.DBFERRY_PASSWORD ?? (await promptHidden(`password for ${username}: `));
  if (!password) throw new UsageError('password: empty');
  addSecret(password);
  const api = clientFor(url);
  const result = await unwrap(api.POST('/api/auth/login', { body: { username, password } }), 'login');
  addSecret(result.accessToken);
  const expiresAt = new Date(Date.now() + Number(result.expiresIn) * 1000).toISOString();
  const path = await saveCredentials({ server: url.replace(/\/$/, ''), username, accessToken: result.accessToken, expiresAt });
  const mustChange = (result.user as { mustChangePassword?: boolean }).mustChangePassword === true;
  if (options.json) printJson({ server: url, username, role: result.user.role, expiresAt, credentials: path, mustChangePassword: mustChange });
  else {
    printLine(`logged in to ${url} as ${username} (${result.user.role}); token saved in ${path} until ${expiresAt}`);
    if (mustChange) printLine('note: this account must change its password (POST /api/auth/password, or the console) before other calls succeed');
  }
  return EXIT.ok;
}
