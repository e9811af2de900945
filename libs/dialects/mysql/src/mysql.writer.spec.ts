import type { NeutralColumn } from '@dbferry/dialects-core';
import { deleteRangeSql, InsertPacker, insertStatementParts, rowTuple, supportsRowAlias } from './mysql.writer';

const columns: NeutralColumn[] = [
  { name: 'id', type: { kind: 'int64' }, nativeType: 'bigint', nullable: false },
  { name: 'body', type: { kind: 'text' }, nativeType: 'text', nullable: true },
];

function pack(packer: InsertPacker, tuples: string[]): string[] {
  const statements: string[] = [];
  for (const t of tuples) {
    const ready = packer.add(t);
    if (ready) statements.push(ready);
  }
  const rest = packer.flush();
  if (rest) statements.push(rest);
  return statements;
}

describe('InsertPacker', () => {
  it('never puts more rows in a statement than the bind limit allows for the column count', () => {
    const packer = new InsertPacker('INSERT INTO t (a, b, c) VALUES ', '', 3, 10, 1_000_000);
    expect(packer.maxRows).toBe(3);
    const statements = pack(packer, Array.from({ length: 7 }, (_, i) => `(${i},${i},${i})`));
    expect(statements).toEqual([
      'INSERT INTO t (a, b, c) VALUES (0,0,0),(1,1,1),(2,2,2)',
      'INSERT INTO t (a, b, c) VALUES (3,3,3),(4,4,4),(5,5,5)',
      'INSERT INTO t (a, b, c) VALUES (6,6,6)',
    ]);
  });

  it('stays under the byte budget taken from max_allowed_packet, counting UTF-8 bytes', () => {
    const head = 'INSERT INTO t (a) VALUES ';
    const tail = ' ON DUPLICATE KEY UPDATE a = VALUES(a)';
    const budget = 200;
    const packer = new InsertPacker(head, tail, 1, 65_535, budget);
    // 4-byte characters: 10 characters are 40 bytes.
    const tuples = Array.from({ length: 20 }, () => `('${'😀'.repeat(10)}')`);
    const statements = pack(packer, tuples);
    expect(statements.length).toBeGreaterThan(1);
    for (const s of statements) expect(Buffer.byteLength(s)).toBeLessThanOrEqual(budget);
    expect(statements.join('').split('😀').length - 1).toBe(200);
    expect(statements.every((s) => s.startsWith(head) && s.endsWith(tail))).toBe(true);
  });

  it('sends a row larger than the budget alone rather than dropping it', () => {
    const packer = new InsertPacker('I ', '', 1, 100, 10);
    expect(pack(packer, ['(1)', `('${'x'.repeat(50)}')`, '(2)'])).toEqual(['I (1)', `I ('${'x'.repeat(50)}')`, 'I (2)']);
  });
});

describe('upsert statement', () => {
  const table = { schema: 'db', name: 't' };

  it('uses VALUES(col) on MariaDB and before MySQL 8.0.19, the row alias after', () => {
    expect(supportsRowAlias({ flavor: 'mariadb', rawVersion: '10.11.19-MariaDB' })).toBe(false);
    expect(supportsRowAlias({ flavor: 'mysql', rawVersion: '8.0.18' })).toBe(false);
    expect(supportsRowAlias({ flavor: 'mysql', rawVersion: '8.0.19' })).toBe(true);
    expect(supportsRowAlias({ flavor: 'mysql', rawVersion: '8.4.2' })).toBe(true);
    expect(supportsRowAlias({ flavor: 'mysql', rawVersion: '5.7.44-log' })).toBe(false);
    const maria = insertStatementParts(table, ['id', 'body'], ['id'], 'upsert', { flavor: 'mariadb', rawVersion: '10.11.19' });
    expect(maria.tail).toBe(' ON DUPLICATE KEY UPDATE `body` = VALUES(`body`)');
    const mysql = insertStatementParts(table, ['id', 'body'], ['id'], 'upsert', { flavor: 'mysql', rawVersion: '8.0.36' });
    expect(mysql.tail).toBe(' AS `_dbferry_new` ON DUPLICATE KEY UPDATE `body` = `_dbferry_new`.`body`');
  });

  it('keeps a key-only table an upsert with a no-op update', () => {
    const parts = insertStatementParts(table, ['a', 'b'], ['a', 'b'], 'upsert', { flavor: 'mariadb', rawVersion: '10.11.19' });
    expect(parts.tail).toBe(' ON DUPLICATE KEY UPDATE `a` = VALUES(`a`), `b` = VALUES(`b`)');
    expect(() => insertStatementParts(table, ['a'], [], 'upsert', { flavor: 'mariadb', rawVersion: '10.11.19' })).toThrow(/key columns/);
  });

  it('writes rows as literal tuples and deletes a range by its bounds', () => {
    expect(rowTuple(columns, [9007199254740993n, "it's"])).toBe("(9007199254740993,'it\\'s')");
    expect(deleteRangeSql({ table, columns, keyColumns: ['id'], range: { lower: [10n], upper: [20n] } })).toBe(
      'DELETE FROM `db`.`t` WHERE (`id` > 10) AND (`id` <= 20)',
    );
    expect(deleteRangeSql({ table, columns, keyColumns: ['id'] })).toBe('DELETE FROM `db`.`t`');
  });
});
