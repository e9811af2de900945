import type {
  CreateTableOptions,
  DdlBuilder,
  DdlPlan,
  IndexInfo,
  NeutralColumn,
  TableRef,
  TableSchema,
} from '@dbferry/dialects-core';
import { checkIdentifier, fitIdentifier, ident, qualifyTable } from './postgres.sql';
import { postgresTypeMapper } from './postgres.type-mapper';

/** Neutral schema → PostgreSQL DDL text, through postgresTypeMapper only. */
export class PostgresDdlBuilder implements DdlBuilder {
  qualify(table: TableRef): string {
    return qualifyTable(table);
  }

  createTable(
    target: TableRef,
    schema: Pick<TableSchema, 'columns' | 'primaryKey' | 'indexes'>,
    options: CreateTableOptions = {},
  ): DdlPlan {
    // Every name is checked before any text is built, so nothing half-valid ever runs.
    const table = this.qualify(target);
    for (const c of schema.columns) checkIdentifier(c.name);
    const known = new Set(schema.columns.map((c) => c.name));
    for (const name of [...schema.primaryKey, ...schema.indexes.flatMap((i) => i.columns)]) {
      checkIdentifier(name);
      if (!known.has(name)) throw new Error(`key or index column "${name}" is not a column of ${target.name}`);
    }
    const losses: DdlPlan['losses'] = [];
    const lines = schema.columns.map((c) => this.columnDefinition(c, options, losses, true));
    const key = schema.primaryKey.length ? `PRIMARY KEY (${schema.primaryKey.map(ident).join(', ')})` : undefined;
    const indexes = this.indexStatements(target, table, schema.indexes, schema.primaryKey);
    if (options.deferKey && (key || indexes.length)) {
      // Loaded without its B-trees, then keyed: ADD PRIMARY KEY sorts the rows once (and fails on a duplicate).
      const create = `CREATE TABLE ${table} (\n  ${lines.join(',\n  ')}\n)`;
      return { statements: [create], losses, deferred: [...(key ? [`ALTER TABLE ${table} ADD ${key}`] : []), ...indexes] };
    }
    if (key) lines.push(key);
    const statements = [`CREATE TABLE ${table} (\n  ${lines.join(',\n  ')}\n)`];
    statements.push(...indexes);
    return { statements, losses };
  }

  /**
   * Added columns are nullable whatever the source says: the table already has rows, which a
   * NOT NULL column without a default would refuse. The copy fills them.
   */
  addColumns(target: TableRef, columns: NeutralColumn[], options: CreateTableOptions = {}): DdlPlan {
    const table = this.qualify(target);
    for (const c of columns) checkIdentifier(c.name);
    const losses: DdlPlan['losses'] = [];
    if (columns.length === 0) return { statements: [], losses };
    const clauses = columns.map((c) => `ADD COLUMN ${this.columnDefinition(c, options, losses, false)}`);
    return { statements: [`ALTER TABLE ${table}\n  ${clauses.join(',\n  ')}`], losses };
  }

  private columnDefinition(column: NeutralColumn, options: CreateTableOptions, losses: DdlPlan['losses'], keepNotNull: boolean): string {
    const q = ident(column.name);
    const mapped = postgresTypeMapper.fromNeutral(column.type, { override: options.typeOverrides?.[column.name] });
    if (mapped.lossy) losses.push({ column: column.name, note: mapped.lossy });
    let text = `${q} ${mapped.native}`;
    if (keepNotNull && !column.nullable) text += ' NOT NULL';
    if (mapped.check) text += ` CHECK (${mapped.check(q)})`;
    return text;
  }

  private indexStatements(target: TableRef, table: string, indexes: IndexInfo[], primaryKey: string[]): string[] {
    const seen = new Set<string>([`u:${JSON.stringify(primaryKey)}`]);
    const used = new Set<string>();
    const statements: string[] = [];
    for (const index of indexes) {
      const signature = `${index.unique ? 'u' : 'i'}:${JSON.stringify(index.columns)}`;
      if (index.columns.length === 0 || seen.has(signature)) continue;
      seen.add(signature);
      // Named after the target table: source index names may collide within the target schema.
      let name = fitIdentifier(`${target.name}_${index.columns.join('_')}_${index.unique ? 'key' : 'idx'}`);
      for (let n = 2; used.has(name); n++) name = fitIdentifier(`${target.name}_${index.columns.join('_')}_${n}`);
      used.add(name);
      statements.push(
        `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${ident(name)} ON ${table} (${index.columns.map(ident).join(', ')})`,
      );
    }
    return statements;
  }
}
