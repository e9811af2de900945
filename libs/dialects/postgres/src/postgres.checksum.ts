import {
  ChecksumAccumulator,
  type ChecksumRequest,
  type ChecksumResult,
  type Checksummer,
  type NeutralValue,
  type Reader,
} from '@dbferry/dialects-core';
import type { ClientLease, PostgresClients } from './postgres.clients';
import { buildBucketChecksumSql, buildChecksumSql, digestFromSignedSum } from './postgres.sql';
import { POSTGRES_RAW_TYPES } from './postgres.values';
import { READ_TRANSACTION } from './postgres.reader';

/** Rows per batch when the checksum is computed in the worker. */
const WORKER_BATCH = 5000;
/**
 * Extra sessions kept open between checksums (a diff checksums many ranges at once): opening a
 * backend per range cost more server CPU than the checksum of a small range. They close with the
 * session (PostgresClients.closeAll).
 */
const IDLE_SESSIONS = 4;
/** Marks a native digest (ChecksumRequest.digest): hashtextextended sums, comparable only with PostgreSQL's. */
const NATIVE_PREFIX = 'pg-hashtext:';
/** Marks a typed digest (postgres.sql.ts buildTypedChecksumSql), with the server's encoding after it. */
const TYPED_PREFIX = 'pg-typed-';
/** untranslatable_character: a json value holding \u0000, which jsonb (the typed digest's json hash) refuses. */
const UNTRANSLATABLE = '22P05';

/**
 * md5 in the database when every column's normalised text can be written in SQL; otherwise
 * (floats, json, arrays, sets) the rows are streamed and digested in the worker with the
 * reference ChecksumAccumulator. 'native' hashes the same text with hashtextextended; 'typed'
 * hashes each value by its type (floats and json too) and builds no text. A typed checksum that
 * meets a json value jsonb cannot hold (\u0000) digests that range in the worker instead: the
 * portable digest, which the other side's equal range then gives too (or the range is compared).
 */
/** A database digest's prefix: none for the portable one (ChecksumRequest.digest). */
function prefixOf(request: ChecksumRequest, encoding: string | undefined): string {
  return request.digest === 'typed' ? `${TYPED_PREFIX}${encoding ?? ''}:` : request.digest === 'native' ? NATIVE_PREFIX : '';
}

export class PostgresChecksummer implements Checksummer {
  constructor(
    private readonly clients: PostgresClients,
    private readonly reader: Reader,
    private readonly wrap: <T>(work: () => Promise<T>) => Promise<T>,
  ) {}

  private readonly idle: ClientLease[] = [];

  async checksum(request: ChecksumRequest): Promise<ChecksumResult> {
    const query = buildChecksumSql(request);
    if (!query) return this.inWorker(request);
    const result = await this.inDatabase(request, query, (rows) => {
      const [count, sum, encoding] = rows[0] ?? ['0', '0'];
      return { rows: Number(count), hash: `${prefixOf(request, encoding)}${digestFromSignedSum(sum ?? '0')}` };
    });
    return result ?? this.inWorker(request);
  }

  /**
   * Every bucket's checksum in one statement (buildBucketChecksumSql), each as `checksum` gives
   * it for that sub-range; null for a key or digest it cannot bucket (and for a typed digest that
   * met a value its hashes refuse: the ranges are then checksummed one by one).
   */
  async checksumBuckets(request: ChecksumRequest, bounds: NeutralValue[][]): Promise<ChecksumResult[] | null> {
    const query = buildBucketChecksumSql(request, bounds);
    if (!query) return null;
    return this.inDatabase(request, query, (rows) => {
      const out: ChecksumResult[] = Array.from({ length: bounds.length + 1 }, () => ({ rows: 0, hash: `${prefixOf(request, rows[0]?.[3])}${digestFromSignedSum('0')}` }));
      for (const [bucket, count, sum, encoding] of rows) out[Number(bucket)] = { rows: Number(count), hash: `${prefixOf(request, encoding)}${digestFromSignedSum(sum ?? '0')}` };
      return out;
    });
  }

  /** Null when a typed checksum met a value its hashes refuse (UNTRANSLATABLE). */
  private inDatabase<T>(request: ChecksumRequest, query: { sql: string; params: (string | null)[] }, read: (rows: (string | undefined)[][]) => T): Promise<T | null> {
    return this.wrap(async () => {
      const lease = this.idle.pop() ?? (await this.clients.lease());
      const client = lease.client;
      let reusable = false;
      try {
        await client.query(READ_TRANSACTION);
        try {
          const result = await client
            .query<string[]>({
              text: query.sql,
              values: query.params,
              rowMode: 'array',
              types: POSTGRES_RAW_TYPES,
            })
            .catch((error: unknown) => {
              if (request.digest === 'typed' && (error as { code?: unknown }).code === UNTRANSLATABLE) return null;
              throw error;
            });
          return result ? read(result.rows) : null;
        } finally {
          reusable = await client.query('ROLLBACK').then(() => true, () => false);
        }
      } finally {
        // The main session goes back at once (the reader and writer use it); an extra one waits for the next range.
        if (reusable && client !== this.clients.main && this.idle.length < IDLE_SESSIONS) this.idle.push(lease);
        else await lease.release();
      }
    });
  }

  private async inWorker(request: ChecksumRequest): Promise<ChecksumResult> {
    const accumulator = new ChecksumAccumulator(request.columns.map((c) => c.type));
    const batches = this.reader.read({ ...request, keyColumns: request.keyColumns, batchSize: WORKER_BATCH });
    for await (const batch of batches) {
      for (const row of batch.rows) accumulator.add(row);
    }
    return { rows: accumulator.rows, hash: accumulator.hash };
  }
}
