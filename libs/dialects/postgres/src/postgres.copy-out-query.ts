import type { Duplex } from 'node:stream';
import { BinaryCopySplitter, type FramedRows } from './postgres.copy-out';

/**
 * `COPY … TO STDOUT` as a pg "submittable" that reads the connection's socket itself, the way
 * pg-copy-streams' copy-to does, but stages the CopyData payloads of each socket read into a
 * staging buffer (one copy of the read, then each payload moved over the headers between them)
 * that the BinaryCopySplitter cuts into batches: no Buffer view, copy call or stream push per
 * row, which is most of the reader's work for narrow rows. While more than QUEUED_RUNS batches wait
 * for the consumer the socket is not read, so the server waits instead of our memory growing.
 *
 * At CopyDone (or at an ErrorResponse) the socket goes back to pg with the bytes not read yet,
 * and pg finishes the query as usual (CommandComplete then ReadyForQuery, or the error).
 */

/** What this query needs of pg's internal Connection. */
interface PgConnection {
  stream: Duplex;
  query(text: string): void;
}

const COPY_DATA = 0x64; // d
const COPY_DONE = 0x63; // c
const COPY_OUT_RESPONSE = 0x48; // H
/** May arrive between CopyData messages; skipped. */
const INTERSPERSED = new Set([0x4e, 0x53, 0x41]); // NoticeResponse, ParameterStatus, NotificationResponse
const QUEUED_RUNS = 2;
/**
 * Several read batches (READ_BATCH_BYTES) fit in one staging buffer, so a batch is nearly always
 * one view of it: the splitter then hands it on without copying it again.
 */
const STAGING_BYTES = 1024 * 1024;
/** Payload pieces noted per socket read before they are staged (grows when a read holds more). */
const PIECES = 1024;

export class CopyOutQuery {
  private connection: PgConnection | undefined;
  private pgHandler: ((chunk: Buffer) => void) | undefined;
  private attached = false;
  private readonly onReadable = () => this.pump();

  // The message being read: its 5-byte header (code, length) may arrive split.
  private readonly head = Buffer.alloc(5);
  private headLength = 0;
  private code = 0;
  private remaining = 0;
  private inMessage = false;

  private staging = Buffer.allocUnsafe(STAGING_BYTES);
  /**
   * Bytes written into `staging`; where the last whole CopyData message staged ends (PostgreSQL
   * sends a row per message, so the splitter is given whole rows only and never has to join a
   * row cut by a socket read); and where the part not yet given to the splitter starts.
   */
  private staged = 0;
  private wholeUpTo = 0;
  private pushedUpTo = 0;
  /**
   * The CopyData payload pieces of the socket read being parsed, not staged yet: per piece its
   * start, its length and 1 when it ends its message. They are staged together (stagePieces): the
   * read's span from the first piece's start to the last one's end in one copy, then each payload
   * moved down over the message headers between them (copyWithin). A copy per row cost more than
   * the rest of the read (a Buffer view made per copy).
   */
  private pieces = new Int32Array(PIECES * 3);
  private pieceCount = 0;

  private readonly queue: FramedRows[] = [];
  /** After a failure on our side or a stop: read and drop the rest of the COPY. */
  private discarding = false;
  private failure: unknown;
  private settled = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly text: string,
    private readonly splitter: BinaryCopySplitter,
  ) {}

  // ------------------------------------------------------------ pg's side

  submit(connection: PgConnection): void {
    this.connection = connection;
    const stream = connection.stream;
    const listeners = stream.listeners('data');
    if (listeners.length !== 1) throw new Error(`COPY TO expects one data listener on the connection, found ${listeners.length}`);
    this.pgHandler = listeners[0] as (chunk: Buffer) => void;
    stream.removeListener('data', this.pgHandler);
    stream.pause();
    this.attached = true;
    stream.on('readable', this.onReadable);
    connection.query(this.text);
  }

  /**
   * pg forgets the query on an error (its ReadyForQuery is never passed on): the connection
   * takes its next query once that arrives, so the query counts as settled here.
   */
  handleError(error: unknown): void {
    this.failure ??= error;
    // A socket error may come while we still hold the socket.
    if (this.attached) this.detach(Buffer.alloc(0));
    this.settled = true;
    this.notify();
  }

  handleCommandComplete(): void {
    // Nothing to keep: the rows were counted as they came.
  }

  handleReadyForQuery(): void {
    this.settled = true;
    this.notify();
  }

  // ------------------------------------------------------------ the consumer's side

  /** Whether the server may still be sending COPY data. */
  get copying(): boolean {
    return this.attached;
  }

  /** The next run of rows; null once the COPY ended and the connection is ready; throws the COPY's error. */
  async next(): Promise<FramedRows | null> {
    for (;;) {
      const run = this.queue.shift();
      if (run) {
        if (this.attached) this.pump();
        return run;
      }
      if (this.failure !== undefined && (this.settled || !this.attached)) throw this.failure;
      if (this.settled) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Drops what was read and what is still to come; resolves once the connection is ready again. */
  async discard(): Promise<void> {
    this.discarding = true;
    this.queue.length = 0;
    if (this.attached) this.pump();
    while (!this.settled) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  // ------------------------------------------------------------ reading

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private pump(): void {
    const stream = this.connection?.stream;
    while (stream && this.attached && (this.discarding || this.queue.length < QUEUED_RUNS)) {
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) break;
      try {
        this.parse(chunk);
      } catch (error) {
        // Bad COPY data: keep reading to the end so the connection stays usable, then fail.
        this.failure ??= error;
        this.discarding = true;
        this.queue.length = 0;
        this.pieceCount = 0;
      }
    }
    this.notify();
  }

  private parse(chunk: Buffer): void {
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      if (!this.inMessage) {
        const inPlace = this.headLength === 0 && pos + 5 <= length;
        if (inPlace) {
          // The whole header is in this read (nearly always): read it in place.
          this.code = chunk[pos] as number;
          this.remaining = ((chunk[pos + 1] as number) << 24 | (chunk[pos + 2] as number) << 16 | (chunk[pos + 3] as number) << 8 | (chunk[pos + 4] as number)) - 4;
          pos += 5;
        } else {
          while (this.headLength < 5 && pos < length) this.head[this.headLength++] = chunk[pos++] as number;
          if (this.headLength < 5) break;
          this.headLength = 0;
          this.code = this.head[0] as number;
          this.remaining = this.head.readInt32BE(1) - 4;
        }
        this.inMessage = true;
        if (this.code !== COPY_DATA && this.code !== COPY_DONE && this.code !== COPY_OUT_RESPONSE && !INTERSPERSED.has(this.code)) {
          // An ErrorResponse (or anything else) ends copy-out mode: pg reads it from its header on.
          this.stagePieces(chunk);
          this.flushStaging(true);
          this.detach(inPlace ? chunk.subarray(pos - 5) : Buffer.concat([this.head, chunk.subarray(pos)]));
          return;
        }
      }
      const take = Math.min(this.remaining, length - pos);
      pos += take;
      this.remaining -= take;
      // An empty payload is still noted when it ends its message: the message is then whole.
      if (this.code === COPY_DATA && !this.discarding && (take > 0 || this.remaining === 0)) this.notePiece(pos - take, take, this.remaining === 0);
      if (this.remaining === 0) {
        this.inMessage = false;
        if (this.code === COPY_DONE) {
          this.stagePieces(chunk);
          this.flushStaging(true);
          this.detach(chunk.subarray(pos));
          if (!this.discarding) {
            const last = this.splitter.finish();
            if (last) this.queue.push(last);
          }
          return;
        }
      }
    }
    this.stagePieces(chunk);
    this.flushStaging();
  }

  private notePiece(from: number, count: number, ends: boolean): void {
    if ((this.pieceCount + 1) * 3 > this.pieces.length) {
      const grown = new Int32Array(this.pieces.length * 2);
      grown.set(this.pieces);
      this.pieces = grown;
    }
    const at = this.pieceCount++ * 3;
    this.pieces[at] = from;
    this.pieces[at + 1] = count;
    this.pieces[at + 2] = ends ? 1 : 0;
  }

  /** Stages the payload pieces noted in `chunk` (see `pieces`), in order, and forgets them. */
  private stagePieces(chunk: Buffer): void {
    const count = this.pieceCount;
    if (!count) return;
    this.pieceCount = 0;
    const pieces = this.pieces;
    const first = pieces[0] as number;
    const spanEnd = (pieces[(count - 1) * 3] as number) + (pieces[(count - 1) * 3 + 1] as number);
    const span = spanEnd - first;
    if (this.staged + span > this.staging.length) {
      this.flushStaging();
      // The start of the message being staged (not given to the splitter yet) moves to the new buffer.
      const carried = this.staging.subarray(this.pushedUpTo, this.staged);
      this.staging = Buffer.allocUnsafe(Math.max(STAGING_BYTES, carried.length + span));
      carried.copy(this.staging, 0);
      this.staged = carried.length;
      this.wholeUpTo = 0;
      this.pushedUpTo = 0;
    }
    const staging = this.staging;
    const base = this.staged;
    chunk.copy(staging, base, first, spanEnd);
    // The payloads, moved down over the headers between them (never onto bytes not yet moved).
    let at = base;
    for (let i = 0; i < count; i++) {
      const from = base + (pieces[i * 3] as number) - first;
      const size = pieces[i * 3 + 1] as number;
      if (from !== at && size > 0) staging.copyWithin(at, from, from + size);
      at += size;
      if (pieces[i * 3 + 2] === 1) this.wholeUpTo = at;
    }
    this.staged = at;
  }

  /**
   * Gives the splitter the whole messages staged since the last time (`all`: everything staged,
   * at the end of the COPY). The staged bytes are never overwritten.
   */
  private flushStaging(all = false): void {
    const upTo = all ? this.staged : this.wholeUpTo;
    if (upTo <= this.pushedUpTo) return;
    const part = this.staging.subarray(this.pushedUpTo, upTo);
    this.pushedUpTo = upTo;
    if (!this.discarding) for (const run of this.splitter.push(part)) this.queue.push(run);
  }

  /** Hands the socket back to pg, with the bytes of the next messages already read. */
  private detach(rest: Buffer): void {
    const stream = this.connection?.stream;
    if (!stream || !this.pgHandler || !this.attached) return;
    this.attached = false;
    stream.removeListener('readable', this.onReadable);
    stream.on('data', this.pgHandler);
    if (rest.length) this.pgHandler(rest);
    // pg's handler may pause the stream; let it flow again once this turn is over.
    process.nextTick(() => stream.resume());
  }
}
