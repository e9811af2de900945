/**
 * Reads a table through a dialect's reader, copies it through its writer into `<table>_copy`,
 * reads the copy, and prints both as JSON with the process's UTC offset. Run in its own process
 * by conformance.timezone.int-spec.ts with TZ set, because Jest's process.env is a copy and
 * assigning TZ inside a test does not move the process's zone:
 * `TZ=… node -r ./tools/register.js <this> '<ConnectionSpec JSON>' '<TableRef JSON>'`.
 */
import type { ConnectionSpec, NeutralValue, RowBatch, TableRef } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';

async function collect(batches: AsyncIterable<RowBatch>): Promise<NeutralValue[][]> {
  const rows: NeutralValue[][] = [];
  for await (const batch of batches) rows.push(...batch.rows);
  return rows;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] as string) as ConnectionSpec;
  const table = JSON.parse(process.argv[3] as string) as TableRef;
  const session = await dialectFor(spec.dialect).connect(spec, { timeoutMs: 10_000 });
  try {
    const data = session.data;
    if (!data) throw new Error(`${spec.dialect} has no data plane`);
    const schema = await data.introspector.describeTable(table);
    if (!schema) throw new Error(`${table.name} not found`);
    const request = { columns: schema.columns, keyColumns: schema.primaryKey, batchSize: 2 };
    const rows = await collect(data.reader.read({ ...request, table }));
    const copy = { schema: table.schema, name: `${table.name}_copy` };
    await data.execute(data.ddl.createTable(copy, schema).statements);
    await data.writer.write({ table: copy, columns: schema.columns, keyColumns: schema.primaryKey, mode: 'insert' }, data.reader.read({ ...request, table }));
    const copied = await collect(data.reader.read({ ...request, table: copy }));
    const checksums = [await data.checksummer.checksum({ ...request, table }), await data.checksummer.checksum({ ...request, table: copy })];
    const offset = new Date('2024-01-15T12:00:00Z').getTimezoneOffset();
    process.stdout.write(`${JSON.stringify({ offset, rows, copied, checksums }, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}\n`);
  } finally {
    await session.close();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
