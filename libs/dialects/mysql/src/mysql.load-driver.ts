import type * as Mysql from 'mysql2';
import type * as MysqlPromise from 'mysql2/promise';

/*
 * mysql2 is required when a session first connects, never when the dialect is imported: the
 * registry imports every dialect, and a process that only plans, previews or speaks other
 * dialects does not load (or keep in memory) this driver (docs/benchmarks.md, issue 10).
 */
let core: typeof Mysql | undefined;
let promise: typeof MysqlPromise | undefined;

export const loadMysql = (): typeof Mysql => (core ??= require('mysql2') as typeof Mysql);
export const loadMysqlPromise = (): typeof MysqlPromise => (promise ??= require('mysql2/promise') as typeof MysqlPromise);
