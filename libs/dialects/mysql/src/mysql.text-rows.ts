import { type NativeRows, type NeutralColumn, NEUTRAL_TEXT_ROWS, NeutralTextCursor, type NeutralValue, READ_BATCH_BYTES, type RowBatch } from '@dbferry/dialects-core';
import { integerFromDigits, type ResultField, type RowDecoder, TEXT_AS_IS, TEXT_BOOL, TEXT_DATE, type TextRowPacket } from './mysql.values';

/**
 * MySQL's text protocol row packet is a row of NEUTRAL_TEXT_ROWS already (length-encoded fields,
 * 0xfb for NULL), and for the columns RowDecoder.neutralTextChecks accepts, the text the server
 * prints is the neutral form. So a read whose consumer takes that format copies each row packet's
 * bytes into the batch as they are, after checking the few values whose text is not their neutral
 * form (a tinyint(1) bool other than 0/1, a zero date): a batch holding one is decoded at once,
 * with RowDecoder's warnings, and carries no native rows.
 */

/** What the row parser returns for a row copied as bytes (ResultBatches only counts them). */
const COPIED_ROW: NeutralValue[] = Object.freeze([]) as unknown as NeutralValue[];

/** Room for a batch: READ_BATCH_BYTES and the row that crosses it (grown when a row is larger). */
const INITIAL_BYTES = READ_BATCH_BYTES + 32 * 1024;

/** A packet-like cursor over NEUTRAL_TEXT_ROWS data, for RowDecoder.textRowParser (lazy rows). */
class TextRowsPacket implements TextRowPacket {
  private readonly cursor: NeutralTextCursor;

  constructor(readonly buffer: Buffer) {
    this.cursor = new NeutralTextCursor(buffer);
  }

  get offset(): number {
    return this.cursor.at;
  }

  set offset(at: number) {
    this.cursor.at = at;
  }

  readLengthCodedNumber(): number | null {
    const length = this.cursor.next();
    // The parser reads the field from `offset` and moves it past.
    this.cursor.at = this.cursor.start;
    return length < 0 ? null : length;
  }

  parseIntNoBigCheck(length: number): number {
    const start = this.cursor.at;
    this.cursor.at = start + length;
    return integerFromDigits(this.buffer, start, start + length);
  }
}

/** The rows of one batch as NEUTRAL_TEXT_ROWS bytes. */
export interface TextRowsRun {
  data: Buffer;
  rows: number;
  /** False when a value's text is not its neutral form: the rows must be decoded. */
  canonical: boolean;
  /** The result's column definitions the rows were read with. */
  fields: readonly ResultField[];
}

/**
 * Collects row packets' bytes for NEUTRAL_TEXT_ROWS batches: `parser` is the row parser a mysql2
 * query runs (parseRowsWith), `take` cuts the rows collected so far.
 */
export class TextRowsCollector {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private pos = 0;
  private rows = 0;
  private canonical = true;
  private fields: readonly ResultField[] = [];
  private readonly cursor = new NeutralTextCursor(Buffer.alloc(0));

  constructor(
    private readonly decoder: RowDecoder,
    /** RowDecoder.neutralTextChecks of the columns read. */
    private readonly checks: Int8Array,
  ) {}

  /** Bytes collected since the last take. */
  get bytes(): number {
    return this.pos;
  }

  readonly parser = (packet: TextRowPacket & { end?: number }, fields: readonly ResultField[]): NeutralValue[] => {
    if (fields !== this.fields) {
      this.decoder.checkFields(fields);
      this.fields = fields;
    }
    const source = packet.buffer;
    const start = packet.offset;
    const end = this.check(source, start);
    if (packet.end !== undefined && end !== packet.end) throw new Error(`a row packet of ${packet.end - start} byte(s) does not hold the ${this.checks.length} field(s) asked for`);
    const length = end - start;
    if (this.pos + length > this.buf.length) this.grow(length);
    source.copy(this.buf, this.pos, start, end);
    this.pos += length;
    this.rows++;
    packet.offset = end;
    return COPIED_ROW;
  };

  take(): TextRowsRun {
    const run = { data: this.buf.subarray(0, this.pos), rows: this.rows, canonical: this.canonical, fields: this.fields };
    this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    this.pos = 0;
    this.rows = 0;
    this.canonical = true;
    return run;
  }

  private grow(length: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + length));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Checks the fields of the row at `start` (a value that is not its neutral form clears `canonical`); returns where the row ends. */
  private check(bytes: Buffer, start: number): number {
    const checks = this.checks;
    const cursor = this.cursor;
    cursor.data = bytes;
    cursor.at = start;
    for (let i = 0; i < checks.length; i++) {
      const length = cursor.next();
      const check = checks[i];
      if (length < 0 || check === TEXT_AS_IS) continue;
      const at = cursor.start;
      if (check === TEXT_BOOL) {
        const digit = bytes[at];
        if (length !== 1 || (digit !== 48 && digit !== 49)) this.canonical = false;
      } else if (check === TEXT_DATE) {
        // isZeroDate on the bytes: month or day 00.
        if ((bytes[at + 5] === 48 && bytes[at + 6] === 48) || (bytes[at + 8] === 48 && bytes[at + 9] === 48)) this.canonical = false;
      }
    }
    return cursor.at;
  }
}

/** Decodes NEUTRAL_TEXT_ROWS data read from MySQL into neutral rows, with RowDecoder's own parser. */
export function decodeTextRows(decoder: RowDecoder, run: TextRowsRun): NeutralValue[][] {
  const parse = decoder.textRowParser({ bytes: 0 });
  const packet = new TextRowsPacket(run.data);
  const rows = new Array<NeutralValue[]>(run.rows);
  for (let i = 0; i < run.rows; i++) rows[i] = parse(packet, run.fields);
  return rows;
}

/**
 * A batch whose rows are NEUTRAL_TEXT_ROWS bytes, decoded on first access. Like PostgresCopyBatch,
 * `native` and `rowCount` are accessors, so a batch derived by spreading carries no bytes of rows
 * it left out.
 */
export class MysqlTextBatch implements RowBatch {
  readonly #native: NativeRows;
  readonly #run: TextRowsRun;
  readonly #decoder: RowDecoder;
  #decoded: NeutralValue[][] | undefined;

  constructor(
    readonly columns: NeutralColumn[],
    kinds: string[],
    run: TextRowsRun,
    decoder: RowDecoder,
  ) {
    this.#native = { format: NEUTRAL_TEXT_ROWS, types: kinds, data: run.data };
    this.#run = run;
    this.#decoder = decoder;
  }

  get native(): NativeRows {
    return this.#native;
  }

  get rowCount(): number {
    return this.#run.rows;
  }

  get rows(): NeutralValue[][] {
    this.#decoded ??= decodeTextRows(this.#decoder, this.#run);
    return this.#decoded;
  }
}
