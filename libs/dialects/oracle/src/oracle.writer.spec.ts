import type { Connection, ExecuteManyOptions, ExecuteOptions, Result } from 'oracledb';
import { type NeutralColumn, type RowBatch, RowCountMismatchError, type WriteRequest } from '@dbferry/dialects-core';
import { OracleWriter } from './oracle.writer';

/** Records the writer's calls; the range count answers `counted` (issue 8 item 2). */
class RecordingConnection implements Connection {
  readonly oracleServerVersionString = '23.0.0.0.0';
  readonly log: string[] = [];
  constructor(private readonly counted: number) {}
  execute<T>(sql: string, binds?: Record<string, unknown> | unknown[], _options?: ExecuteOptions): Promise<Result<T>> {
    this.log.push(`${sql.split(' ')[0]} ${JSON.stringify(binds)}`);
    return Promise.resolve((sql.startsWith('SELECT COUNT(*)') ? { rows: [{ N: this.counted }] } : {}) as Result<T>);
  }
  executeMany(_sql: string, binds: unknown[][], _options?: ExecuteManyOptions): Promise<{ rowsAffected?: number }> {
    this.log.push(`executeMany ${binds.length}`);
    return Promise.resolve({ rowsAffected: binds.length });
  }
  commit(): Promise<void> {
    this.log.push('commit');
    return Promise.resolve();
  }
  rollback(): Promise<void> {
    this.log.push('rollback');
    return Promise.resolve();
  }
  ping(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const id: NeutralColumn = { name: 'id', type: { kind: 'int64' }, nativeType: 'NUMBER(19)', nullable: false };
const request = (mode: WriteRequest['mode']): WriteRequest => ({
  table: { schema: 'APP', name: 'T' },
  columns: [id],
  keyColumns: ['id'],
  mode,
  range: { lower: [0n], upper: [5n] },
  verify: true,
});
async function* fiveRows(): AsyncGenerator<RowBatch> {
  yield { columns: [id], rows: [[1n], [2n], [3n], [4n], [5n]] };
}

describe('OracleWriter verify', () => {
  it('replace-range: counts the range after the rows, before the commit, and commits when it holds them all', async () => {
    const connection = new RecordingConnection(5);
    const result = await new OracleWriter(connection).write(request('replace-range'), fiveRows());
    expect(result).toMatchObject({ rowsWritten: 5, rangeRows: 5 });
    expect(connection.log).toEqual(['DELETE {"l0":"0","u0":"5"}', 'executeMany 5', 'SELECT {"l0":"0","u0":"5"}', 'commit']);
  });

  it('replace-range: a range holding fewer rows than written rolls back and fails with both numbers', async () => {
    const connection = new RecordingConnection(4);
    const failure = await new OracleWriter(connection).write(request('replace-range'), fiveRows()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RowCountMismatchError);
    expect(failure).toMatchObject({ expected: 5, found: 4, transient: false, code: 'row-count' });
    expect((failure as Error).message).toContain('holds 4 row(s) after 5 were written');
    expect(connection.log).not.toContain('commit');
    expect(connection.log.at(-1)).toBe('rollback');
  });

  it('upsert: reports the count and leaves the comparison with the source to the engine', async () => {
    const connection = new RecordingConnection(7);
    await expect(new OracleWriter(connection).write(request('upsert'), fiveRows())).resolves.toMatchObject({ rowsWritten: 5, rangeRows: 7 });
    expect(connection.log.at(-1)).toBe('commit');
  });

  it('a rolled-back probe does not count', async () => {
    const connection = new RecordingConnection(0);
    await new OracleWriter(connection).write({ ...request('replace-range'), rollback: true }, fiveRows());
    expect(connection.log.some((l) => l.startsWith('SELECT'))).toBe(false);
  });
});
