import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import {
  type DataPlane,
  type DialectSession,
  type NeutralColumn,
  type NeutralValue,
  parseConnectionUrl,
  type RowBatch,
  type TableRef,
  type TableSchema,
} from '@dbferry/dialects-core';
import { createMysqlDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { MysqlDialect } from './mysql.dialect';
import type { MysqlWriteRequest } from './mysql.writer';

/**
 * The writer's LOAD DATA LOCAL path against its multi-row INSERT path: the same values stored,
 * the same values refused with the same error kinds.
 */
const DDL = (db: string, name: string) => `CREATE TABLE \`${db}\`.\`${name}\` (
  id int NOT NULL PRIMARY KEY,
  s varchar(20) NULL,
  t text NULL,
  nn varchar(10) NOT NULL DEFAULT '',
  b varbinary(20) NULL,
  bits bit(10) NULL,
  n decimal(10,2) NULL,
  u bigint unsigned NULL,
  flag tinyint(1) NULL,
  at datetime(6) NULL,
  j json NULL,
  tags set('a','b','c') NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

const ROWS: NeutralValue[][] = [
  [1, 'tab\there', 'nl\nand cr\r and \\ back', 'x', Buffer.from([0, 9, 10, 13, 92, 0xff]), '1111111111', '-12.50', 18446744073709551615n, true,
    '2024-02-29 12:34:56.123456', '{"k": "tab\\tquote\\"", "ü": 1}', ['a', 'c']],
  [2, '\\N', 'NULL', 'trailing  ', Buffer.alloc(0), '0', '0.00', 0n, false, '1000-01-01 00:00:00.000000', '[]', []],
  [3, null, null, '', null, null, null, null, null, null, null, null],
  [4, 'nul\u0000byte', '😀 𝄞 ключ', 'z', Buffer.from('\\N'), '', '99999999.99', 1n, true, '9999-12-31 23:59:59.999999', 'null', ['b']],
  [5, '', '', ' ', Buffer.from('tab\t'), '0000000001', '0.01', 42n, false, '2024-01-01 00:00:00.000001', '"s"', ['a', 'b', 'c']],
];

async function* once(columns: NeutralColumn[], rows: NeutralValue[][]): AsyncIterable<RowBatch> {
  yield { columns, rows };
}

describe('MariaDB: LOAD DATA LOCAL writes', () => {
  let db: EphemeralDatabase;
  let admin: Connection;
  let session: DialectSession;
  let data: DataPlane;
  const ref = (name: string): TableRef => ({ schema: db.name, name });

  const create = async (name: string): Promise<TableSchema> => {
    await admin.query(DDL(db.name, name));
    const described = await data.introspector.describeTable(ref(name));
    if (!described) throw new Error(`${name} was not created`);
    return described;
  };
  const write = (table: TableSchema, rows: NeutralValue[][], via: 'auto' | 'insert') =>
    data.writer.write({ table, columns: table.columns, keyColumns: ['id'], mode: 'insert', via } as MysqlWriteRequest, once(table.columns, rows));
  const readBack = async (table: TableSchema) => {
    const rows: NeutralValue[][] = [];
    for await (const batch of data.reader.read({ table, columns: table.columns, keyColumns: ['id'], batchSize: 100 })) rows.push(...batch.rows);
    return rows;
  };
  const loads = async () => {
    const [rows] = await admin.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Com_load'");
    return Number(rows[0]?.['Value'] ?? 0);
  };

  beforeAll(async () => {
    db = await createMysqlDatabase('dbferry_load');
    admin = await createConnection({ uri: db.url });
    session = await new MysqlDialect().connect({ dialect: 'mysql', ...parseConnectionUrl('mysql', db.url) }, { timeoutMs: 5000 });
    data = session.data as DataPlane;
  });

  afterAll(async () => {
    await session?.close();
    await admin?.end();
    await db?.drop();
  });

  it('stores every value as the INSERT path does, escapes and all', async () => {
    const loaded = await create('via_load');
    const inserted = await create('via_insert');
    const before = await loads();
    expect(await write(loaded, ROWS, 'auto')).toEqual({ rowsWritten: ROWS.length, warnings: [] });
    expect(await loads()).toBeGreaterThan(before);
    await write(inserted, ROWS, 'insert');
    const back = await readBack(loaded);
    expect(back).toEqual(await readBack(inserted));
    expect(back[0]?.slice(1, 5)).toEqual(['tab\there', 'nl\nand cr\r and \\ back', 'x', Buffer.from([0, 9, 10, 13, 92, 0xff])]);
    expect(back[1]?.slice(1, 4)).toEqual(['\\N', 'NULL', 'trailing  ']);
    expect(back[2]?.slice(1, 3)).toEqual([null, null]);
    expect(back[3]?.[1]).toBe('nul\u0000byte');
    expect(back[3]?.[5]).toBe('0000000000');
    expect(back[0]?.[7]).toBe(18446744073709551615n);
  });

  it('refuses through LOAD DATA what INSERT refuses, naming the column, and leaves nothing behind', async () => {
    const table = await create('refusals');
    const base = ROWS[2] as NeutralValue[];
    const cases: { row: NeutralValue[]; code: string; column: string }[] = [
      { row: [10, 'x'.repeat(21), ...base.slice(2)], code: 'data', column: 's' },
      { row: [10, null, null, null, ...base.slice(4)], code: 'constraint', column: 'nn' },
      { row: [10, null, null, '', null, null, '123456789.5', ...base.slice(7)], code: 'data', column: 'n' },
      { row: [10, null, null, '', null, null, null, null, null, '2024-02-30 00:00:00', ...base.slice(10)], code: 'data', column: 'at' },
    ];
    for (const { row, code, column } of cases) {
      const messages: string[] = [];
      for (const via of ['auto', 'insert'] as const) {
        const error = await write(table, [ROWS[0] as NeutralValue[], row], via).then(
          () => null,
          (e: Error) => e,
        );
        expect(error).toMatchObject({ code, transient: false, column });
        messages.push(error?.message ?? '');
      }
      // A string too long and a NULL into NOT NULL read exactly as INSERT's errors.
      if (column === 's' || column === 'nn') expect(messages[0]).toBe(messages[1]);
    }
    for (const via of ['auto', 'insert'] as const) {
      await expect(write(table, [ROWS[0] as NeutralValue[], ROWS[0] as NeutralValue[]], via)).rejects.toMatchObject({ code: 'constraint' });
    }
    expect(await readBack(table)).toEqual([]);
  });

  it('stops the load when the source fails, and the session writes again afterwards', async () => {
    const table = await create('source_fails');
    async function* failing(): AsyncIterable<RowBatch> {
      yield { columns: table.columns, rows: ROWS.slice(0, 2) };
      throw new Error('the source broke');
    }
    await expect(data.writer.write({ table, columns: table.columns, keyColumns: ['id'], mode: 'insert' }, failing())).rejects.toThrow('the source broke');
    const controller = new AbortController();
    async function* aborted(): AsyncIterable<RowBatch> {
      yield { columns: table.columns, rows: ROWS.slice(0, 2) };
      controller.abort(new Error('stop now'));
      yield { columns: table.columns, rows: ROWS.slice(2) };
    }
    await expect(
      data.writer.write({ table, columns: table.columns, keyColumns: ['id'], mode: 'insert', signal: controller.signal }, aborted()),
    ).rejects.toThrow('stop now');
    expect(await readBack(table)).toEqual([]);
    await write(table, ROWS, 'auto');
    expect(await readBack(table)).toHaveLength(ROWS.length);
  });
});
