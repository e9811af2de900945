import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A compiled file whose inline source map says its line 1 is line 42 of `<name>.ts`. */
function compiled(dir: string, name: string): string {
  const map = { version: 3, file: `${name}.js`, sources: [`${name}.ts`], names: [], mappings: 'AAyCA' };
  const file = join(dir, `${name}.js`);
  writeFileSync(file, `throw new Error('from ${name}');\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`);
  return file;
}

describe('tools/own-source-maps.js', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'own-source-maps-'));
    mkdirSync(join(dir, 'node_modules', 'pkg'), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const stackOf = (file: string) => {
    const script = `try { require(${JSON.stringify(file)}) } catch (e) { process.stdout.write(e.stack) }`;
    return execFileSync(process.execPath, ['-r', join(__dirname, 'own-source-maps.js'), '-e', script], { encoding: 'utf8' });
  };

  it("maps dbferry's own compiled files to their TypeScript lines", () => {
    expect(stackOf(compiled(dir, 'own'))).toMatch(/own\.ts:42:1/);
  });

  it('does not load the source maps packages under node_modules ship', () => {
    const stack = stackOf(compiled(join(dir, 'node_modules', 'pkg'), 'pkg'));
    expect(stack).toMatch(/pkg\.js:1:/);
    expect(stack).not.toMatch(/pkg\.ts/);
  });
});
