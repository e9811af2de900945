/**
 * Streams N rows PostgreSQL → PostgreSQL through the real reader and writer and prints the
 * process's peak RSS as JSON. Run in its own process by memory.int-spec.ts so the figure is
 * the copy's alone, not the test runner's: `node -r ./tools/register.js <this> <pgUrl> <rows>`.
 */
import { parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';

async function main(): Promise<void> {
  const [url, rowsArg] = process.argv.slice(2);
  const rows = Number(rowsArg);
  const dialect = dialectFor('postgres');
  const spec = { dialect: 'postgres' as const, ...parseConnectionUrl('postgres', url) };
  const reader = await dialect.connect(spec, { timeoutMs: 10_000 });
  const writer = await dialect.connect(spec, { timeoutMs: 10_000 });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  try {
    if (!reader.data || !writer.data) throw new Error('postgres has no data plane');
    const data = reader.data;
    const out = writer.data;
    await data.execute([
      'CREATE TABLE mem_source (id bigint PRIMARY KEY, label text, amount numeric(12,2), at timestamp(6), note text)',
      `INSERT INTO mem_source SELECT g, 'row ' || g, g * 1.25, timestamp '2024-01-01' + g * interval '1 microsecond', repeat('x', 40) FROM generate_series(1, ${rows}) g`,
    ]);
    const source = await data.introspector.describeTable({ schema: 'public', name: 'mem_source' });
    if (!source) throw new Error('mem_source was not created');
    const target = { schema: 'public', name: 'mem_target' };
    await out.execute(out.ddl.createTable(target, source).statements);
    const started = Date.now();
    const result = await out.writer.write(
      { table: target, columns: source.columns, keyColumns: ['id'], mode: 'insert' },
      data.reader.read({ table: source, columns: source.columns, keyColumns: ['id'], batchSize: 5000 }),
    );
    peak = Math.max(peak, process.memoryUsage().rss);
    process.stdout.write(`${JSON.stringify({ rows: result.rowsWritten, peakRssBytes: peak, seconds: (Date.now() - started) / 1000 })}\n`);
  } finally {
    clearInterval(sampler);
    await reader.close();
    await writer.close();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
