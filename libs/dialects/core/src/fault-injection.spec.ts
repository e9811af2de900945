import type { DataPlane, RowBatch } from './data-plane';
import type { DialectSession } from './dialect';
import { isTerminal } from './errors';
import { type FaultCheck, type FaultOperation, faultySession, InjectedFaultError } from './fault-injection';

const batch: RowBatch = { columns: [], rows: [[1], [2]] };

/** A session whose every operation records itself, so a test sees what reached the "database". */
function recordingSession(reached: string[]): DialectSession {
  const plane: DataPlane = {
    introspector: { listSchemas: async () => (reached.push('listSchemas'), ['s']), describeTable: async () => (reached.push('describeTable'), null) },
    reader: {
      read: async function* () {
        reached.push('read');
        yield batch;
        yield batch;
      },
      keyBounds: async () => (reached.push('keyBounds'), null),
      splitRanges: async () => (reached.push('splitRanges'), []),
    },
    writer: { write: async () => (reached.push('write'), { rowsWritten: 2, warnings: [] }) },
    checksummer: { checksum: async () => (reached.push('checksum'), { rows: 0, hash: '0' }) },
    ddl: {} as DataPlane['ddl'],
    execute: async () => void reached.push('execute'),
  };
  return {
    data: plane,
    serverVersion: '1.0',
    ping: async () => void reached.push('ping'),
    listTables: async () => (reached.push('listTables'), []),
    close: async () => void reached.push('close'),
  };
}

/** A check failing the operations in `failing`, recording each call. */
function checkFailing(failing: FaultOperation[], calls: string[]): FaultCheck {
  return async (operation, options) => {
    calls.push(`${operation}${options?.consume === false ? '?' : ''}`);
    if (failing.includes(operation)) throw new InjectedFaultError('f-1', operation);
  };
}

const table = { schema: 's', name: 't' };

async function* noBatches(): AsyncGenerator<RowBatch> {
  yield* [];
}

async function drain(stream: AsyncIterable<RowBatch>): Promise<number> {
  let n = 0;
  for await (const b of stream) n += b.rows.length;
  return n;
}

describe('faultySession', () => {
  it('keeps the reader\'s optional countRows (a deferred key\'s check), as a read, and leaves it absent where the dialect has none', async () => {
    const reached: string[] = [];
    const calls: string[] = [];
    const inner = recordingSession(reached);
    const plane = inner.data as DataPlane;
    const counting = { ...inner, data: { ...plane, reader: { ...plane.reader, countRows: async () => (reached.push('countRows'), 7) } } };
    const data = faultySession(counting, checkFailing([], calls)).data as DataPlane;
    expect(await data.reader.countRows?.(table)).toBe(7);
    expect({ reached, calls }).toEqual({ reached: ['countRows'], calls: ['read'] });
    const failing = faultySession(counting, checkFailing(['read'], [])).data as DataPlane;
    await expect(failing.reader.countRows?.(table)).rejects.toBeInstanceOf(InjectedFaultError);
    expect((faultySession(inner, checkFailing([], [])).data as DataPlane).reader.countRows).toBeUndefined();
  });

  it('fails reads and nothing else under a read fault, before the database is reached', async () => {
    const reached: string[] = [];
    const calls: string[] = [];
    const session = faultySession(recordingSession(reached), checkFailing(['read'], calls));
    const data = session.data as DataPlane;
    await expect(drain(data.reader.read({ table, columns: [], keyColumns: [], batchSize: 10 }))).rejects.toThrow(/injected fault f-1 \(read\)/);
    await expect(data.introspector.describeTable(table)).rejects.toBeInstanceOf(InjectedFaultError);
    await expect(data.checksummer.checksum({ table, columns: [], keyColumns: [] })).rejects.toBeInstanceOf(InjectedFaultError);
    await expect(data.reader.keyBounds(table, [])).rejects.toBeInstanceOf(InjectedFaultError);
    await expect(session.listTables()).rejects.toBeInstanceOf(InjectedFaultError);
    expect(reached).toEqual([]);
    await data.writer.write({ table, columns: [], keyColumns: [], mode: 'insert' }, noBatches());
    await data.execute(['x']);
    await session.ping();
    expect(reached).toEqual(['write', 'execute', 'ping']);
  });

  it('checks once per read stream and once per write, not per batch or row', async () => {
    const reached: string[] = [];
    const calls: string[] = [];
    const data = faultySession(recordingSession(reached), checkFailing([], calls)).data as DataPlane;
    expect(await drain(data.reader.read({ table, columns: [], keyColumns: [], batchSize: 1 }))).toBe(4);
    await data.writer.write({ table, columns: [], keyColumns: [], mode: 'insert' }, data.reader.read({ table, columns: [], keyColumns: [], batchSize: 1 }));
    expect(calls).toEqual(['read', 'write']);
  });

  it('fails writes and statements under a write fault as a transient error, reads go on', async () => {
    const reached: string[] = [];
    const session = faultySession(recordingSession(reached), checkFailing(['write'], []));
    const data = session.data as DataPlane;
    const failed = await data.writer.write({ table, columns: [], keyColumns: [], mode: 'upsert' }, noBatches()).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(InjectedFaultError);
    expect(isTerminal(failed)).toBe(false);
    expect((failed as Error).message).toBe('database error: injected fault f-1 (write)');
    await expect(data.execute(['DELETE'])).rejects.toBeInstanceOf(InjectedFaultError);
    expect(await drain(data.reader.read({ table, columns: [], keyColumns: [], batchSize: 10 }))).toBe(4);
    expect(reached).toEqual(['read']);
  });

  it('pings as a connect that consumes nothing, so a pooled session is not reused under a connect fault', async () => {
    const calls: string[] = [];
    const reached: string[] = [];
    const session = faultySession(recordingSession(reached), checkFailing(['connect'], calls));
    await expect(session.ping()).rejects.toThrow('connection refused: injected fault f-1 (connect)');
    expect(calls).toEqual(['connect?']);
    expect(session.serverVersion).toBe('1.0');
    await session.close();
    expect(reached).toEqual(['close']);
  });
});
