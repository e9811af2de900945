import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConnectionSpecError } from '@dbferry/dialects-core';

function refuse(reason: string): never {
  throw new ConnectionSpecError('database', reason);
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

/** realpath of the path, or of its nearest existing ancestor joined with the missing rest. */
async function realPathOfMaybeMissing(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (let retries = 0; ; ) {
    try {
      const real = await realpath(current);
      return missing.length > 0 ? join(real, ...missing.reverse()) : real;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const entry = await lstat(current).catch(() => undefined);
      // A name that exists but does not resolve is a dangling symlink: its target is unchecked.
      if (entry?.isSymbolicLink()) refuse('is a symbolic link to a missing target');
      // Anything else appeared since realpath looked (a concurrent run made the directory): resolve it again.
      if (entry && retries++ < 3) continue;
      if (entry) refuse('changed while it was being checked');
      const parent = dirname(current);
      if (parent === current) throw error;
      missing.push(current.slice(parent.length).replace(/^[\\/]+/, ''));
      current = parent;
    }
  }
}

/**
 * The absolute, symlink-free path of a SQLite file that must live under `root`. `database` is
 * relative to root or absolute; `..` segments, NUL bytes and links leading out are refused.
 */
export async function resolveSqlitePath(root: string, database: string): Promise<string> {
  if (typeof database !== 'string' || database.trim() === '') refuse('is required');
  if (database.includes('\0')) refuse('contains a NUL byte');
  if (database.split(/[\\/]+/).includes('..')) refuse('may not contain ".." segments');
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    refuse(`the SQLite root directory (SQLITE_ROOT=${root}) does not exist`);
  }
  const candidate = isAbsolute(database) ? resolve(database) : resolve(realRoot, database);
  const real = await realPathOfMaybeMissing(candidate);
  const rel = relative(realRoot, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    // The root is configuration, not a secret: saying it tells the operator where files may go.
    refuse(`is outside the SQLite root directory (SQLITE_ROOT=${realRoot}); give a path relative to it or under it`);
  }
  const stats = await stat(real).catch(() => undefined);
  if (stats?.isDirectory()) refuse('is a directory, not a database file');
  return real;
}

/**
 * Creates a missing SQLite file at a path resolveSqlitePath returned (so it and its missing
 * parents lie inside the root): parents as 0700, the file empty (a valid database) as 0600.
 * An existing file is left as it is; a symlink put in its place since the check is not followed.
 */
export async function createSqliteFile(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let handle;
  try {
    handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') return;
    throw error;
  }
  try {
    await handle.chmod(0o600); // exactly 0600, whatever the umask
  } finally {
    await handle.close();
  }
}
