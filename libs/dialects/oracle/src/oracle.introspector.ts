import type { Connection } from 'oracledb';
import {
  type IndexInfo,
  type Introspector,
  type NativeColumnInfo,
  type NeutralColumn,
  splitTypeArgs,
  type TableRef,
  type TableSchema,
  unquoteSqlString,
} from '@dbferry/dialects-core';
import { loadOracleDb } from './oracle.load-driver';
import {
  ORACLE_COLUMNS_SQL,
  ORACLE_CONSTRAINTS_SQL,
  ORACLE_INDEXES_SQL,
  ORACLE_LIST_SCHEMAS_SQL,
  ORACLE_TABLE_SQL,
  oracleOwner,
} from './oracle.sql';
import { oracleTypeMapper, parseOracleType } from './oracle.type-mapper';

export interface OracleColumnRow {
  columnName: string;
  dataType: string;
  dataLength: number;
  charLength: number | null;
  charUsed: string | null;
  precision: number | null;
  scale: number | null;
  nullable: string;
  dataDefault: string | null;
  identity: string | null;
}
export interface OracleConstraintRow {
  type: 'P' | 'C';
  name: string;
  indexName: string | null;
  condition: string | null;
  columnName: string;
}
export interface OracleIndexRow {
  indexName: string;
  uniqueness: string;
  columnName: string;
}

/** ALL_TAB_COLUMNS facts → the type text (`VARCHAR2(50 CHAR)`, `NUMBER(12,2)`) and mapper input. */
export function oracleNativeInfo(row: Pick<OracleColumnRow, 'dataType' | 'dataLength' | 'charLength' | 'charUsed' | 'precision' | 'scale'>): NativeColumnInfo {
  const dt = row.dataType.toUpperCase();
  let text = row.dataType;
  if (dt === 'NUMBER') {
    if (row.precision === null) text = row.scale === 0 ? 'NUMBER(*,0)' : 'NUMBER';
    else text = row.scale === null || row.scale === 0 ? `NUMBER(${row.precision})` : `NUMBER(${row.precision},${row.scale})`;
  } else if (dt === 'FLOAT') text = `FLOAT(${row.precision ?? 126})`;
  else if (dt === 'VARCHAR2' || dt === 'VARCHAR' || dt === 'CHAR') text = `${dt}(${row.charLength ?? row.dataLength} ${row.charUsed === 'B' ? 'BYTE' : 'CHAR'})`;
  else if (dt === 'NVARCHAR2' || dt === 'NCHAR') text = `${dt}(${row.charLength ?? row.dataLength})`;
  else if (dt === 'RAW') text = `RAW(${row.dataLength})`;
  return parseOracleType(text);
}

/** Labels of a `"COL" IN ('a', 'b')` check (how dbferry writes enums); undefined otherwise. */
export function oracleCheckLabels(condition: string, column: string): string[] | undefined {
  const quoted = `"${column}"`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^\\s*${quoted}\\s+IN\\s*\\((.*)\\)\\s*$`, 's').exec(condition);
  if (!m) return undefined;
  const args = splitTypeArgs(m[1]);
  return args.length && args.every((a) => /^'.*'$/s.test(a)) ? args.map(unquoteSqlString) : undefined;
}

export class OracleIntrospector implements Introspector {
  constructor(private readonly connection: Connection) {}

  async listSchemas(): Promise<string[]> {
    const result = await this.connection.execute<{ name: string }>(ORACLE_LIST_SCHEMAS_SQL, {}, { outFormat: loadOracleDb().OUT_FORMAT_OBJECT });
    return (result.rows ?? []).map((r) => r.name);
  }

  async describeTable(table: TableRef): Promise<TableSchema | null> {
    const binds = { owner: oracleOwner(table.schema), tableName: table.name };
    const opts = { outFormat: loadOracleDb().OUT_FORMAT_OBJECT };
    const cols = await this.connection.execute<OracleColumnRow>(ORACLE_COLUMNS_SQL, binds, opts);
    if (!cols.rows?.length) return null;
    const constraints = await this.connection.execute<OracleConstraintRow>(ORACLE_CONSTRAINTS_SQL, binds, opts);
    const indexes = await this.connection.execute<OracleIndexRow>(ORACLE_INDEXES_SQL, binds, opts);
    const stats = await this.connection.execute<{ numRows: number | null }>(ORACLE_TABLE_SQL, binds, opts);
    return buildOracleSchema(
      { schema: binds.owner, name: table.name },
      cols.rows,
      constraints.rows ?? [],
      indexes.rows ?? [],
      stats.rows?.[0]?.numRows ?? null,
    );
  }
}

export function buildOracleSchema(
  table: TableRef,
  rows: OracleColumnRow[],
  constraints: OracleConstraintRow[],
  indexRows: OracleIndexRow[],
  numRows: number | null,
): TableSchema {
  const columns: NeutralColumn[] = rows.map((row) => {
    const info = oracleNativeInfo(row);
    for (const c of constraints.filter((k) => k.type === 'C' && k.columnName === row.columnName && k.condition)) {
      const labels = oracleCheckLabels(c.condition ?? '', row.columnName);
      if (labels) info.enumValues = labels;
    }
    return {
      name: row.columnName,
      type: oracleTypeMapper.toNeutral(info).type,
      nativeType: info.columnType ?? info.dataType,
      nullable: row.nullable === 'Y',
      default: row.dataDefault === null ? null : row.dataDefault.trim(),
      identity: row.identity === 'YES',
    };
  });
  const pk = constraints.filter((c) => c.type === 'P');
  const pkIndex = pk[0]?.indexName ?? pk[0]?.name;
  const indexes = new Map<string, IndexInfo>();
  for (const r of indexRows) {
    if (r.indexName === pkIndex) continue;
    const index = indexes.get(r.indexName) ?? { name: r.indexName, columns: [], unique: r.uniqueness === 'UNIQUE' };
    index.columns.push(r.columnName);
    indexes.set(r.indexName, index);
  }
  return {
    schema: table.schema,
    name: table.name,
    columns,
    primaryKey: pk.map((c) => c.columnName),
    indexes: [...indexes.values()],
    rowEstimate: numRows === null ? null : Number(numRows),
  };
}
