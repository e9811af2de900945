import type * as OracleDb from 'oracledb';

/*
 * oracledb is required when a session first connects (or a value needs one of its classes or
 * type constants), never when the dialect is imported: the registry imports every dialect, and a
 * process that only plans, previews or speaks other dialects does not load it
 * (docs/benchmarks.md, issue 10).
 */
let oracledb: typeof OracleDb | undefined;

export const loadOracleDb = (): typeof OracleDb => (oracledb ??= require('oracledb') as typeof OracleDb);
