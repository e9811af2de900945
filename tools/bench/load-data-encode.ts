/**
 * CPU of the MariaDB writer's LOAD DATA line encoding alone, no database: 250k orders-like rows
 * (the neutral values the PostgreSQL reader hands the writer) through LoadDataLines + Buffer.from
 * (the reference) and through LoadDataEncoder, three rounds each.
 *   node -r ./tools/register.js tools/bench/load-data-encode.ts
 */
import type { NeutralColumn, NeutralValue } from '@dbferry/dialects-core';
import { LoadDataLines } from '../../libs/dialects/mysql/src/mysql.load-data';
import { LoadDataEncoder } from '../../libs/dialects/mysql/src/mysql.load-data-encoder';

const cols: NeutralColumn[] = [
  { name: 'id', nativeType: 'bigint', nullable: false, type: { kind: 'int64' } },
  { name: 'customer', nativeType: 'integer', nullable: false, type: { kind: 'int32' } },
  { name: 'amount', nativeType: 'numeric', nullable: false, type: { kind: 'decimal', precision: 12, scale: 2 } },
  { name: 'status', nativeType: 'varchar', nullable: false, type: { kind: 'string', length: 40 } },
  { name: 'note', nativeType: 'text', nullable: true, type: { kind: 'text' } },
  { name: 'created_at', nativeType: 'timestamp', nullable: false, type: { kind: 'timestamp', precision: 6 } },
  { name: 'paid', nativeType: 'boolean', nullable: false, type: { kind: 'bool' } },
  { name: 'doc', nativeType: 'jsonb', nullable: true, type: { kind: 'json', binary: true } },
];
const N = 250_000;
const rows: NeutralValue[][] = [];
for (let g = 1; g <= N; g++) {
  rows.push([BigInt(g), (g * 7919) % 100000, (((g * 104729) % 10000000) / 100).toFixed(2), ['new', 'paid', 'shipped'][g % 3] as string,
    g % 20 === 0 ? null : `order ${g} café ü 東京 ✓ ${g.toString(16).padStart(24, '0')}`,
    `2024-01-${String(1 + (g % 28)).padStart(2, '0')} 12:${String(g % 60).padStart(2, '0')}:00.${String(g % 999983).padStart(6, '0')}`,
    g % 3 === 0, g % 10 === 0 ? null : `{"qty": ${g % 9 + 1}, "sku": "S${g % 5000}", "gift": ${g % 2}}`]);
}
function old(): number {
  const lines = new LoadDataLines(cols); let bytes = 0;
  for (const r of rows) { lines.add(r); if (lines.pending() >= 65536) bytes += Buffer.from(lines.take(), 'utf8').length; }
  return bytes + Buffer.from(lines.take(), 'utf8').length;
}
function neu(): number {
  const enc = new LoadDataEncoder(cols, undefined, 65536); let bytes = 0;
  for (const r of rows) { enc.add(r); if (enc.pending() >= 65536) bytes += enc.take().length; }
  return bytes + enc.take().length;
}
for (let round = 0; round < 3; round++) {
  for (const [name, f] of [['LoadDataLines + Buffer.from', old], ['LoadDataEncoder', neu]] as const) {
    const cpu = process.cpuUsage(); const bytes = f(); const used = process.cpuUsage(cpu);
    console.log(`${name}: ${((used.user + used.system) / 1000).toFixed(0)} ms CPU for ${N} rows, ${bytes} bytes`);
  }
}
