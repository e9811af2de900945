import type { Database, Statement } from 'sqlite3';

/** A value sqlite3 binds as it is: text, a number, a blob or NULL. */
export type SqliteParam = string | number | Buffer | null;
/** A value sqlite3 returns for one column. */
export type SqliteRaw = string | number | Buffer | null;
export type SqliteRow = Record<string, SqliteRaw>;

export function all<T = SqliteRow>(db: Database, sql: string, params: SqliteParam[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    db.all<T>(sql, params, (error, rows) => (error ? reject(error) : resolve(rows)));
  });
}

export function run(db: Database, sql: string, params: SqliteParam[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    db.run(sql, params, function (this: { changes: number }, error: Error | null) {
      if (error) reject(error);
      else resolve(this.changes);
    });
  });
}

/** Runs SQL text that may hold several statements, without parameters. */
export function exec(db: Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}

export function prepare(db: Database, sql: string): Promise<Statement> {
  return new Promise((resolve, reject) => {
    const statement: Statement = db.prepare(sql, (error: Error | null) => (error ? reject(error) : resolve(statement)));
  });
}

export function statementAll<T = SqliteRow>(statement: Statement, params: SqliteParam[]): Promise<T[]> {
  return new Promise((resolve, reject) => {
    statement.all<T>(params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows)));
  });
}

/** Steps the statement once: successive calls without a reset return successive rows. */
export function statementGet<T = SqliteRow>(statement: Statement): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    statement.get<T>((error: Error | null, row?: T) => (error ? reject(error) : resolve(row)));
  });
}

export function statementRun(statement: Statement, params: SqliteParam[]): Promise<void> {
  return new Promise((resolve, reject) => {
    statement.run(params, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}

export function finalize(statement: Statement): Promise<void> {
  return new Promise((resolve) => statement.finalize(() => resolve()));
}

export function statementBind(statement: Statement, params: SqliteParam[]): Promise<void> {
  return new Promise((resolve, reject) => {
    statement.bind(params, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}
