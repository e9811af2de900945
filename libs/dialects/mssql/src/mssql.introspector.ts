import type { ConnectionPool } from 'mssql';
import type { IndexInfo, Introspector, NativeColumnInfo, NeutralColumn, TableRef, TableSchema } from '@dbferry/dialects-core';
import { MSSQL_CHECKS_SQL, MSSQL_COLUMNS_SQL, MSSQL_INDEXES_SQL, MSSQL_LIST_SCHEMAS_SQL, quoteMssqlIdentifier } from './mssql.sql';
import { mssqlTypeMapper } from './mssql.type-mapper';

export interface MssqlColumnRow {
  column_id: number;
  column_name: string;
  type_name: string;
  max_length: number;
  precision: number;
  scale: number;
  is_nullable: boolean;
  is_identity: boolean;
  default_definition: string | null;
  object_id: number;
  row_estimate: string | number | null;
}
export interface MssqlIndexRow {
  index_name: string;
  is_primary_key: boolean;
  is_unique: boolean;
  column_name: string;
}
export interface MssqlCheckRow {
  column_name: string;
  definition: string;
}

const LENGTH_TYPES = new Set(['char', 'varchar', 'binary', 'varbinary']);
const UNICODE_TYPES = new Set(['nchar', 'nvarchar']);
const NUMERIC_TYPES = new Set(['decimal', 'numeric']);
const FRACTION_TYPES = new Set(['time', 'datetime2', 'datetimeoffset']);

/** sys.columns facts → the mapper's input and the type text (`nvarchar(50)`, `datetime2(3)`). */
export function mssqlNativeInfo(row: Pick<MssqlColumnRow, 'type_name' | 'max_length' | 'precision' | 'scale'>): NativeColumnInfo {
  const name = row.type_name.toLowerCase();
  if (LENGTH_TYPES.has(name) || UNICODE_TYPES.has(name)) {
    // max_length is in bytes, -1 for (max); nchar/nvarchar hold two bytes per character.
    const length = row.max_length === -1 ? -1 : UNICODE_TYPES.has(name) ? row.max_length / 2 : row.max_length;
    return { dataType: name, columnType: `${name}(${length === -1 ? 'max' : length})`, length };
  }
  if (NUMERIC_TYPES.has(name)) {
    return { dataType: name, columnType: `${name}(${row.precision},${row.scale})`, precision: row.precision, scale: row.scale };
  }
  // For these, sys.columns keeps the fractional-second digits in `scale`.
  if (FRACTION_TYPES.has(name)) return { dataType: name, columnType: `${name}(${row.scale})`, precision: row.scale };
  if (name === 'float') return { dataType: name, columnType: `float(${row.precision})`, precision: row.precision };
  return { dataType: name, columnType: name };
}

/**
 * Labels of a `CHECK ([col] IN (…))`, which SQL Server stores as `([col]=N'a' OR [col]=N'b')`;
 * undefined for any other check.
 */
export function checkLabels(definition: string, column: string): string[] | undefined {
  const quoted = quoteMssqlIdentifier(column).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const labels: string[] = [];
  const rest = definition.replace(new RegExp(`${quoted}=N?'((?:[^']|'')*)'`, 'g'), (_m, label: string) => {
    labels.push(label.replace(/''/g, "'"));
    return '@';
  });
  // What remains must be only the comparisons (now `@`) joined by OR, in any parentheses.
  const shape = rest.replace(/[()\s]/g, '');
  return labels.length > 0 && /^@(OR@)*$/.test(shape) ? labels : undefined;
}

export class MssqlIntrospector implements Introspector {
  constructor(private readonly pool: ConnectionPool) {}

  async listSchemas(): Promise<string[]> {
    const result = await this.pool.request().query<{ schema_name: string }>(MSSQL_LIST_SCHEMAS_SQL);
    return result.recordset.map((r) => r.schema_name);
  }

  async describeTable(table: TableRef): Promise<TableSchema | null> {
    const cols = await this.pool.request().input('schema', table.schema).input('table', table.name).query<MssqlColumnRow>(MSSQL_COLUMNS_SQL);
    if (cols.recordset.length === 0) return null;
    const objectId = cols.recordset[0].object_id;
    const indexRows = await this.pool.request().input('objectId', objectId).query<MssqlIndexRow>(MSSQL_INDEXES_SQL);
    const checkRows = await this.pool.request().input('objectId', objectId).query<MssqlCheckRow>(MSSQL_CHECKS_SQL);
    return buildMssqlSchema(table, cols.recordset, indexRows.recordset, checkRows.recordset);
  }
}

/** The catalogue rows of one table → its neutral schema (pure, so it is unit-tested). */
export function buildMssqlSchema(table: TableRef, rows: MssqlColumnRow[], indexRows: MssqlIndexRow[], checkRows: MssqlCheckRow[]): TableSchema {
  const columns: NeutralColumn[] = rows.map((row) => {
    const info = mssqlNativeInfo(row);
    for (const check of checkRows.filter((c) => c.column_name === row.column_name)) {
      const labels = checkLabels(check.definition, row.column_name);
      if (labels) info.enumValues = labels;
    }
    const mapped = mssqlTypeMapper.toNeutral(info);
    return {
      name: row.column_name,
      type: mapped.type,
      nativeType: info.columnType ?? info.dataType,
      nullable: !!row.is_nullable,
      default: row.default_definition,
      identity: !!row.is_identity,
    };
  });
  const primaryKey: string[] = [];
  const indexes = new Map<string, IndexInfo>();
  for (const r of indexRows) {
    if (r.is_primary_key) {
      primaryKey.push(r.column_name);
      continue;
    }
    const index = indexes.get(r.index_name) ?? { name: r.index_name, columns: [], unique: !!r.is_unique };
    index.columns.push(r.column_name);
    indexes.set(r.index_name, index);
  }
  const estimate = rows[0]?.row_estimate;
  return {
    schema: table.schema,
    name: table.name,
    columns,
    primaryKey,
    indexes: [...indexes.values()],
    rowEstimate: estimate === null || estimate === undefined ? null : Number(estimate),
  };
}
