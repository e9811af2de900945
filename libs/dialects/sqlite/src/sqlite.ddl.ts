import type {
  CreateTableOptions,
  DdlBuilder,
  DdlPlan,
  IndexInfo,
  NeutralColumn,
  TableRef,
  TableSchema,
} from '@dbferry/dialects-core';
import { type SqliteNaming, SqliteSql } from './sqlite.sql';
import { sqliteTypeMapper } from './sqlite.type-mapper';

/**
 * CREATE TABLE / ADD COLUMN from a neutral schema; declared types come from sqliteTypeMapper so
 * the introspector reads the same neutral types back. Column defaults are not copied: they are
 * written in the source's SQL dialect.
 */
export class SqliteDdlBuilder implements DdlBuilder {
  private readonly sql: SqliteSql;

  constructor(naming: SqliteNaming) {
    this.sql = new SqliteSql(naming);
  }

  qualify(table: TableRef): string {
    return this.sql.qualify(table);
  }

  private column(column: NeutralColumn, options: CreateTableOptions | undefined, losses: DdlPlan['losses'], notNull: boolean): string {
    const name = this.sql.quote(column.name);
    const native = sqliteTypeMapper.fromNeutral(column.type, { override: options?.typeOverrides?.[column.name] });
    if (native.lossy) losses.push({ column: column.name, note: native.lossy });
    const parts = [name, native.native];
    if (notNull && !column.nullable) parts.push('NOT NULL');
    if (native.check) parts.push(`CHECK (${native.check(name)})`);
    return parts.join(' ');
  }

  private checkAll(target: TableRef, names: string[]): void {
    this.sql.qualify(target);
    for (const n of names) this.sql.check(n);
  }

  createTable(target: TableRef, schema: Pick<TableSchema, 'columns' | 'primaryKey' | 'indexes'>, options?: CreateTableOptions): DdlPlan {
    // Every name is checked before any text is built, so a long one refuses the whole plan.
    this.checkAll(target, [
      ...schema.columns.map((c) => c.name),
      ...schema.primaryKey,
      ...schema.indexes.flatMap((i) => [i.name, ...i.columns]),
    ]);
    const known = new Set(schema.columns.map((c) => c.name));
    for (const name of [...schema.primaryKey, ...schema.indexes.flatMap((i) => i.columns)]) {
      if (!known.has(name)) throw new Error(`key or index column ${name} is not a column of ${target.name}`);
    }
    const losses: DdlPlan['losses'] = [];
    const lines = schema.columns.map((c) => this.column(c, options, losses, true));
    if (schema.primaryKey.length) lines.push(`PRIMARY KEY (${schema.primaryKey.map((k) => this.sql.quote(k)).join(', ')})`);
    const statements = [`CREATE TABLE ${this.qualify(target)} (\n  ${lines.join(',\n  ')}\n)`];
    statements.push(...schema.indexes.map((index) => this.createIndex(target, index)));
    return { statements, losses };
  }

  /** SQLite names the index in the table's schema and the table without one. */
  createIndex(target: TableRef, index: IndexInfo): string {
    const columns = index.columns.map((c) => this.sql.quote(c)).join(', ');
    const name = `${this.sql.quote(target.schema)}.${this.sql.quote(index.name)}`;
    return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${name} ON ${this.sql.quote(target.name)} (${columns})`;
  }

  /**
   * One ALTER TABLE per column (SQLite adds one at a time). NOT NULL is left out: SQLite refuses
   * a NOT NULL column without a default on a table that may hold rows.
   */
  addColumns(target: TableRef, columns: NeutralColumn[], options?: CreateTableOptions): DdlPlan {
    this.checkAll(target, columns.map((c) => c.name));
    const losses: DdlPlan['losses'] = [];
    const statements = columns.map((c) => `ALTER TABLE ${this.qualify(target)} ADD COLUMN ${this.column(c, options, losses, false)}`);
    return { statements, losses };
  }
}
