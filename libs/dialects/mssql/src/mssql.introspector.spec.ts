import { buildMssqlSchema, type MssqlColumnRow, type MssqlIndexRow } from './mssql.introspector';

const row = (over: Partial<MssqlColumnRow>): MssqlColumnRow => ({
  column_id: 1, column_name: 'c', type_name: 'int', max_length: 4, precision: 10, scale: 0,
  is_nullable: false, is_identity: false, default_definition: null, object_id: 7, row_estimate: '12', ...over,
});
const index = (index_name: string, column_name: string, is_unique: boolean, is_primary_key = false): MssqlIndexRow => ({ index_name, column_name, is_unique, is_primary_key });

describe('SQL Server secondary indexes from sys.indexes rows', () => {
  const columns = [
    row({ column_name: 'id', type_name: 'bigint', max_length: 8, is_identity: true }),
    row({ column_id: 2, column_name: 'email', type_name: 'nvarchar', max_length: 200, is_nullable: true }),
    row({ column_id: 3, column_name: 'tenant', is_nullable: true }),
    row({ column_id: 4, column_name: 'code', type_name: 'varchar', max_length: 10, default_definition: "('x')" }),
  ];

  it('keeps unique secondary indexes (single and composite, in key order) apart from the primary key and plain indexes', () => {
    // MSSQL_INDEXES_SQL orders by is_primary_key DESC, name, key_ordinal; a UNIQUE constraint is a unique index there too.
    const schema = buildMssqlSchema({ schema: 'dbo', name: 't' }, columns, [
      index('PK_t', 'id', true, true),
      index('UQ_t_email', 'email', true),
      index('ux_tenant_code', 'tenant', true),
      index('ux_tenant_code', 'code', true),
      index('ix_code', 'code', false),
    ], []);
    expect(schema.primaryKey).toEqual(['id']);
    expect(schema.indexes).toEqual([
      { name: 'UQ_t_email', columns: ['email'], unique: true },
      { name: 'ux_tenant_code', columns: ['tenant', 'code'], unique: true },
      { name: 'ix_code', columns: ['code'], unique: false },
    ]);
    expect(schema.columns.map((c) => [c.name, c.identity, c.default])).toEqual([
      ['id', true, null],
      ['email', false, null],
      ['tenant', false, null],
      ['code', false, "('x')"],
    ]);
  });

  it('reads a unique index on a heap (no primary key) as a secondary index, with no key', () => {
    const schema = buildMssqlSchema({ schema: 'dbo', name: 'heap' }, columns, [index('ux_email', 'email', true)], []);
    expect(schema.primaryKey).toEqual([]);
    expect(schema.indexes).toEqual([{ name: 'ux_email', columns: ['email'], unique: true }]);
  });
});
