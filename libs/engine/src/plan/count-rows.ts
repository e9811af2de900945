import type { DataPlane, NeutralColumn, TableRef } from '@dbferry/dialects-core';

/**
 * Exact row count by streaming only the key columns, for tables whose catalogue keeps no
 * estimate (PostgreSQL before its first ANALYZE): one key-order scan, flat memory.
 */
export async function countRows(data: DataPlane, table: TableRef, keyColumns: NeutralColumn[], where?: string): Promise<number> {
  let rows = 0;
  for await (const batch of data.reader.read({ table, columns: keyColumns, keyColumns: keyColumns.map((k) => k.name), where, batchSize: 10_000 })) {
    rows += batch.rows.length;
  }
  return rows;
}
