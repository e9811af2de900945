import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionSpecError } from '@dbferry/dialects-core';
import { resolveSqlitePath } from './sqlite-path';

describe('resolveSqlitePath', () => {
  let base: string;
  let root: string;
  let outside: string;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'dbferry-sqlite-path-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(join(root, 'sub'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(root, 'sub', 'app.db'), '');
    await writeFile(join(outside, 'secret.db'), '');
    await symlink(join(outside, 'secret.db'), join(root, 'link-out.db'));
    await symlink(outside, join(root, 'dir-out'));
    await symlink(join(root, 'sub', 'app.db'), join(root, 'link-in.db'));
    await symlink(join(outside, 'missing.db'), join(root, 'dangling.db'));
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  async function refused(database: string, rootDir = root): Promise<string> {
    const error = await resolveSqlitePath(rootDir, database).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionSpecError);
    expect((error as ConnectionSpecError).field).toBe('database');
    return (error as ConnectionSpecError).message;
  }

  it('resolves a relative path under the root', async () => {
    await expect(resolveSqlitePath(root, 'sub/app.db')).resolves.toBe(join(root, 'sub', 'app.db'));
  });

  it('accepts an absolute path inside the root', async () => {
    await expect(resolveSqlitePath(root, join(root, 'sub', 'app.db'))).resolves.toBe(join(root, 'sub', 'app.db'));
  });

  it('accepts a file that does not exist yet, under an existing directory', async () => {
    await expect(resolveSqlitePath(root, 'sub/new/deeper.db')).resolves.toBe(join(root, 'sub', 'new', 'deeper.db'));
  });

  it('follows a symlink that stays inside the root', async () => {
    await expect(resolveSqlitePath(root, 'link-in.db')).resolves.toBe(join(root, 'sub', 'app.db'));
  });

  it('accepts a root given through a symlink', async () => {
    const alias = join(base, 'root-alias');
    await symlink(root, alias);
    await expect(resolveSqlitePath(alias, 'sub/app.db')).resolves.toBe(join(root, 'sub', 'app.db'));
  });

  it.each(['../outside/secret.db', 'sub/../../outside/secret.db', 'sub/..', '..\\outside\\secret.db'])(
    'refuses the ".." in %s',
    async (database) => {
      expect(await refused(database)).toContain('".."');
    },
  );

  it('refuses NUL bytes', async () => {
    expect(await refused('app.db\0.txt')).toContain('NUL');
  });

  it('refuses an absolute path outside the root, saying where the root is', async () => {
    const message = await refused(join(outside, 'secret.db'));
    expect(message).toContain('outside the SQLite root');
    expect(message).toContain(`SQLITE_ROOT=${root}`);
  });

  it('refuses a symlinked file pointing outside', async () => {
    expect(await refused('link-out.db')).toContain('outside the SQLite root');
  });

  it('refuses a new file under a symlinked directory pointing outside', async () => {
    expect(await refused('dir-out/new.db')).toContain('outside the SQLite root');
  });

  it('refuses a dangling symlink', async () => {
    expect(await refused('dangling.db')).toContain('symbolic link');
  });

  it('refuses the root itself and a directory', async () => {
    await refused('.');
    expect(await refused('sub')).toContain('directory');
  });

  it('refuses when the root does not exist', async () => {
    await refused('x.db', join(base, 'no-such-root'));
  });
});
