import {
  type IndexInfo,
  type Introspector,
  type NeutralColumn,
  splitTypeArgs,
  type TableRef,
  type TableSchema,
  unquoteSqlString,
} from '@dbferry/dialects-core';
import type { Database } from 'sqlite3';
import { all } from './sqlite.driver';
import { type SqliteNaming, SqliteSql } from './sqlite.sql';
import { sqliteTypeMapper } from './sqlite.type-mapper';

interface XInfoRow {
  cid: number;
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
  hidden: number;
}

interface IndexListRow {
  name: string;
  unique: number;
  origin: 'c' | 'u' | 'pk';
  partial: number;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The labels of `CHECK (<column> IN ('a', 'b'))` in a table's CREATE statement (how
 * sqliteTypeMapper writes enums), or undefined. The column may be written quoted or bare.
 */
export function checkedLabels(createSql: string, column: string, quoted: string): string[] | undefined {
  const names = [quoted, `\`${column}\``, `[${column}]`, column].map(escapeRegExp).join('|');
  const start = new RegExp(`CHECK\\s*\\(\\s*(?:${names})\\s+IN\\s*\\(`, 'i').exec(createSql);
  if (!start) return undefined;
  let i = start.index + start[0].length;
  let quotedText = false;
  const from = i;
  for (; i < createSql.length; i += 1) {
    const ch = createSql[i];
    if (quotedText) {
      if (ch === "'" && createSql[i + 1] === "'") i += 1;
      else if (ch === "'") quotedText = false;
    } else if (ch === "'") quotedText = true;
    else if (ch === ')') break;
  }
  const args = splitTypeArgs(createSql.slice(from, i));
  if (args.length === 0 || !args.every((a) => /^'.*'$/s.test(a))) return undefined;
  return args.map(unquoteSqlString);
}

export class SqliteIntrospector implements Introspector {
  private readonly sql: SqliteSql;

  constructor(
    private readonly db: Database,
    naming: SqliteNaming,
  ) {
    this.sql = new SqliteSql(naming);
  }

  /** 'main' and attached databases; 'temp' is per connection and not a place to copy to. */
  async listSchemas(): Promise<string[]> {
    const rows = await all<{ name: string }>(this.db, 'SELECT name FROM pragma_database_list ORDER BY seq');
    return rows.map((r) => r.name).filter((n) => n !== 'temp');
  }

  async describeTable(table: TableRef): Promise<TableSchema | null> {
    const qualified = this.sql.qualify(table);
    const master = this.sql.quote(table.schema);
    const [entry] = await all<{ sql: string | null }>(this.db, `SELECT sql FROM ${master}.sqlite_master WHERE type = 'table' AND name = ?`, [
      table.name,
    ]);
    if (!entry) return null;
    const createSql = entry.sql ?? '';
    const info = await all<XInfoRow>(this.db, 'SELECT * FROM pragma_table_xinfo(?, ?) ORDER BY cid', [table.name, table.schema]);
    // hidden 1: a virtual table's hidden column; 2 and 3: generated columns, which cannot be written.
    const stored = info.filter((c) => c.hidden === 0);
    const keyed = stored.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    const withoutRowid = /\)\s*WITHOUT\s+ROWID\s*;?\s*$/i.test(createSql);
    const rowidAlias = !withoutRowid && keyed.length === 1 && keyed[0].type.trim().toUpperCase() === 'INTEGER';
    const columns = stored.map((c): NeutralColumn => {
      const enumValues = checkedLabels(createSql, c.name, this.sql.quote(c.name));
      const mapped = sqliteTypeMapper.toNeutral({ dataType: c.type, columnType: c.type, ...(enumValues ? { enumValues } : {}) });
      const column: NeutralColumn = {
        name: c.name,
        type: mapped.type,
        nativeType: c.type,
        nullable: c.notnull === 0 && c.pk === 0,
        default: c.dflt_value,
      };
      if (rowidAlias && c.pk > 0) column.identity = true;
      return column;
    });
    const [count] = await all<{ n: number }>(this.db, `SELECT count(*) AS n FROM ${qualified}`);
    return {
      schema: table.schema,
      name: table.name,
      columns,
      primaryKey: keyed.map((c) => c.name),
      indexes: await this.indexes(table),
      // The file is local, so an exact count is cheap enough; SQLite keeps no estimate.
      rowEstimate: count?.n ?? null,
    };
  }

  /**
   * Secondary and unique indexes. The primary key's own index is left out, and so are partial
   * and expression indexes, which the neutral model cannot describe. A UNIQUE constraint's
   * automatic index gets a usable name: `sqlite_` names are reserved.
   */
  private async indexes(table: TableRef): Promise<IndexInfo[]> {
    const list = await all<IndexListRow>(this.db, 'SELECT * FROM pragma_index_list(?, ?) ORDER BY name', [table.name, table.schema]);
    const out: IndexInfo[] = [];
    for (const index of list) {
      if (index.origin === 'pk' || index.partial) continue;
      const cols = await all<{ name: string | null }>(this.db, 'SELECT name FROM pragma_index_info(?, ?) ORDER BY seqno', [
        index.name,
        table.schema,
      ]);
      if (cols.length === 0 || cols.some((c) => c.name === null)) continue;
      const columns = cols.map((c) => c.name as string);
      const name = index.name.startsWith('sqlite_') ? `${table.name}_${columns.join('_')}_key` : index.name;
      out.push({ name, columns, unique: index.unique === 1 });
    }
    return out;
  }
}
