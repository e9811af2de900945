import { IdentifierError, type NeutralColumn } from '@dbferry/dialects-core';
import { checksumInDatabase } from './mysql.checksum';
import { indexName, MysqlDdlBuilder, tableCollation } from './mysql.ddl';
import { selectSql, splitSql } from './mysql.reader';
import { checkIdentifier, rangePredicate } from './mysql.sql';

const int = (name: string): NeutralColumn => ({ name, type: { kind: 'int32' }, nativeType: 'int', nullable: false });
const text = (name: string): NeutralColumn => ({ name, type: { kind: 'text' }, nativeType: 'text', nullable: false });
const ddl = new MysqlDdlBuilder('mariadb');
const target = { schema: 'db', name: 't' };

describe('identifiers', () => {
  it('refuses names MySQL cannot hold before building any SQL', () => {
    const long = 'x'.repeat(65);
    expect(() => ddl.createTable({ schema: 'db', name: long }, { columns: [int('a')], primaryKey: [], indexes: [] })).toThrow(IdentifierError);
    expect(() => ddl.createTable(target, { columns: [int(long)], primaryKey: [], indexes: [] })).toThrow(/65 characters long; MySQL allows 64/);
    expect(() => ddl.addColumns(target, [int(long)])).toThrow(IdentifierError);
    expect(() => checkIdentifier('x'.repeat(64))).not.toThrow();
    // 64 Cyrillic characters are 128 bytes: MySQL counts characters.
    expect(() => checkIdentifier('т'.repeat(64))).not.toThrow();
    expect(() => checkIdentifier('emoji😀')).toThrow(/Basic Multilingual Plane/);
    expect(() => checkIdentifier('trailing ')).toThrow(/ends with a space/);
  });

  it('shortens long index names deterministically', () => {
    const name = 'i'.repeat(80);
    expect(indexName(name)).toHaveLength(64);
    expect(indexName(name)).toBe(indexName(name));
    expect(indexName(`${'i'.repeat(79)}j`)).not.toBe(indexName(name));
    expect(indexName('short')).toBe('short');
  });
});

describe('MysqlDdlBuilder', () => {
  it('uses a no-pad binary collation on each flavour', () => {
    expect(tableCollation('mariadb')).toBe('utf8mb4_nopad_bin');
    expect(tableCollation('mysql')).toBe('utf8mb4_0900_bin');
    expect(new MysqlDdlBuilder('mysql').createTable(target, { columns: [int('a')], primaryKey: ['a'], indexes: [] }).statements[0]).toMatch(
      /COLLATE=utf8mb4_0900_bin$/,
    );
  });

  it('turns text key columns into varchar sharing the InnoDB key budget', () => {
    const plan = ddl.createTable(target, {
      columns: [text('a'), text('b'), text('c'), { ...text('blob'), type: { kind: 'blob' } }],
      primaryKey: ['a'],
      indexes: [{ name: 'ab', columns: ['b', 'blob'], unique: true }],
    });
    const sql = plan.statements[0] ?? '';
    expect(sql).toContain('`a` varchar(768) NOT NULL');
    expect(sql).toContain('`b` varchar(384) NOT NULL');
    expect(sql).toContain('`blob` varbinary(1536) NOT NULL');
    expect(sql).toContain('`c` longtext NOT NULL');
  });

  it('refuses a key InnoDB cannot index, naming the columns', () => {
    const wide = (name: string): NeutralColumn => ({ name, type: { kind: 'string', length: 1000 }, nativeType: 'varchar(1000)', nullable: false });
    expect(() => ddl.createTable(target, { columns: [wide('a')], primaryKey: ['a'], indexes: [] })).toThrow(
      /the primary key of t needs about 4000 bytes per key \(a varchar\(1000\)\); InnoDB allows 3072/,
    );
    expect(() => ddl.createTable(target, { columns: [int('a')], primaryKey: ['nope'], indexes: [] })).toThrow(/unknown column nope/);
  });

  it('keeps overrides verbatim and reports losses', () => {
    const plan = ddl.createTable(
      target,
      {
        columns: [int('a'), { name: 'n', type: { kind: 'decimal' }, nativeType: 'numeric', nullable: true }, { ...text('o'), nullable: true }],
        primaryKey: ['a'],
        indexes: [],
      },
      { typeOverrides: { o: 'varchar(10) CHARACTER SET ascii' } },
    );
    expect(plan.statements[0]).toContain('`o` varchar(10) CHARACTER SET ascii NULL');
    expect(plan.losses).toEqual([{ column: 'n', note: expect.objectContaining({ kind: 'unbounded-decimal-bounded' }) }]);
  });

  it('marks an identity as AUTO_INCREMENT only where MySQL allows it', () => {
    const id = { ...int('id'), identity: true };
    const other = { ...int('other'), identity: true };
    const sql = ddl.createTable(target, { columns: [id, other], primaryKey: ['id'], indexes: [] }).statements[0];
    expect(sql).toContain('`id` int NOT NULL AUTO_INCREMENT');
    expect(sql).toContain('`other` int NOT NULL,');
  });
});

describe('range predicates', () => {
  const keys = [int('a'), { ...int('b'), type: { kind: 'int64' as const } }, text('c')];

  it('expands tuple comparison so the index is used (lower exclusive, upper inclusive)', () => {
    expect(rangePredicate(keys.slice(0, 1), { lower: [1], upper: [5] })).toBe('(`a` > 1) AND (`a` <= 5)');
    expect(rangePredicate(keys, { lower: [1, 9007199254740993n, 'x'] })).toBe(
      "(`a` >= 1 AND (`a` > 1 OR (`a` = 1 AND (`b` > 9007199254740993 OR (`b` = 9007199254740993 AND `c` > 'x')))))",
    );
    expect(rangePredicate(keys.slice(0, 2), { upper: [2, 3n] })).toBe('(`a` <= 2 AND (`a` < 2 OR (`a` = 2 AND `b` <= 3)))');
    expect(rangePredicate(keys, {})).toBeNull();
    expect(() => rangePredicate(keys, { lower: [1] })).toThrow(/1 values for 3 key columns/);
  });

  it('reads in key order with the range and the filter', () => {
    expect(selectSql({ table: target, columns: keys, keyColumns: ['a'], range: { lower: [3] }, where: '`b` > 0' })).toBe(
      'SELECT `a`, `b`, `c` FROM `db`.`t` WHERE (`a` > 3) AND (`b` > 0) ORDER BY `a`',
    );
    expect(splitSql(target, ['a', 'b'], '', 100, 450)).toBe(
      'SELECT `a`, `b` FROM (SELECT `a`, `b`, ROW_NUMBER() OVER (ORDER BY `a`, `b`) AS `_dbferry_rn` FROM `db`.`t`) AS `_dbferry_keys` WHERE MOD(`_dbferry_rn`, 100) = 0 AND `_dbferry_rn` < 450 ORDER BY `_dbferry_rn`',
    );
  });

  it('checksums in SQL only when every column kind can match the reference', () => {
    expect(checksumInDatabase([int('a'), text('b')])).toBe(true);
    expect(checksumInDatabase([int('a'), { ...text('j'), type: { kind: 'json' } }])).toBe(false);
    expect(checksumInDatabase([{ ...int('f'), type: { kind: 'float64' } }])).toBe(false);
  });
});
