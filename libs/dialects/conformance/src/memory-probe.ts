/**
 * Streams N rows from PostgreSQL or MariaDB into PostgreSQL through the real reader and
 * writer (every value decoded into a RowBatch and encoded again for binary COPY) and prints
 * the process's peak RSS as JSON. Run in its own process by memory.int-spec.ts so the figure
 * is the copy's alone, not the test runner's:
 * `node -r ./tools/register.js <this> <pgUrl> <rows> [postgres|mysql <sourceUrl>]`.
 */
import { parseConnectionUrl } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';

async function main(): Promise<void> {
  const [url, rowsArg, sourceArg = 'postgres', sourceUrl = url] = process.argv.slice(2);
  const rows = Number(rowsArg);
  if (sourceArg !== 'postgres' && sourceArg !== 'mysql') throw new Error(`no source ${sourceArg}`);
  const sourceDialect: 'postgres' | 'mysql' = sourceArg;
  const spec = { dialect: 'postgres' as const, ...parseConnectionUrl('postgres', url) };
  const sourceSpec = { dialect: sourceDialect, ...parseConnectionUrl(sourceDialect, sourceUrl) };
  const reader = await dialectFor(sourceDialect).connect(sourceSpec, { timeoutMs: 10_000 });
  const writer = await dialectFor('postgres').connect(spec, { timeoutMs: 10_000 });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  try {
    if (!reader.data || !writer.data) throw new Error('postgres has no data plane');
    const data = reader.data;
    const out = writer.data;
    const schema = sourceDialect === 'postgres' ? 'public' : sourceSpec.database ?? '';
    await data.execute(
      sourceDialect === 'postgres'
        ? [
            'CREATE TABLE mem_source (id bigint PRIMARY KEY, label text, amount numeric(12,2), at timestamp(6), note text)',
            `INSERT INTO mem_source SELECT g, 'row ' || g, g * 1.25, timestamp '2024-01-01' + g * interval '1 microsecond', repeat('x', 40) FROM generate_series(1, ${rows}) g`,
          ]
        : [
            'CREATE TABLE mem_source (id bigint PRIMARY KEY, label varchar(64), amount decimal(12,2), at datetime(6), note text)',
            // MariaDB's sequence engine: seq_1_to_N is a table of 1..N.
            `INSERT INTO mem_source SELECT seq, concat('row ', seq), seq * 1.25, timestamp'2024-01-01 00:00:00' + INTERVAL seq MICROSECOND, repeat('x', 40) FROM seq_1_to_${rows}`,
          ],
    );
    const source = await data.introspector.describeTable({ schema, name: 'mem_source' });
    if (!source) throw new Error('mem_source was not created');
    const target = { schema: 'public', name: `mem_from_${sourceDialect}` };
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
