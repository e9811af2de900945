import { type DataPlane, type DbError, type DialectCapabilities, IdentifierError, TerminalDbError } from '@dbferry/dialects-core';
import type { Database } from 'sqlite3';
import { SqliteChecksummer } from './sqlite.checksum';
import { SqliteDdlBuilder } from './sqlite.ddl';
import { all, exec } from './sqlite.driver';
import { SqliteIntrospector } from './sqlite.introspector';
import { SqliteReader } from './sqlite.reader';
import { type SqliteNaming } from './sqlite.sql';
import { SqliteValueError } from './sqlite.values';
import { SQLITE_ORDERED_KEY_KINDS, SqliteWriter } from './sqlite.writer';

/** SQLite's bind limit before 3.32 (SQLITE_MAX_VARIABLE_NUMBER), used when the build does not say. */
export const SQLITE_LEGACY_BIND_LIMIT = 999;

/**
 * The bind limit the linked library was compiled with, capped by the declared capability. A
 * build that does not report MAX_VARIABLE_NUMBER gets the conservative legacy limit.
 */
export async function bindLimit(db: Database, declared: number): Promise<number> {
  const options = await all<{ compile_options: string }>(db, 'PRAGMA compile_options');
  const entry = options.map((o) => /^MAX_VARIABLE_NUMBER=(\d+)$/.exec(o.compile_options)).find((m) => m);
  const compiled = entry ? Number(entry[1]) : SQLITE_LEGACY_BIND_LIMIT;
  return Math.min(declared, compiled);
}

export interface SqliteDataPlaneDialect extends SqliteNaming {
  readonly capabilities: DialectCapabilities;
  classifyError(error: unknown): DbError;
}

/**
 * Sorts a failure: identifier refusals and aborts leave as they are (the caller tells them
 * apart), a value that cannot be converted is a data error, the rest goes to the dialect.
 */
function sortError(dialect: SqliteDataPlaneDialect, error: unknown): unknown {
  if (error instanceof IdentifierError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  if (error instanceof SqliteValueError) return new TerminalDbError('data', error.message, { cause: error });
  return dialect.classifyError(error);
}

/** Wraps a method so every failure leaves sorted (see sortError). */
function classified<A extends unknown[], R>(dialect: SqliteDataPlaneDialect, work: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await work(...args);
    } catch (error) {
      throw sortError(dialect, error);
    }
  };
}

function classifiedStream<A extends unknown[], T>(
  dialect: SqliteDataPlaneDialect,
  work: (...args: A) => AsyncIterable<T>,
): (...args: A) => AsyncIterable<T> {
  return async function* (...args: A) {
    try {
      yield* work(...args);
    } catch (error) {
      throw sortError(dialect, error);
    }
  };
}

export function createSqliteDataPlane(db: Database, dialect: SqliteDataPlaneDialect): DataPlane {
  let limit: Promise<number> | undefined;
  const maxBindParams = () => (limit ??= bindLimit(db, dialect.capabilities.maxBindParams));
  const introspector = new SqliteIntrospector(db, dialect);
  const reader = new SqliteReader(db, dialect);
  const writer = new SqliteWriter(db, dialect, maxBindParams);
  const checksummer = new SqliteChecksummer(reader);
  return {
    orderedKeyKinds: SQLITE_ORDERED_KEY_KINDS,
    introspector: {
      listSchemas: classified(dialect, () => introspector.listSchemas()),
      describeTable: classified(dialect, (table) => introspector.describeTable(table)),
    },
    reader: {
      read: classifiedStream(dialect, (request) => reader.read(request)),
      keyBounds: classified(dialect, (table, keys, where) => reader.keyBounds(table, keys, where)),
      splitRanges: classified(dialect, (table, keys, parts, where) => reader.splitRanges(table, keys, parts, where)),
    },
    writer: { write: classified(dialect, (request, batches) => writer.write(request, batches)) },
    checksummer: { checksum: classified(dialect, (request) => checksummer.checksum(request)) },
    ddl: new SqliteDdlBuilder(dialect),
    // SQLite DDL is transactional: a failed statement leaves the schema as it was.
    execute: classified(dialect, async (statements: string[]) => {
      await exec(db, 'BEGIN IMMEDIATE');
      try {
        for (const statement of statements) await exec(db, statement);
        await exec(db, 'COMMIT');
      } catch (error) {
        await exec(db, 'ROLLBACK').catch(() => undefined);
        throw error;
      }
    }),
  };
}
