import type { DataPlane, RowBatch } from './data-plane';
import type { DialectSession } from './dialect';
import { TransientDbError } from './errors';

export const FAULT_OPERATIONS = ['connect', 'read', 'write'] as const;
/** connect: opening a session; read: introspection, reads, key bounds, checksums; write: writes and statements. */
export type FaultOperation = (typeof FAULT_OPERATIONS)[number];

/**
 * An operator's injected fault (issue 13 item 5), thrown where the real outage would be: a
 * transient error, so runs, diffs, repairs and sync tasks retry it with backoff as they would a
 * database that is down. The message names the fault.
 */
export class InjectedFaultError extends TransientDbError {
  constructor(
    readonly faultId: string,
    readonly operation: FaultOperation,
  ) {
    super(operation === 'connect' ? 'connection-refused' : 'unknown', `injected fault ${faultId} (${operation})`);
  }
}

/**
 * Asks whether an operation of this session may go on; rejects with InjectedFaultError when a
 * fault is active. `consume: false` looks without using up a counted fault's hits.
 */
export type FaultCheck = (operation: FaultOperation, options?: { consume?: boolean }) => Promise<void>;

/**
 * The data plane with a fault check before each operation: once per read stream, per write
 * call (one transaction), per statement list or catalogue query, never per row.
 */
export function faultyDataPlane(plane: DataPlane, check: FaultCheck): DataPlane {
  const lookupType = plane.introspector.lookupType?.bind(plane.introspector);
  const describeExpressions = plane.introspector.describeExpressions?.bind(plane.introspector);
  const countRows = plane.reader.countRows?.bind(plane.reader);
  const checksumBuckets = plane.checksummer.checksumBuckets?.bind(plane.checksummer);
  const read = async function* (request: Parameters<DataPlane['reader']['read']>[0]): AsyncGenerator<RowBatch> {
    await check('read');
    yield* plane.reader.read(request);
  };
  return {
    ...(plane.orderedKeyKinds && { orderedKeyKinds: plane.orderedKeyKinds }),
    introspector: {
      listSchemas: async () => (await check('read'), plane.introspector.listSchemas()),
      describeTable: async (table) => (await check('read'), plane.introspector.describeTable(table)),
      ...(lookupType && { lookupType: async (typeText: string) => (await check('read'), lookupType(typeText)) }),
      ...(describeExpressions && { describeExpressions: async (table, expressions) => (await check('read'), describeExpressions(table, expressions)) }),
    },
    reader: {
      read,
      keyBounds: async (table, keys, where) => (await check('read'), plane.reader.keyBounds(table, keys, where)),
      splitRanges: async (table, keys, parts, where) => (await check('read'), plane.reader.splitRanges(table, keys, parts, where)),
      // A deferred primary key's check counts the table (finish-run): dropping it would fail every such run under faults.
      ...(countRows && { countRows: async (table) => (await check('read'), countRows(table)) }),
    },
    writer: {
      write: async (request, batches) => (await check('write'), plane.writer.write(request, batches)),
      ...(plane.writer.nativeFormats && { nativeFormats: plane.writer.nativeFormats }),
    },
    checksummer: {
      checksum: async (request) => (await check('read'), plane.checksummer.checksum(request)),
      // A diff's first split asks every side for its buckets: dropping it would change the diff under faults.
      ...(checksumBuckets && { checksumBuckets: async (request, bounds) => (await check('read'), checksumBuckets(request, bounds)) }),
    },
    ddl: plane.ddl,
    execute: async (statements) => (await check('write'), plane.execute(statements)),
  };
}

/**
 * The session with its data plane checked (faultyDataPlane), its table listing checked as a
 * read, and its ping as a connect that consumes nothing: a pooled session is pinged before reuse,
 * so a connection under a connect fault is not reached through a session opened before it.
 */
export function faultySession(session: DialectSession, check: FaultCheck): DialectSession {
  const data = session.data && faultyDataPlane(session.data, check);
  return {
    ...(data && { data }),
    get serverVersion() {
      return session.serverVersion;
    },
    ping: async () => (await check('connect', { consume: false }), session.ping()),
    listTables: async (schema) => (await check('read'), session.listTables(schema)),
    close: () => session.close(),
  };
}

/** The id of the active fault on this operation (using up one hit of a counted one unless `consume` is false), or null. */
export type FaultLookup = (operation: FaultOperation, consume: boolean) => Promise<string | null>;

/** A FaultCheck that throws InjectedFaultError for whatever fault `lookup` finds. */
export function faultCheck(lookup: FaultLookup): FaultCheck {
  return async (operation, options) => {
    const id = await lookup(operation, options?.consume !== false);
    if (id) throw new InjectedFaultError(id, operation);
  };
}
