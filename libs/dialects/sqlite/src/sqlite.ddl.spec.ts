import { join } from 'node:path';
import { goldenSql } from '@dbferry/dialects-core';
import { IdentifierError, type NeutralColumn, type TableSchema } from '@dbferry/dialects-core';
import { SqliteDdlBuilder } from './sqlite.ddl';
import { SqliteDialect } from './sqlite.dialect';
import { SqliteSql } from './sqlite.sql';

const GOLDEN = join(__dirname, '..', 'golden');
const dialect = new SqliteDialect();
const ddl = new SqliteDdlBuilder(dialect);
const sql = new SqliteSql(dialect);

/** Compares with golden/<name>.sql; UPDATE_GOLDEN=1 rewrites the file instead. */
function golden(name: string, text: string): void {
  const result = goldenSql(GOLDEN, name, text);
  expect(result.actual).toBe(result.expected);
}

const col = (name: string, type: NeutralColumn['type'], nullable = true): NeutralColumn => ({ name, type, nativeType: '', nullable });

const weirdColumns: NeutralColumn[] = [
  col('order', { kind: 'int64' }, false),
  col('MixedCase', { kind: 'string', length: 20 }, false),
  col('with space', { kind: 'decimal', precision: 38, scale: 10 }),
  col('a"b', { kind: 'enum', values: ['small', "it's", 'a,b'] }),
  col('таблица', { kind: 'timestamptz', precision: 6 }),
  col('u', { kind: 'uint64' }),
  col('j', { kind: 'json' }),
];

const weirdSchema: Pick<TableSchema, 'columns' | 'primaryKey' | 'indexes'> = {
  columns: weirdColumns,
  primaryKey: ['order', 'MixedCase'],
  indexes: [
    { name: 'idx "quoted"', columns: ['таблица'], unique: false },
    { name: 'ux_with space', columns: ['with space', 'a"b'], unique: true },
  ],
};

describe('SqliteDdlBuilder (golden SQL)', () => {
  it('creates tables named order, MixedCase, "with space", a"b and таблица with every identifier quoted', () => {
    const out = ['order', 'MixedCase', 'with space', 'a"b', 'таблица'].flatMap(
      (name) => ddl.createTable({ schema: 'main', name }, weirdSchema).statements.map((s) => `${s};`),
    );
    golden('create-table', out.join('\n\n'));
  });

  it('writes declared types from sqliteTypeMapper, honours overrides and reports losses', () => {
    const plan = ddl.createTable(
      { schema: 'main', name: 't' },
      { columns: [col('id', { kind: 'int64' }, false), col('note', { kind: 'text' }), col('at', { kind: 'timestamp', precision: 6 })], primaryKey: ['id'], indexes: [] },
      { typeOverrides: { note: 'VARCHAR(7)' } },
    );
    golden('create-table-override', plan.statements.join(';\n'));
    expect(plan.losses).toEqual([]);
  });

  it('adds columns one ALTER at a time', () => {
    const plan = ddl.addColumns({ schema: 'main', name: 'with space' }, [col('new"col', { kind: 'bool' }, false), col('e', { kind: 'enum', values: ['x'] })]);
    golden('add-columns', plan.statements.map((s) => `${s};`).join('\n'));
  });

  it('builds the upsert as INSERT … ON CONFLICT DO UPDATE over the non-key columns', () => {
    golden('upsert', sql.insert({ schema: 'main', name: 'a"b' }, weirdColumns, 2, ['order', 'MixedCase']));
  });

  it('builds the upsert of a table that is all key as DO NOTHING', () => {
    expect(sql.insert({ schema: 'main', name: 'k' }, [col('id', { kind: 'int64' })], 1, ['id'])).toBe(
      'INSERT INTO "main"."k" ("id")\nVALUES\n  (CAST(? AS INTEGER))\nON CONFLICT ("id") DO NOTHING',
    );
  });

  it('builds the replace-range delete with row-value bounds', () => {
    const keys = [
      { name: 'order', type: { kind: 'int64' } as const },
      { name: 'MixedCase', type: { kind: 'string' } as const },
    ];
    const bound = sql.deleteRange({ schema: 'main', name: 'таблица' }, keys, { lower: [1n, 'a'], upper: [9223372036854775807n, 'z'] });
    golden('replace-range-delete', bound.sql);
    expect(bound.params).toEqual(['1', 'a', '9223372036854775807', 'z']);
    expect(sql.deleteRange({ schema: 'main', name: 't' }, keys, {}).sql).toBe('DELETE FROM "main"."t"');
  });

  describe('identifier limits', () => {
    const long = 'x'.repeat(dialect.capabilities.maxIdentifierLength + 1);

    it('accepts two 70-byte names', () => {
      const a = 'é'.repeat(35);
      const b = 'b'.repeat(70);
      expect(Buffer.byteLength(a)).toBe(70);
      const plan = ddl.createTable({ schema: 'main', name: a }, { columns: [col(b, { kind: 'int32' })], primaryKey: [], indexes: [] });
      expect(plan.statements[0]).toContain(`"${a}"`);
      expect(plan.statements[0]).toContain(`"${b}"`);
    });

    it.each([
      ['a table', () => ddl.createTable({ schema: 'main', name: long }, { columns: [col('a', { kind: 'int32' })], primaryKey: [], indexes: [] })],
      ['a column', () => ddl.createTable({ schema: 'main', name: 't' }, { columns: [col(long, { kind: 'int32' })], primaryKey: [], indexes: [] })],
      [
        'an index',
        () => ddl.createTable({ schema: 'main', name: 't' }, { columns: [col('a', { kind: 'int32' })], primaryKey: [], indexes: [{ name: long, columns: ['a'], unique: false }] }),
      ],
      ['an added column', () => ddl.addColumns({ schema: 'main', name: 't' }, [col(long, { kind: 'int32' })])],
      ['a schema', () => ddl.qualify({ schema: long, name: 't' })],
      ['an upsert column', () => sql.insert({ schema: 'main', name: 't' }, [col(long, { kind: 'int32' })], 1, [long])],
    ])('refuses %s longer than maxIdentifierLength with IdentifierError', (_what, build) => {
      expect(build).toThrow(IdentifierError);
    });

    it('measures the limit in UTF-8 bytes and refuses empty and NUL names', () => {
      const max = dialect.capabilities.maxIdentifierLength;
      expect(() => sql.quote('я'.repeat(max / 2))).not.toThrow();
      expect(() => sql.quote('я'.repeat(max / 2 + 1))).toThrow(IdentifierError);
      expect(() => sql.quote('')).toThrow(IdentifierError);
      expect(() => sql.quote('a\0b')).toThrow(IdentifierError);
    });
  });
});
