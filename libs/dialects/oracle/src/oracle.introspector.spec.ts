import { buildOracleSchema, type OracleColumnRow, type OracleConstraintRow, type OracleIndexRow } from './oracle.introspector';

const row = (over: Partial<OracleColumnRow>): OracleColumnRow => ({
  columnName: 'C', dataType: 'NUMBER', dataLength: 22, charLength: 0, charUsed: null, precision: 10, scale: 0,
  nullable: 'N', dataDefault: null, identity: 'NO', ...over,
});
const varchar = (columnName: string): OracleColumnRow =>
  row({ columnName, dataType: 'VARCHAR2', dataLength: 40, charLength: 10, charUsed: 'C', precision: null, scale: null, nullable: 'Y' });
const pk = (columnName: string, indexName: string | null = 'PK_T'): OracleConstraintRow => ({ type: 'P', name: 'PK_T', indexName, condition: null, columnName });
const index = (indexName: string, columnName: string, unique: boolean): OracleIndexRow => ({ indexName, columnName, uniqueness: unique ? 'UNIQUE' : 'NONUNIQUE' });

describe('Oracle secondary indexes from ALL_INDEXES rows', () => {
  const columns = [row({ columnName: 'ID', precision: 18, identity: 'YES' }), varchar('EMAIL'), varchar('TENANT'), varchar('CODE')];

  it('keeps unique secondary indexes (single and composite, in column order) and leaves out the key’s own index', () => {
    const schema = buildOracleSchema({ schema: 'APP', name: 'T' }, columns, [pk('ID')], [
      index('PK_T', 'ID', true),
      index('UQ_EMAIL', 'EMAIL', true),
      index('UX_TENANT_CODE', 'TENANT', true),
      index('UX_TENANT_CODE', 'CODE', true),
      index('IX_CODE', 'CODE', false),
    ], 7);
    expect(schema.primaryKey).toEqual(['ID']);
    expect(schema.indexes).toEqual([
      { name: 'UQ_EMAIL', columns: ['EMAIL'], unique: true },
      { name: 'UX_TENANT_CODE', columns: ['TENANT', 'CODE'], unique: true },
      { name: 'IX_CODE', columns: ['CODE'], unique: false },
    ]);
    expect(schema.columns.map((c) => [c.name, c.identity])).toEqual([['ID', true], ['EMAIL', false], ['TENANT', false], ['CODE', false]]);
  });

  it('leaves out the key index when the constraint uses a differently named unique index, keeps it otherwise', () => {
    const schema = buildOracleSchema({ schema: 'APP', name: 'T' }, columns, [pk('ID', 'T_ID_UX')], [index('T_ID_UX', 'ID', true), index('UQ_EMAIL', 'EMAIL', true)], null);
    expect(schema.indexes).toEqual([{ name: 'UQ_EMAIL', columns: ['EMAIL'], unique: true }]);
    const noKey = buildOracleSchema({ schema: 'APP', name: 'T' }, columns, [], [index('UQ_EMAIL', 'EMAIL', true)], null);
    expect(noKey.primaryKey).toEqual([]);
    expect(noKey.indexes).toEqual([{ name: 'UQ_EMAIL', columns: ['EMAIL'], unique: true }]);
  });
});
