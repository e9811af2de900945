import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, UsageError } from '../cli-error';
import { addSecret } from '../redact';

export interface Credentials {
  server: string;
  username: string;
  accessToken: string;
  /** When the token expires (ISO), from the login's expiresIn. */
  expiresAt: string;
}

/** ~/.config/dbferry (or $DBFERRY_CONFIG_DIR, or $XDG_CONFIG_HOME/dbferry). */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DBFERRY_CONFIG_DIR) return env.DBFERRY_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'dbferry');
}

export const credentialsPath = (env: NodeJS.ProcessEnv = process.env) => join(configDir(env), 'credentials.json');

/** Saved readable by the user alone: the directory 0700, the file 0600 (tightened again if it existed). */
export async function saveCredentials(credentials: Credentials): Promise<string> {
  const dir = configDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = credentialsPath();
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

/**
 * The server and token to use: DBFERRY_SERVER and DBFERRY_TOKEN when set (scripts, CI), else
 * the saved login.
 */
export async function loadCredentials(): Promise<{ server: string; accessToken: string }> {
  const env = process.env;
  if (env.DBFERRY_TOKEN) {
    if (!env.DBFERRY_SERVER) throw new UsageError('DBFERRY_SERVER: set it with DBFERRY_TOKEN (the API base URL, e.g. http://localhost:3000)');
    addSecret(env.DBFERRY_TOKEN);
    return { server: env.DBFERRY_SERVER, accessToken: env.DBFERRY_TOKEN };
  }
  let saved: Credentials;
  try {
    saved = JSON.parse(await readFile(credentialsPath(), 'utf8')) as Credentials;
  } catch {
    throw new CliError('not logged in: run `dbferry login SERVER_URL --username NAME` first');
  }
  addSecret(saved.accessToken);
  if (Date.parse(saved.expiresAt) <= Date.now()) throw new CliError(`the login to ${saved.server} has expired: run \`dbferry login\` again`);
  return { server: env.DBFERRY_SERVER ?? saved.server, accessToken: saved.accessToken };
}
