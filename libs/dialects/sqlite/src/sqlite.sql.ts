import {
  type DialectCapabilities,
  IdentifierError,
  type KeyRange,
  type NeutralColumn,
  type NeutralType,
  type NeutralValue,
  type ReadColumn,
  type TableRef,
} from '@dbferry/dialects-core';
import type { SqliteParam } from './sqlite.driver';
import { encodeValue, placeholder, selectExpression } from './sqlite.values';

/** Quotes without checking; `SqliteSql.quote` checks the name first. */
export function quoteSqliteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** What the SQL builders need from the dialect: its quoting and its limits. */
export interface SqliteNaming {
  readonly capabilities: Pick<DialectCapabilities, 'maxIdentifierLength'>;
  quoteIdentifier(name: string): string;
}

/** SQL text with its parameters, in order. */
export interface BoundSql {
  sql: string;
  params: SqliteParam[];
}

export interface KeyPart {
  name: string;
  type: NeutralType;
}

/**
 * Every identifier in generated SQL goes through `quote`, which refuses names SQLite cannot
 * hold or that exceed the declared limit (in UTF-8 bytes) before any SQL is built.
 */
export class SqliteSql {
  constructor(private readonly naming: SqliteNaming) {}

  check(name: string): string {
    if (typeof name !== 'string' || name === '') throw new IdentifierError(String(name), 'is empty');
    if (name.includes('\0')) throw new IdentifierError(name, 'contains a NUL character');
    const max = this.naming.capabilities.maxIdentifierLength;
    const bytes = Buffer.byteLength(name, 'utf8');
    if (bytes > max) throw new IdentifierError(name, `is ${bytes} bytes long; SQLite names here may have at most ${max}`);
    return name;
  }

  quote(name: string): string {
    return this.naming.quoteIdentifier(this.check(name));
  }

  qualify(table: TableRef): string {
    return `${this.quote(table.schema)}.${this.quote(table.name)}`;
  }

  /** `"a"` for one column, `("a", "b")` for several: SQLite compares row values as tuples (3.15+). */
  tuple(names: string[]): string {
    const quoted = names.map((n) => this.quote(n));
    return quoted.length === 1 ? quoted[0] : `(${quoted.join(', ')})`;
  }

  private valuesTuple(keys: KeyPart[]): string {
    const marks = keys.map((k) => placeholder(k.type));
    return marks.length === 1 ? marks[0] : `(${marks.join(', ')})`;
  }

  /** `key > lower AND key <= upper` over the tuple, with the bounds as parameters. */
  rangePredicate(keys: KeyPart[], range: KeyRange | undefined): BoundSql {
    const parts: string[] = [];
    const params: SqliteParam[] = [];
    const bound = (values: NeutralValue[], op: string) => {
      if (values.length !== keys.length) throw new Error(`a key bound has ${values.length} values for ${keys.length} key columns`);
      parts.push(`${this.tuple(keys.map((k) => k.name))} ${op} ${this.valuesTuple(keys)}`);
      params.push(...keys.map((k, i) => encodeValue(k.type, values[i])));
    };
    if (range?.lower) bound(range.lower, '>');
    if (range?.upper) bound(range.upper, '<=');
    return { sql: parts.join(' AND '), params };
  }

  /** The WHERE clause (with its leading keyword) joining a range and a validated filter, or ''. */
  where(keys: KeyPart[], range: KeyRange | undefined, filter: string | undefined, extra?: BoundSql): BoundSql {
    const r = this.rangePredicate(keys, range);
    const parts = [r.sql, filter ? `(${filter})` : '', extra?.sql ?? ''].filter((p) => p !== '');
    return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params: [...r.params, ...(extra?.params ?? [])] };
  }

  orderBy(keyColumns: string[], descending = false): string {
    if (keyColumns.length === 0) return '';
    return `ORDER BY ${keyColumns.map((k) => `${this.quote(k)}${descending ? ' DESC' : ''}`).join(', ')}`;
  }

  /** The select list: `<expr> AS "c0", …` so decoding never depends on result column names. */
  selectList(columns: Pick<ReadColumn, 'name' | 'type' | 'expression'>[], prefix = 'c'): string {
    // A transform's expression is evaluated in place of the column (ReadColumn.expression).
    const value = (c: Pick<ReadColumn, 'name' | 'expression'>) => (c.expression !== undefined ? `(${c.expression})` : this.quote(c.name));
    return columns.map((c, i) => `${selectExpression(value(c), c.type)} AS ${this.quote(`${prefix}${i}`)}`).join(', ');
  }

  /**
   * A multi-row INSERT of `rows` rows; for upsert, `ON CONFLICT (key) DO UPDATE SET c = excluded.c`
   * (DO NOTHING when every column is part of the key).
   */
  insert(table: TableRef, columns: Pick<NeutralColumn, 'name' | 'type'>[], rows: number, upsertKey?: string[]): string {
    const names = columns.map((c) => this.quote(c.name));
    const row = `(${columns.map((c) => placeholder(c.type)).join(', ')})`;
    const values = Array.from({ length: rows }, () => row).join(',\n  ');
    let sql = `INSERT INTO ${this.qualify(table)} (${names.join(', ')})\nVALUES\n  ${values}`;
    if (upsertKey) {
      if (upsertKey.length === 0) throw new Error('upsert needs key columns');
      const keys = new Set(upsertKey);
      const updates = columns.filter((c) => !keys.has(c.name)).map((c) => `${this.quote(c.name)} = excluded.${this.quote(c.name)}`);
      const target = upsertKey.map((k) => this.quote(k)).join(', ');
      sql += updates.length
        ? `\nON CONFLICT (${target}) DO UPDATE SET\n  ${updates.join(',\n  ')}`
        : `\nON CONFLICT (${target}) DO NOTHING`;
    }
    return sql;
  }

  deleteRange(table: TableRef, keys: KeyPart[], range: KeyRange | undefined): BoundSql {
    const where = this.where(keys, range, undefined);
    return { sql: `DELETE FROM ${this.qualify(table)}${where.sql ? ` ${where.sql}` : ''}`, params: where.params };
  }

  /** The rows of a key range, in the writer's transaction (WriteRequest.verify). */
  countRange(table: TableRef, keys: KeyPart[], range: KeyRange | undefined): BoundSql {
    const where = this.where(keys, range, undefined);
    return { sql: `SELECT count(*) AS n FROM ${this.qualify(table)}${where.sql ? ` ${where.sql}` : ''}`, params: where.params };
  }
}
