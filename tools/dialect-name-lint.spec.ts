import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The rule in eslint.config.mjs that keeps SQL behind the dialect contract (issue 10, item 3).
const root = join(__dirname, '..');
const probe = `import type { DialectName } from '@dbferry/dialects-core';
export const styles: Record<DialectName, number> = { postgres: 1, mysql: 2, mssql: 3, oracle: 4, sqlite: 5 };
export const names: Record<string, DialectName> = {};
export function pick(d: DialectName): number {
  if (d === 'mysql') return 1;
  if ('oracle' !== d) return 2;
  switch (d) {
    case 'sqlite':
      return 3;
    default:
      return names.x === d ? 4 : 5;
  }
}
`;

// The CLI in a child process: the flat config is an ES module, which jest's VM cannot import.
function restricted(filePath: string): number[] {
  const eslint = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const run = spawnSync(process.execPath, [eslint, '--stdin', '--stdin-filename', join(root, filePath), '--format', 'json'], { cwd: root, input: probe, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null; line: number }[] }[];
  return result.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.line);
}

describe('lint: no branching on a dialect name outside libs/dialects', () => {
  it('fails on Record<DialectName, …>, a comparison with a dialect name and a switch case on one, in the engine and the apps', () => {
    expect(restricted('libs/engine/src/probe.ts')).toEqual([2, 5, 6, 8]);
    expect(restricted('apps/api/src/modules/jobs/probe.ts')).toEqual([2, 5, 6, 8]);
  }, 60_000);

  it('allows it inside libs/dialects and in tests', () => {
    expect(restricted('libs/dialects/registry/src/probe.ts')).toEqual([]);
    expect(restricted('libs/engine/src/probe.spec.ts')).toEqual([]);
  }, 60_000);
});
