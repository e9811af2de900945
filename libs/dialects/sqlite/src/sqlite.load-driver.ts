import type * as Sqlite3 from 'sqlite3';

/*
 * sqlite3 (a native addon) is required when a database is first opened, never when the dialect
 * is imported: the registry imports every dialect, and a process that only plans, previews or
 * speaks other dialects does not load it (docs/benchmarks.md, issue 10).
 */
let sqlite3: typeof Sqlite3 | undefined;

export const loadSqlite3 = (): typeof Sqlite3 => (sqlite3 ??= require('sqlite3') as typeof Sqlite3);
