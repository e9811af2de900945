import type {
  CreateTableOptions,
  DdlBuilder,
  DdlPlan,
  IndexInfo,
  NeutralColumn,
  TableRef,
  TableSchema,
} from '@dbferry/dialects-core';
import { mssqlIdentifier, qualifyMssql } from './mssql.sql';
import { mssqlTypeMapper } from './mssql.type-mapper';

const INTEGER_KINDS = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32']);

/**
 * CREATE TABLE / ALTER TABLE text for SQL Server. Every name is checked (IdentifierError)
 * before any statement is built, so a refused name never leaves half a schema behind.
 * Column defaults are not copied: a default is an expression in the source's SQL.
 */
export class MssqlDdlBuilder implements DdlBuilder {
  qualify(table: TableRef): string {
    return qualifyMssql(table);
  }

  private columnDefinition(column: NeutralColumn, options: CreateTableOptions | undefined, losses: DdlPlan['losses']): string {
    const override = options?.typeOverrides?.[column.name];
    const result = mssqlTypeMapper.fromNeutral(column.type, override === undefined ? {} : { override });
    if (result.lossy) losses.push({ column: column.name, note: result.lossy });
    const name = mssqlIdentifier(column.name);
    const identity = column.identity && override === undefined && INTEGER_KINDS.has(column.type.kind) ? ' IDENTITY(1,1)' : '';
    const check = result.check ? ` CHECK (${result.check(name)})` : '';
    return `${name} ${result.native}${identity} ${column.nullable ? 'NULL' : 'NOT NULL'}${check}`;
  }

  private checkNames(target: TableRef, columns: NeutralColumn[], indexes: IndexInfo[]): void {
    this.qualify(target);
    for (const c of columns) mssqlIdentifier(c.name);
    for (const i of indexes) {
      mssqlIdentifier(i.name);
      for (const c of i.columns) mssqlIdentifier(c);
    }
  }

  createTable(target: TableRef, schema: Pick<TableSchema, 'columns' | 'primaryKey' | 'indexes'>, options?: CreateTableOptions): DdlPlan {
    this.checkNames(target, schema.columns, schema.indexes);
    const pkName = primaryKeyName(target.name);
    const losses: DdlPlan['losses'] = [];
    const lines = schema.columns.map((c) => `  ${this.columnDefinition(c, options, losses)}`);
    if (schema.primaryKey.length) {
      lines.push(`  CONSTRAINT ${mssqlIdentifier(pkName)} PRIMARY KEY (${schema.primaryKey.map(mssqlIdentifier).join(', ')})`);
    }
    const table = this.qualify(target);
    const statements = [`CREATE TABLE ${table} (\n${lines.join(',\n')}\n)`];
    for (const index of schema.indexes) {
      statements.push(
        `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${mssqlIdentifier(index.name)} ON ${table} (${index.columns.map(mssqlIdentifier).join(', ')})`,
      );
    }
    return { statements, losses };
  }

  addColumns(target: TableRef, columns: NeutralColumn[], options?: CreateTableOptions): DdlPlan {
    this.checkNames(target, columns, []);
    const losses: DdlPlan['losses'] = [];
    if (columns.length === 0) return { statements: [], losses };
    const defs = columns.map((c) => this.columnDefinition(c, options, losses));
    return { statements: [`ALTER TABLE ${this.qualify(target)} ADD ${defs.join(', ')}`], losses };
  }
}

/** `PK_<table>`, cut to the identifier limit so a long table name still gets a key. */
export function primaryKeyName(table: string): string {
  let name = `PK_${table}`;
  while (name.length > 128) name = [...name].slice(0, -1).join('');
  return name;
}
