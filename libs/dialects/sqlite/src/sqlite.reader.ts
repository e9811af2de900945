import type {
  KeyBounds,
  KeyRange,
  NeutralColumn,
  NeutralValue,
  Reader,
  ReadRequest,
  RowBatch,
  TableRef,
} from '@dbferry/dialects-core';
import type { Database, Statement } from 'sqlite3';
import { all, finalize, prepare, type SqliteRow, statementAll, statementBind, statementGet } from './sqlite.driver';
import { type KeyPart, type SqliteNaming, SqliteSql } from './sqlite.sql';
import { decodeValue } from './sqlite.values';

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

function decodeRow(columns: Pick<NeutralColumn, 'type'>[], row: SqliteRow, prefix: string): NeutralValue[] {
  return columns.map((c, i) => decodeValue(c.type, row[`${prefix}${i}`] ?? null));
}

/**
 * Reads in key order by keyset pagination: each page is `WHERE key > last ORDER BY key LIMIT n`
 * on one prepared statement, so memory holds one page whatever the table size and no read
 * transaction stays open between pages. Without a key, one statement is stepped row by row.
 */
export class SqliteReader implements Reader {
  private readonly sql: SqliteSql;

  constructor(
    private readonly db: Database,
    naming: SqliteNaming,
  ) {
    this.sql = new SqliteSql(naming);
  }

  private keyParts(columns: NeutralColumn[], keyColumns: string[]): KeyPart[] {
    return keyColumns.map((name) => {
      const column = columns.find((c) => c.name === name);
      if (!column) throw new Error(`key column ${name} is not among the columns read`);
      return { name, type: column.type };
    });
  }

  async *read(request: ReadRequest): AsyncIterable<RowBatch> {
    const { columns, keyColumns, range, where, signal } = request;
    const keys = this.keyParts(columns, keyColumns);
    const batchSize = Math.max(1, Math.floor(request.batchSize));
    const keyList = keys.length ? `, ${this.sql.selectList(keys, 'k')}` : '';
    const select = `SELECT ${this.sql.selectList(columns)}${keyList} FROM ${this.sql.qualify(request.table)}`;
    if (keys.length === 0) {
      yield* this.stepped(select, where, columns, batchSize, signal);
      return;
    }
    const order = this.sql.orderBy(keyColumns);
    const statements = new Map<string, Statement>();
    try {
      let lower = range?.lower;
      for (;;) {
        throwIfAborted(signal);
        const bound = this.sql.where(keys, { lower, upper: range?.upper }, where);
        const text = `${select} ${bound.sql} ${order} LIMIT ${batchSize}`;
        let statement = statements.get(text);
        if (!statement) {
          statement = await prepare(this.db, text);
          statements.set(text, statement);
        }
        const page = await statementAll(statement, bound.params);
        if (page.length === 0) return;
        yield { columns, rows: page.map((r) => decodeRow(columns, r, 'c')) };
        if (page.length < batchSize) return;
        lower = decodeRow(keys, page[page.length - 1], 'k');
      }
    } finally {
      for (const statement of statements.values()) await finalize(statement);
    }
  }

  private async *stepped(
    select: string,
    where: string | undefined,
    columns: NeutralColumn[],
    batchSize: number,
    signal: AbortSignal | undefined,
  ): AsyncIterable<RowBatch> {
    const statement = await prepare(this.db, `${select}${where ? ` WHERE (${where})` : ''}`);
    try {
      await statementBind(statement, []);
      let rows: NeutralValue[][] = [];
      for (let row = await statementGet(statement); row; row = await statementGet(statement)) {
        rows.push(decodeRow(columns, row, 'c'));
        if (rows.length >= batchSize) {
          throwIfAborted(signal);
          yield { columns, rows };
          rows = [];
        }
      }
      if (rows.length) yield { columns, rows };
    } finally {
      await finalize(statement);
    }
  }

  async keyBounds(table: TableRef, keyColumns: NeutralColumn[], where?: string): Promise<KeyBounds | null> {
    const names = keyColumns.map((k) => k.name);
    const bound = this.sql.where([], undefined, where);
    const edge = async (descending: boolean) => {
      const text = `SELECT ${this.sql.selectList(keyColumns, 'k')} FROM ${this.sql.qualify(table)} ${bound.sql} ${this.sql.orderBy(names, descending)} LIMIT 1`;
      const [row] = await all(this.db, text, bound.params);
      return row ? decodeRow(keyColumns, row, 'k') : undefined;
    };
    const min = await edge(false);
    const max = await edge(true);
    return min && max ? { min, max } : null;
  }

  /** Boundaries at every n/parts-th row in key order, found with row_number() (SQLite 3.25+). */
  async splitRanges(table: TableRef, keyColumns: NeutralColumn[], parts: number, where?: string): Promise<KeyRange[]> {
    const qualified = this.sql.qualify(table);
    const names = keyColumns.map((k) => k.name);
    const bound = this.sql.where([], undefined, where);
    const [count] = await all<{ n: number }>(this.db, `SELECT count(*) AS n FROM ${qualified} ${bound.sql}`, bound.params);
    const total = count?.n ?? 0;
    const wanted = Math.max(1, Math.floor(parts));
    if (wanted === 1 || total === 0 || keyColumns.length === 0) return [{}];
    const marks = [...new Set(Array.from({ length: wanted - 1 }, (_, i) => Math.ceil(((i + 1) * total) / wanted)))].filter(
      (rn) => rn >= 1 && rn < total,
    );
    if (marks.length === 0) return [{}];
    const rn = this.sql.quote('rn');
    const inner = `SELECT ${this.sql.selectList(keyColumns, 'k')}, row_number() OVER (${this.sql.orderBy(names)}) AS ${rn} FROM ${qualified} ${bound.sql}`;
    const text = `SELECT * FROM (${inner}) WHERE ${rn} IN (${marks.map(() => '?').join(', ')}) ORDER BY ${rn}`;
    const rows = await all(this.db, text, [...bound.params, ...marks]);
    const cuts = rows.map((r) => decodeRow(keyColumns, r, 'k'));
    return cuts.map((upper, i): KeyRange => (i === 0 ? { upper } : { lower: cuts[i - 1], upper })).concat([{ lower: cuts[cuts.length - 1] }]);
  }
}
