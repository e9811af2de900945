import { PassThrough } from 'node:stream';
import type { NeutralType, NeutralValue } from '@dbferry/dialects-core';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, BinaryCopyBuffer } from './postgres.binary-frame';
import { binaryEncoderFor, writeBinaryRow } from './postgres.binary';
import { decodeBinaryRows, planBinaryRead } from './postgres.binary-decoders';
import { BinaryCopySplitter } from './postgres.copy-out';
import { CopyOutQuery } from './postgres.copy-out-query';

const COLUMNS = [
  { name: 'id', nativeType: 'bigint', nullable: false, type: { kind: 'int64' } as NeutralType },
  { name: 't', nativeType: 'text', nullable: true, type: { kind: 'text' } as NeutralType },
];
const TYPES = [
  { typname: 'int8', typtype: 'b' },
  { typname: 'text', typtype: 'b' },
];
const ROWS: NeutralValue[][] = Array.from({ length: 7 }, (_, i) => [BigInt(i), i === 3 ? null : `row ${i} ${'x'.repeat(i * 20)}`]);

function message(code: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = code.charCodeAt(0);
  head.writeInt32BE(payload.length + 4, 1);
  return Buffer.concat([head, payload]);
}

/** What the server sends for the rows: CopyOutResponse, one CopyData per row (the header with the first), a notice, the trailer, CopyDone, then CommandComplete. */
function serverBytes(): { copy: Buffer; after: Buffer } {
  const encoders = COLUMNS.map((c, i) => binaryEncoderFor(c.type, TYPES[i]));
  const rows = ROWS.map((row) => {
    const out = new BinaryCopyBuffer();
    writeBinaryRow(out, encoders as NonNullable<(typeof encoders)[number]>[], ['id', 't'], row);
    return out.take();
  });
  const after = message('C', Buffer.from('COPY 7\0'));
  const copy = Buffer.concat([
    message('H', Buffer.from([1, 0, 2, 0, 1, 0, 1])),
    message('d', Buffer.concat([BINARY_COPY_HEADER, rows[0] as Buffer])),
    ...rows.slice(1, 4).map((r) => message('d', r)),
    message('N', Buffer.from('Snotice\0\0')),
    ...rows.slice(4).map((r) => message('d', r)),
    message('d', BINARY_COPY_TRAILER),
    message('c', Buffer.alloc(0)),
    after,
  ]);
  return { copy, after };
}

function fakeConnection() {
  const stream = new PassThrough();
  const handed: Buffer[] = [];
  const queries: string[] = [];
  stream.on('data', (chunk: Buffer) => handed.push(chunk));
  return { connection: { stream, query: (text: string) => queries.push(text) }, stream, handed, queries };
}

describe('CopyOutQuery', () => {
  const plan = planBinaryRead(COLUMNS, TYPES);
  if (!('decoders' in plan)) throw new Error(plan.textBecause);

  it('cuts the rows into batches and hands pg exactly the bytes after CopyDone, wherever the socket cuts them', async () => {
    const { copy, after } = serverBytes();
    for (const cut of [1, 3, 5, 6, 20, 37, 64, copy.length - after.length - 2, copy.length - 1]) {
      const { connection, stream, handed, queries } = fakeConnection();
      const query = new CopyOutQuery('COPY x TO STDOUT', new BinaryCopySplitter(2, 3));
      query.submit(connection);
      expect(queries).toEqual(['COPY x TO STDOUT']);
      stream.write(copy.subarray(0, cut));
      stream.write(copy.subarray(cut));
      const runs = [];
      for (;;) {
        const run = await Promise.race([query.next(), new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 20))]);
        if (run === 'pending' || run === null) break;
        runs.push(run);
      }
      expect(runs.map((r) => r.rows)).toEqual([3, 3, 1]);
      expect(runs.flatMap((r) => decodeBinaryRows(r.data, r.rows, plan.decoders))).toEqual(ROWS);
      await new Promise((resolve) => setImmediate(resolve));
      expect(Buffer.concat(handed)).toEqual(after);
      query.handleReadyForQuery();
      expect(await query.next()).toBeNull();
      expect(query.copying).toBe(false);
    }
  });

  it('keeps every row across staging buffers and socket cuts, and hands most runs on as views of its staging, not copies', async () => {
    // 5 MB of rows (one of 1.5 MB, more than a staging buffer), the socket cutting anywhere.
    const rows: NeutralValue[][] = Array.from({ length: 12_000 }, (_, i) => [BigInt(i), i === 5000 ? 'y'.repeat(1_500_000) : `row ${i} ${'x'.repeat((i * 37) % 600)}`]);
    const encoders = COLUMNS.map((c, i) => binaryEncoderFor(c.type, TYPES[i])) as NonNullable<ReturnType<typeof binaryEncoderFor>>[];
    const encoded = rows.map((row) => {
      const out = new BinaryCopyBuffer();
      writeBinaryRow(out, encoders, ['id', 't'], row);
      return out.take();
    });
    const copy = Buffer.concat([
      message('H', Buffer.from([1, 0, 2, 0, 1, 0, 1])),
      message('d', Buffer.concat([BINARY_COPY_HEADER, encoded[0] as Buffer])),
      ...encoded.slice(1).map((r) => message('d', r)),
      message('d', BINARY_COPY_TRAILER),
      message('c', Buffer.alloc(0)),
    ]);
    const { connection, stream } = fakeConnection();
    const query = new CopyOutQuery('COPY x TO STDOUT', new BinaryCopySplitter(2, 5000));
    query.submit(connection);
    let seed = 7;
    const runs: { data: Buffer; rows: number }[] = [];
    const reading = (async () => {
      for (let run = await query.next(); run; run = await query.next()) runs.push(run);
    })();
    for (let at = 0; at < copy.length; ) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const cut = Math.min(copy.length, at + 1 + (seed % 70_000));
      stream.write(copy.subarray(at, cut));
      at = cut;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setImmediate(resolve));
    query.handleReadyForQuery();
    await reading;
    expect(runs.reduce((n, r) => n + r.rows, 0)).toBe(rows.length);
    const text = (values: NeutralValue[][]) => values.map(([id, t]) => `${String(id)}:${String(t)}`).join('\n');
    expect(text(runs.flatMap((r) => decodeBinaryRows(r.data, r.rows, plan.decoders)))).toBe(text(rows));
    // Runs of about 128 KB out of 1 MB staging buffers: only a run across two buffers is copied.
    expect(new Set(runs.map((r) => r.data.buffer)).size).toBeLessThan(runs.length / 2);
  });

  it('gives pg an ErrorResponse from its first byte and fails with the error pg reports', async () => {
    const { copy } = serverBytes();
    const error = message('E', Buffer.from('SERROR\0C22012\0Mdivision by zero\0\0'));
    const partial = Buffer.concat([copy.subarray(0, 60), error]);
    const { connection, stream, handed } = fakeConnection();
    const query = new CopyOutQuery('COPY x TO STDOUT', new BinaryCopySplitter(2, 100));
    query.submit(connection);
    stream.write(partial.subarray(0, partial.length - 10));
    stream.write(partial.subarray(partial.length - 10));
    await new Promise((resolve) => setImmediate(resolve));
    expect(Buffer.concat(handed)).toEqual(error);
    query.handleError(new Error('division by zero'));
    query.handleReadyForQuery();
    await expect(query.next()).rejects.toThrow('division by zero');
  });

  it('reads and drops the rest after a discard, and settles when pg says the connection is ready', async () => {
    const { copy, after } = serverBytes();
    const { connection, stream, handed } = fakeConnection();
    const query = new CopyOutQuery('COPY x TO STDOUT', new BinaryCopySplitter(2, 1));
    query.submit(connection);
    stream.write(copy.subarray(0, 80));
    expect(await query.next()).toMatchObject({ rows: 1 });
    const discarded = query.discard();
    stream.write(copy.subarray(80));
    await new Promise((resolve) => setImmediate(resolve));
    expect(Buffer.concat(handed)).toEqual(after);
    query.handleReadyForQuery();
    await discarded;
    expect(await query.next()).toBeNull();
  });
});
