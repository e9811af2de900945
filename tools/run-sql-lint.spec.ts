import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The rule in eslint.config.mjs that leaves run state to RunRepository (issue 10, item 4).
const root = join(__dirname, '..');
const probe = `export async function probe(db: { query(sql: string, p?: unknown[]): Promise<unknown> }, id: string) {
  await db.query(\`UPDATE run_chunk SET status = 'done' WHERE id = $1\`, [id]);
  await db.query('SELECT status FROM run WHERE id = $1 FOR UPDATE', [id]);
  await db.query(\`INSERT INTO run_log (run_id, message)
    VALUES ($1, 'x')\`, [id]);
  await db.query('SELECT * FROM running_total JOIN sync_job USING (id)');
  return 'the run finished from the queue';
}
`;

// The CLI in a child process: the flat config is an ES module, which jest's VM cannot import.
function restricted(filePath: string): number[] {
  const eslint = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const run = spawnSync(process.execPath, [eslint, '--stdin', '--stdin-filename', join(root, filePath), '--format', 'json'], { cwd: root, input: probe, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null; line: number }[] }[];
  return result.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.line);
}

describe('lint: no SQL on the run tables outside libs/control-plane', () => {
  it('fails on a string or template naming a run table after FROM, UPDATE, INTO or JOIN, in the apps, the engine and the dialects', () => {
    for (const file of ['apps/worker/src/probe.ts', 'apps/api/src/modules/runs/probe.ts', 'libs/engine/src/probe.ts', 'libs/dialects/postgres/src/probe.ts']) {
      expect({ file, lines: restricted(file) }).toEqual({ file, lines: [2, 3, 4] });
    }
  }, 60_000);

  it('allows it in libs/control-plane (RunRepository) and in tests', () => {
    expect(restricted('libs/control-plane/src/runs/probe.ts')).toEqual([]);
    expect(restricted('apps/worker/src/runs/probe.int-spec.ts')).toEqual([]);
  }, 60_000);
});
