import type { NeutralColumn, NeutralValue } from '@dbferry/dialects-core';

const col = (name: string, type: NeutralColumn['type'], nullable = true): NeutralColumn => ({
  name,
  type,
  nativeType: '',
  nullable,
});

/**
 * A table holding every edge value the lossless-values rule names, in kinds every live
 * dialect here can hold. Dates stay within MySQL's DATE/DATETIME range (1000-01-01 on).
 */
export const TORTURE_COLUMNS: NeutralColumn[] = [
  col('id', { kind: 'int64' }, false),
  col('flag', { kind: 'bool' }),
  col('small', { kind: 'int16' }),
  col('medium', { kind: 'int32' }),
  col('big', { kind: 'int64' }),
  col('amount', { kind: 'decimal', precision: 38, scale: 10 }),
  col('ratio', { kind: 'float64' }),
  col('label', { kind: 'string', length: 100 }),
  col('body', { kind: 'text' }),
  col('code', { kind: 'char', length: 5 }),
  col('ref', { kind: 'uuid' }),
  col('doc', { kind: 'json' }),
  col('bytes', { kind: 'blob' }),
  col('day', { kind: 'date' }),
  col('at_local', { kind: 'timestamp', precision: 6 }),
  col('at_utc', { kind: 'timestamptz', precision: 6 }),
  col('clock', { kind: 'time', precision: 6 }),
  col('size', { kind: 'enum', values: ['small', 'medium', 'large'] }),
];

export const TORTURE_KEY = ['id'];

/** A megabyte of 4-byte UTF-8 and ASCII, to catch truncation and packet limits. */
export const MEGABYTE_TEXT = '🐘a'.repeat(1024 * 1024 / 5);

export const TORTURE_ROWS: NeutralValue[][] = [
  [1n, true, 32767, 2147483647, 9223372036854775807n, '9999999999999999999999999999.9999999999', -1.5e300,
    'héllo 🐘 𝄞 “quotes” \'single\' back\\slash', MEGABYTE_TEXT, 'ab', '6f1c5a4e-2b8d-4c3a-9e7f-0123456789ab',
    '{"ключ": "値 🎉", "n": [1, 2.5, null], "nested": {"b": true, "a": "x"}}', Buffer.from([0, 1, 0, 255, 0, 10, 13, 92]),
    '9999-12-31', '9999-12-31 23:59:59.999999', '2024-02-29 12:34:56.123456+00:00', '23:59:59.999999', 'medium'],
  [2n, false, -32768, -2147483648, -9223372036854775808n, '-0.0000000001', 5e-324,
    '', '', 'z', '00000000-0000-0000-0000-000000000000', '[]', Buffer.alloc(0),
    '1000-01-01', '1000-01-01 00:00:00', '1969-07-20 20:17:40.000001+00:00', '00:00:00', 'small'],
  [3n, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [4n, true, 0, 0, 9007199254740993n, '0.5', 0.1, 'tab\tnewline\ncr\r', 'line1\nline2', 'abcde',
    'abcdef01-2345-6789-abcd-ef0123456789', '"a json string"', Buffer.from('binary\u0000data'), '1969-12-31',
    '1970-01-01 00:00:00.000001', '2000-01-01 00:00:00+00:00', '12:00:00.5', 'large'],
];

/** Generates `count` narrow rows (id, label, amount, at) for streaming and memory tests. */
export async function* generatedBatches(count: number, batchSize: number, columns: NeutralColumn[]) {
  for (let start = 1; start <= count; start += batchSize) {
    const rows: NeutralValue[][] = [];
    for (let id = start; id < Math.min(start + batchSize, count + 1); id++) {
      rows.push([BigInt(id), `row ${id}`, `${id}.25`, '2024-01-01 00:00:00.000001']);
    }
    yield { columns, rows };
  }
}

export const NARROW_COLUMNS: NeutralColumn[] = [
  col('id', { kind: 'int64' }, false),
  col('label', { kind: 'string', length: 40 }),
  col('amount', { kind: 'decimal', precision: 12, scale: 2 }),
  col('at', { kind: 'timestamp', precision: 6 }),
];
