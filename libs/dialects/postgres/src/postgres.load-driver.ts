import type * as Pg from 'pg';
import type PgCursor from 'pg-cursor';
import type * as PgCopyStreams from 'pg-copy-streams';

/*
 * The driver modules are required when a session first needs them, never when the dialect is
 * imported: the registry imports every dialect, and a process that only plans, previews or
 * speaks other dialects does not load (or keep in memory) this driver (docs/benchmarks.md,
 * issue 10). Node caches the module, so later calls cost a property read.
 */
let pg: typeof Pg | undefined;
let cursor: typeof PgCursor | undefined;
let copyStreams: typeof PgCopyStreams | undefined;

export const loadPg = (): typeof Pg => (pg ??= require('pg') as typeof Pg);
export const loadPgCursor = (): typeof PgCursor => (cursor ??= require('pg-cursor') as typeof PgCursor);
export const loadPgCopyStreams = (): typeof PgCopyStreams => (copyStreams ??= require('pg-copy-streams') as typeof PgCopyStreams);
