import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The rule in eslint.config.mjs that keeps TypeORM's DataSource inside libs/control-plane (issue 10, item 4).
const root = join(__dirname, '..');
const probe = `import { DataSource } from 'typeorm';
import type { DataSource as Store } from 'typeorm';
import * as orm from 'typeorm';
import { In, Repository } from 'typeorm';
export const probe = (a: DataSource, b: Store, c: typeof orm, d: typeof In, e?: Repository<object>) => [a, b, c, d, e];
`;

// The CLI in a child process: the flat config is an ES module, which jest's VM cannot import.
function restricted(filePath: string): number[] {
  const eslint = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const run = spawnSync(process.execPath, [eslint, '--stdin', '--stdin-filename', join(root, filePath), '--format', 'json'], { cwd: root, input: probe, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null; line: number }[] }[];
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.line);
}

describe('lint: no raw DataSource outside libs/control-plane', () => {
  it('fails on importing DataSource from typeorm (named, aliased, type-only or through a namespace) in the apps, the libs and migrations', () => {
    for (const file of ['apps/api/src/modules/health/probe.ts', 'apps/worker/src/handlers/probe.ts', 'libs/queue/src/probe.ts', 'libs/testing/src/probe.ts', 'migrations/probe.ts']) {
      expect({ file, lines: restricted(file) }).toEqual({ file, lines: [1, 2, 3] });
    }
  }, 60_000);

  it('allows it in libs/control-plane, the owner, and in tests that check what the store holds', () => {
    expect(restricted('libs/control-plane/src/store/probe.ts')).toEqual([]);
    expect(restricted('apps/api/test/probe.e2e-spec.ts')).toEqual([]);
    expect(restricted('apps/worker/src/runs/probe.int-spec.ts')).toEqual([]);
  }, 60_000);
});
