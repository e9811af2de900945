import type { NeutralKind } from './types';

/**
 * A NativeRows format any reader may give and any writer may take, whatever the two databases:
 * each value as the UTF-8 text of its neutral form, so a reader whose database prints values that
 * way (MySQL's text protocol) hands over the bytes it received, and a writer encodes each field
 * from those bytes, without a JS value per field on the way (no string decoded and encoded again,
 * no row array for the garbage collector).
 *
 * The data is the rows one after another; a row is its fields in column order; a field is
 * 0xfb for NULL, else a length then that many bytes. The length is a length-encoded integer (as
 * MySQL's protocol writes one): below 0xfb the byte itself, 0xfc then 2 bytes, 0xfd then 3
 * bytes, 0xfe then 8 bytes, little-endian. The bytes are the value's neutral form (VALUE_FORMS)
 * as UTF-8 text: the string forms exactly as VALUE_FORMS gives them; integer kinds their decimal
 * digits with an optional '-'; bool '0' or '1'; float kinds a decimal number (digits, '.', an
 * exponent) whose nearest float64 (float32: nearest float32) is the value; uuid its 8-4-4-4-12
 * hex digits in either case; timestamptz the instant in UTC, with or without its '+00:00'.
 * `NativeRows.types` names each column's neutral
 * kind; a reader gives the format only for kinds in NEUTRAL_TEXT_KINDS, and a writer takes a
 * batch only when it has an encoder for every kind named.
 */
export const NEUTRAL_TEXT_ROWS = 'neutral-text-rows';

/**
 * The kinds NEUTRAL_TEXT_ROWS carries (those whose neutral form is text, numbers and bool). Listed
 * rather than derived from NEUTRAL_KINDS: a new kind joins only once its text is defined above.
 */
export const NEUTRAL_TEXT_KINDS: ReadonlySet<NeutralKind> = new Set<NeutralKind>([
  'bool',
  'float32',
  'float64',
  'uuid',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'decimal',
  'string',
  'char',
  'text',
  'enum',
  'json',
  'xml',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'interval',
]);

/** The NULL marker of a field. */
export const NEUTRAL_TEXT_NULL = 0xfb;

/**
 * A cursor over NEUTRAL_TEXT_ROWS data: `next()` reads one field's header and returns its length
 * (-1 for NULL); the field's bytes are then [start, start + length), and the cursor is already
 * past them.
 */
export class NeutralTextCursor {
  /** Where the current field's bytes start. */
  start = 0;

  constructor(
    /** The bytes (a cursor may move on to another buffer: set `data` and `at`). */
    public data: Buffer,
    /** Where the next field's header is. */
    public at = 0,
  ) {}

  next(): number {
    const data = this.data;
    let at = this.at;
    const head = data[at++] as number;
    let length: number;
    if (head < NEUTRAL_TEXT_NULL) length = head;
    else if (head === NEUTRAL_TEXT_NULL) {
      this.at = at;
      this.start = at;
      return -1;
    } else if (head === 0xfc) {
      length = (data[at] as number) | ((data[at + 1] as number) << 8);
      at += 2;
    } else if (head === 0xfd) {
      length = (data[at] as number) | ((data[at + 1] as number) << 8) | ((data[at + 2] as number) << 16);
      at += 3;
    } else if (head === 0xfe) {
      length = data.readUInt32LE(at) + data.readUInt32LE(at + 4) * 4_294_967_296;
      at += 8;
    } else {
      throw new Error(`neutral text rows: a field header 0x${head.toString(16)} at byte ${at - 1}`);
    }
    this.start = at;
    this.at = at + length;
    if (this.at > data.length) throw new Error(`neutral text rows: a field of ${length} byte(s) at byte ${at} runs past the data's end (${data.length})`);
    return length;
  }
}

/** One field's bytes (a Buffer's bytes, a string's UTF-8, or NULL): for tests and small producers. */
export function neutralTextField(value: string | Buffer | null): Buffer {
  if (value === null) return Buffer.of(NEUTRAL_TEXT_NULL);
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const n = bytes.length;
  let head: Buffer;
  if (n < NEUTRAL_TEXT_NULL) head = Buffer.of(n);
  else if (n < 0x10000) head = Buffer.of(0xfc, n & 0xff, n >> 8);
  else if (n < 0x1000000) head = Buffer.of(0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16);
  else {
    head = Buffer.alloc(9);
    head[0] = 0xfe;
    head.writeUInt32LE(n % 4_294_967_296, 1);
    head.writeUInt32LE(Math.floor(n / 4_294_967_296), 5);
  }
  return Buffer.concat([head, bytes]);
}
