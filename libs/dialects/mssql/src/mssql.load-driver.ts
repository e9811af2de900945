import type * as Mssql from 'mssql';

/*
 * mssql (with tedious and @azure/msal-node, the largest of the drivers) is required when a session
 * first connects, never when the dialect is imported: the registry imports every dialect, and a
 * process that only plans, previews or speaks other dialects does not load it
 * (docs/benchmarks.md, issue 10).
 */
let mssql: typeof Mssql | undefined;

export const loadMssql = (): typeof Mssql => (mssql ??= require('mssql') as typeof Mssql);
