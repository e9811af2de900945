import { join } from 'node:path';
import { goldenSql } from '@dbferry/dialects-core';
import type { NeutralColumn, TableSchema } from '@dbferry/dialects-core';
import { checksumSql } from './mysql.checksum';
import { MysqlDdlBuilder } from './mysql.ddl';
import { InsertPacker, insertStatementParts, rowTuple, type MysqlServerInfo } from './mysql.writer';

/** Golden SQL: a review shows every change to generated SQL. Regenerate with UPDATE_GOLDEN=1. */
const GOLDEN_DIR = join(__dirname, '..', 'golden');

function golden(name: string, actual: string): void {
  const result = goldenSql(GOLDEN_DIR, name, actual);
  expect(result.actual).toBe(result.expected);
}

const c = (name: string, type: NeutralColumn['type'], nullable = true, extra: Partial<NeutralColumn> = {}): NeutralColumn => ({
  name,
  type,
  nativeType: '',
  nullable,
  ...extra,
});

const tricky: Pick<TableSchema, 'columns' | 'primaryKey' | 'indexes'> = {
  columns: [
    c('order', { kind: 'int64' }, false, { identity: true }),
    c('MixedCase', { kind: 'string', length: 40 }, false),
    c('with space', { kind: 'text' }),
    c('a`b', { kind: 'decimal', precision: 38, scale: 10 }),
    c('таблица', { kind: 'timestamptz', precision: 6 }),
    c('flag', { kind: 'bool' }, false, { comment: "it's a flag" }),
    c('kind', { kind: 'enum', values: ['small', "it's", 'a\\b'] }),
    c('payload', { kind: 'json', binary: true }),
    c('raw', { kind: 'binary', length: 16, fixed: true }),
    c('tags', { kind: 'set', values: ['red', 'green'] }),
    c('bits', { kind: 'bit', length: 10 }),
    c('at', { kind: 'timestamp', precision: 7 }),
  ],
  primaryKey: ['order', 'MixedCase'],
  indexes: [
    { name: 'by space', columns: ['with space'], unique: false },
    { name: 'uq a`b', columns: ['a`b', 'таблица'], unique: true },
  ],
};

const table = { schema: 'Shop db', name: 'таблица `order`' };
const maria: MysqlServerInfo = { flavor: 'mariadb', rawVersion: '10.11.19-MariaDB-0+deb12u1' };
const mysql8: MysqlServerInfo = { flavor: 'mysql', rawVersion: '8.0.36' };

function upsert(server: MysqlServerInfo): string {
  const columns = tricky.columns.slice(0, 6);
  const { head, tail } = insertStatementParts(table, columns.map((x) => x.name), ['order', 'MixedCase'], 'upsert', server);
  const packer = new InsertPacker(head, tail, columns.length, 65_535, 1 << 20);
  packer.add(rowTuple(columns, [9223372036854775807n, 'A', "it's\n", '-1234567890123456789012345678.0123456789', '2020-01-01 00:00:00.000001+00:00', true]));
  packer.add(rowTuple(columns, [1n, 'a ', null, '0', '1970-01-01 02:00:00+02:00', false]));
  return packer.flush() ?? '';
}

describe('golden SQL', () => {
  it('CREATE TABLE on MariaDB quotes every identifier and maps through the type mapper', () => {
    const plan = new MysqlDdlBuilder('mariadb').createTable(table, tricky);
    golden('create-table.mariadb.sql', `${plan.statements.join(';\n\n')};\n\n-- losses: ${plan.losses.map((l) => `${l.column} ${l.note.kind}`).join(', ')}`);
  });

  it('CREATE TABLE on MySQL 8', () => {
    golden('create-table.mysql8.sql', `${new MysqlDdlBuilder('mysql').createTable(table, tricky).statements.join(';\n\n')};`);
  });

  it('ALTER TABLE … ADD COLUMN', () => {
    const plan = new MysqlDdlBuilder('mariadb').addColumns(table, [c('new col', { kind: 'uuid' }), c('ü', { kind: 'int16' }, false)]);
    golden('add-columns.sql', `${plan.statements.join(';\n')};`);
  });

  it('upsert on MariaDB (VALUES(col))', () => {
    golden('upsert.mariadb.sql', `${upsert(maria)};`);
  });

  it('upsert on MySQL 8.0.19+ (row alias)', () => {
    golden('upsert.mysql8.sql', `${upsert(mysql8)};`);
  });

  it('checksum of a key range', () => {
    const columns = tricky.columns.filter((x) => !['payload', 'tags'].includes(x.name));
    const sql = checksumSql({
      table,
      columns: [...columns, c('d', { kind: 'date' }), c('t', { kind: 'time', precision: 3 }), c('ch', { kind: 'char', length: 3 }), c('u', { kind: 'uuid' })],
      keyColumns: ['order', 'MixedCase'],
      range: { lower: [10n, 'k'], upper: [20n, 'z'] },
    });
    golden('checksum.sql', `${sql};`);
    // Every side MySQL/MariaDB: each value's own bytes (every kind, JSON too), NULL flags, CRC32 + CRC32C.
    const native = checksumSql({ table, columns: tricky.columns, keyColumns: ['order', 'MixedCase'], range: { lower: [10n, 'k'], upper: [20n, 'z'] }, digest: 'native' }, 'crc');
    golden('checksum-native.sql', `${native};`);
  });
});
