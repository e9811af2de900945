import type { NeutralType, NeutralValue, RowBatch } from '@dbferry/dialects-core';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, BinaryCopyBuffer } from './postgres.binary-frame';
import { binaryEncoderFor, binaryPassThrough, writeBinaryRow } from './postgres.binary';
import { clockText, decodeBinaryRows, numeric, pgDateText, planBinaryRead } from './postgres.binary-decoders';
import { BinaryCopySplitter, PostgresCopyBatch } from './postgres.copy-out';

const COLUMNS = [
  { name: 'id', nativeType: 'bigint', nullable: false, type: { kind: 'int64' } as NeutralType },
  { name: 't', nativeType: 'text', nullable: true, type: { kind: 'text' } as NeutralType },
  { name: 'n', nativeType: 'numeric', nullable: true, type: { kind: 'decimal' } as NeutralType },
  { name: 'ts', nativeType: 'timestamp', nullable: true, type: { kind: 'timestamp' } as NeutralType },
];
const TYPES = [
  { typname: 'int8', typtype: 'b' },
  { typname: 'text', typtype: 'b' },
  { typname: 'numeric', typtype: 'b' },
  { typname: 'timestamp', typtype: 'b' },
];
const ROWS: NeutralValue[][] = Array.from({ length: 9 }, (_, i) => [
  BigInt(i) * 1_000_000_000_000n - 3n,
  i % 3 === 0 ? null : `row ${i} ${'é'.repeat(i)}`,
  i % 4 === 0 ? null : `${i * 7}.${String(i).padStart(3, '0')}`,
  `20${10 + i}-0${1 + (i % 9)}-1${i} 0${i}:3${i}:00.${i}5`,
]);

function copyData(rows: NeutralValue[][]): Buffer {
  const plan = (() => {
    const encoders = COLUMNS.map((c, i) => binaryEncoderFor(c.type, TYPES[i]));
    if (encoders.some((e) => !e)) throw new Error('no encoder');
    return encoders as NonNullable<(typeof encoders)[number]>[];
  })();
  const out = new BinaryCopyBuffer();
  for (const row of rows) writeBinaryRow(out, plan, COLUMNS.map((c) => c.name), row);
  return Buffer.concat([BINARY_COPY_HEADER, out.take(), BINARY_COPY_TRAILER]);
}

describe('COPY binary output, split into batches', () => {
  const decoders = (() => {
    const plan = planBinaryRead(COLUMNS, TYPES);
    if (!('decoders' in plan)) throw new Error(plan.textBecause);
    return plan.decoders;
  })();

  it('gives the same batches wherever the chunks are cut', () => {
    const data = copyData(ROWS);
    for (let cut = 1; cut < data.length; cut++) {
      for (const pieces of [[data.subarray(0, cut), data.subarray(cut)], [data.subarray(0, cut), Buffer.alloc(0), data.subarray(cut, cut + 3), data.subarray(cut + 3)]]) {
        const splitter = new BinaryCopySplitter(COLUMNS.length, 4);
        const runs = pieces.flatMap((p) => splitter.push(p));
        const last = splitter.finish();
        if (last) runs.push(last);
        expect(runs.map((r) => r.rows)).toEqual([4, 4, 1]);
        expect(runs.flatMap((r) => decodeBinaryRows(r.data, r.rows, decoders))).toEqual(ROWS);
      }
    }
  });

  it('refuses data that stops before its trailer or has the wrong width', () => {
    const data = copyData(ROWS);
    const cut = new BinaryCopySplitter(COLUMNS.length, 4);
    cut.push(data.subarray(0, data.length - 5));
    expect(() => cut.finish()).toThrow('without its trailer');
    expect(() => new BinaryCopySplitter(3, 4).push(data)).toThrow('4 fields, 3 expected');
    expect(() => new BinaryCopySplitter(4, 4).push(Buffer.from('not a copy stream at all'))).toThrow('bad signature');
  });

  it('decodes a batch only when its rows are read, and does not carry its raw rows into a spread copy', () => {
    const data = copyData(ROWS);
    const splitter = new BinaryCopySplitter(COLUMNS.length, 100);
    splitter.push(data);
    const run = splitter.finish();
    if (!run) throw new Error('no rows');
    const batch = new PostgresCopyBatch(COLUMNS, run.rows, run.data, ['int8', 'text', 'numeric', 'timestamp'], decoders);
    expect(batch.rowCount).toBe(9);
    expect(batch.native.data).toBe(run.data);
    expect(batch.rows).toBe(batch.rows);
    expect(batch.rows).toEqual(ROWS);
    const fewer: RowBatch = { ...batch, rows: batch.rows.slice(1) };
    expect(fewer.native).toBeUndefined();
    expect(fewer.rowCount).toBeUndefined();
  });
});

describe('binary decoders print what the server prints', () => {
  const numericOf = (hex: string) => numeric(Buffer.from(hex, 'hex'), 0, hex.length / 2);

  it('numeric, from numeric_send bytes', () => {
    // SELECT encode(numeric_send(x), 'hex')
    expect(numericOf('0003000100000004000109291a85')).toBe('12345.6789');
    expect(numericOf('0001ffff40000003000a')).toBe('-0.001');
    expect(numericOf('0000000000000002')).toBe('0.00');
    expect(numericOf('00000000c0000000')).toBe('NaN');
    expect(numericOf('00000000d0000020')).toBe('Infinity');
    expect(numericOf('00000000f0000020')).toBe('-Infinity');
    expect(numericOf('00010002000000000001')).toBe('100000000');
    expect(numericOf('0001fffa0000001503e8')).toBe('0.000000000000000000001');
  });

  it('dates and clocks', () => {
    expect(pgDateText(0)).toBe('2000-01-01');
    expect(pgDateText(-1)).toBe('1999-12-31');
    expect(pgDateText(-730119)).toBe('0001-01-01');
    expect(pgDateText(-730120)).toBe('0001-12-31');
    expect(pgDateText(2_921_939)).toBe('9999-12-31');
    expect(pgDateText(2_921_940)).toBe('10000-01-01');
    expect(clockText(0)).toBe('00:00:00');
    expect(clockText(86_400_000_000)).toBe('24:00:00');
    expect(clockText(45_296_500_000)).toBe('12:34:56.5');
    expect(clockText(1)).toBe('00:00:00.000001');
  });

  it('passes rows through only between like types', () => {
    const base = (typname: string) => ({ typname, typtype: 'b' });
    expect(binaryPassThrough(['int8', 'numeric'], [base('int8'), base('numeric')])).toBe(true);
    expect(binaryPassThrough(['int4'], [base('int8')])).toBe(false);
    expect(binaryPassThrough(['enum', 'varchar', 'bpchar'], [base('text'), { typname: 'mood', typtype: 'e' }, base('varchar')])).toBe(true);
    expect(binaryPassThrough(['json'], [base('jsonb')])).toBe(false);
    expect(binaryPassThrough(['int8'], [{ typname: 'int8', typtype: 'd' }])).toBe(false);
    expect(binaryPassThrough(['int8'], [])).toBe(false);
  });
});
