import { type NativeRows, type NeutralColumn, type NeutralValue, READ_BATCH_BYTES, type RowBatch } from '@dbferry/dialects-core';
import { type BinaryDecoder, decodeBinaryRows } from './postgres.binary-decoders';

/**
 * Reading `COPY (SELECT …) TO STDOUT (FORMAT binary)`: the stream is cut into batches of whole
 * rows that keep their wire bytes (a PostgreSQL writer loads them unchanged, see
 * postgres.writer.ts) and decode to the neutral forms (postgres.binary-decoders.ts) only when
 * someone reads `rows`.
 */

export const NATIVE_FORMAT = 'postgres-binary-copy';

// ---------------------------------------------------------------- framing

/** 'PGCOPY\n\377\r\n\0' */
const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
const HEADER_FIXED = SIGNATURE.length + 8;

export interface FramedRows {
  data: Buffer;
  rows: number;
}

/**
 * Cuts COPY binary output, arriving in chunks cut anywhere, into runs of whole rows of at most
 * `batchSize` rows and about `maxBytes` bytes each (the header and trailer removed). Complete rows are kept as views on the
 * chunks until a run is full; only a row split across two chunks is copied, and a run is copied
 * into one buffer only when its rows are not already side by side in one (CopyOutQuery stages
 * them so that they nearly always are).
 */
export class BinaryCopySplitter {
  private tail: Buffer | null = null;
  private headerRead = false;
  private parts: Buffer[] = [];
  private rows = 0;
  /** Bytes in `parts`. */
  private bytes = 0;
  private ended = false;

  constructor(
    private readonly fieldCount: number,
    private readonly batchSize: number,
    private readonly maxBytes = READ_BATCH_BYTES,
  ) {}

  /** Takes one chunk; returns the runs it completed. */
  push(chunk: Buffer): FramedRows[] {
    if (this.ended) {
      if (chunk.length) throw new Error('COPY data after its trailer');
      return [];
    }
    const buf = this.tail ? Buffer.concat([this.tail, chunk]) : chunk;
    this.tail = null;
    let pos = 0;
    if (!this.headerRead) {
      if (buf.length < HEADER_FIXED) {
        this.tail = buf;
        return [];
      }
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not COPY binary data: bad signature');
      const extension = buf.readInt32BE(SIGNATURE.length + 4);
      if (buf.length < HEADER_FIXED + extension) {
        this.tail = buf;
        return [];
      }
      pos = HEADER_FIXED + extension;
      this.headerRead = true;
    }
    const out: FramedRows[] = [];
    let runStart = pos;
    const length = buf.length;
    for (;;) {
      if (pos + 2 > length) break;
      // Field counts and sizes read by hand: Buffer's readInt*BE checks bounds again on each call.
      const fields = (((buf[pos] as number) << 24) | ((buf[pos + 1] as number) << 16)) >> 16;
      if (fields === -1) {
        this.ended = true;
        if (pos + 2 !== length) throw new Error('COPY data after its trailer');
        break;
      }
      if (fields !== this.fieldCount) throw new Error(`a COPY row has ${fields} fields, ${this.fieldCount} expected`);
      let end = pos + 2;
      let complete = true;
      for (let i = 0; i < fields; i++) {
        if (end + 4 > length) {
          complete = false;
          break;
        }
        const size = ((buf[end] as number) << 24) | ((buf[end + 1] as number) << 16) | ((buf[end + 2] as number) << 8) | (buf[end + 3] as number);
        end += 4;
        if (size > 0) end += size;
        if (end > length) {
          complete = false;
          break;
        }
      }
      if (!complete) break;
      pos = end;
      this.rows++;
      if (this.rows === this.batchSize || this.bytes + (pos - runStart) >= this.maxBytes) {
        this.keep(buf.subarray(runStart, pos));
        out.push(this.take());
        runStart = pos;
      }
    }
    if (pos > runStart) {
      this.keep(buf.subarray(runStart, pos));
      this.bytes += pos - runStart;
    }
    if (!this.ended && pos < length) this.tail = buf.subarray(pos);
    return out;
  }

  /** At the end of the stream: the last, shorter run (or null); throws when the data stopped mid-row or before the trailer. */
  finish(): FramedRows | null {
    if (!this.ended) throw new Error('COPY data ended without its trailer');
    return this.rows > 0 ? this.take() : null;
  }

  /** Adds rows to the run; rows right after the last ones in the same memory extend its view instead of being copied at take(). */
  private keep(part: Buffer): void {
    const last = this.parts[this.parts.length - 1];
    if (last && last.buffer === part.buffer && last.byteOffset + last.length === part.byteOffset) {
      this.parts[this.parts.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + part.length);
    } else {
      this.parts.push(part);
    }
  }

  private take(): FramedRows {
    const data = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    const run = { data, rows: this.rows };
    this.parts = [];
    this.rows = 0;
    this.bytes = 0;
    return run;
  }
}

/**
 * A batch read with COPY binary: `rows` are decoded on first access, `native` holds the bytes.
 * `native` and `rowCount` are accessors, not own properties, so a batch derived by spreading
 * (`{ ...batch, rows: fewer }`, as bad-row isolation does) does not carry bytes of rows it left out.
 */
export class PostgresCopyBatch implements RowBatch {
  readonly #native: NativeRows;
  readonly #rowCount: number;
  readonly #decoders: BinaryDecoder[];
  #decoded: NeutralValue[][] | undefined;

  constructor(
    readonly columns: NeutralColumn[],
    rowCount: number,
    data: Buffer,
    types: string[],
    decoders: BinaryDecoder[],
  ) {
    this.#native = { format: NATIVE_FORMAT, types, data };
    this.#rowCount = rowCount;
    this.#decoders = decoders;
  }

  get native(): NativeRows {
    return this.#native;
  }

  get rowCount(): number {
    return this.#rowCount;
  }

  get rows(): NeutralValue[][] {
    this.#decoded ??= decodeBinaryRows(this.#native.data, this.#rowCount, this.#decoders);
    return this.#decoded;
  }
}
