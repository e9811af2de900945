import type { Connection, ConnectionOptions } from 'mysql2/promise';
import type { DataPlane } from '@dbferry/dialects-core';
import { MysqlChecksummer } from './mysql.checksum';
import { MysqlDdlBuilder } from './mysql.ddl';
import { MysqlIntrospector } from './mysql.introspector';
import { type ErrorMapper, guarded, type MysqlConnector, MysqlReader } from './mysql.reader';
import { MYSQL_ORDERED_KEY_KINDS, MysqlWriter, type MysqlServerInfo, readLocalInfile, readMaxAllowedPacket } from './mysql.writer';

/**
 * Every connection of a session runs with:
 * - time_zone UTC, so TIMESTAMP columns print (and take) the instant in UTC whatever the
 *   server's or the worker's zone;
 * - utf8mb4 on the wire, so 4-byte characters survive and the decoder may read UTF-8;
 * - STRICT_ALL_TABLES and no zero dates for writes: a value that does not fit fails its
 *   statement instead of being clipped with a warning; NO_AUTO_VALUE_ON_ZERO so an explicit 0
 *   in an AUTO_INCREMENT column is copied as 0. NO_BACKSLASH_ESCAPES stays off: the writer's
 *   string literals (mysql.values.ts) and the type mapper's enum labels escape with backslashes.
 */
export const MYSQL_SQL_MODE =
  'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO';

export const MYSQL_SESSION_SETUP: readonly string[] = [
  "SET time_zone = '+00:00'",
  'SET NAMES utf8mb4',
  `SET SESSION sql_mode = '${MYSQL_SQL_MODE}'`,
];

/**
 * Driver options for every connection: numbers beyond 2^53 and decimals as strings, temporal
 * values as strings (never a JS Date) for the catalogue queries. Data queries go further and
 * read raw bytes (`typeCast: false`, see mysql.values.ts).
 */
export const MYSQL_DRIVER_OPTIONS = {
  supportBigNumbers: true,
  bigNumberStrings: true,
  dateStrings: true,
  decimalNumbers: false,
} as const satisfies ConnectionOptions;

export async function applySessionSetup(connection: Connection): Promise<void> {
  for (const statement of MYSQL_SESSION_SETUP) await connection.query(statement);
}

export class MysqlDataPlane implements DataPlane {
  readonly orderedKeyKinds = MYSQL_ORDERED_KEY_KINDS;
  readonly introspector: MysqlIntrospector;
  readonly reader: MysqlReader;
  readonly writer: MysqlWriter;
  readonly checksummer: MysqlChecksummer;
  readonly ddl: MysqlDdlBuilder;
  private maxPacket: Promise<number> | undefined;
  private localInfileAllowed: Promise<boolean> | undefined;

  constructor(
    private readonly main: Connection,
    connect: MysqlConnector,
    server: MysqlServerInfo,
    maxBindParams: number,
    private readonly mapError: ErrorMapper,
  ) {
    this.introspector = new MysqlIntrospector(main, server.flavor, mapError);
    this.reader = new MysqlReader(main, connect, mapError);
    this.writer = new MysqlWriter(connect, server, maxBindParams, () => this.maxAllowedPacket(), mapError, () => this.localInfile());
    this.checksummer = new MysqlChecksummer(main, this.reader, mapError);
    this.ddl = new MysqlDdlBuilder(server.flavor);
  }

  /** Whether the server takes LOAD DATA LOCAL; read once per session, a failed read is retried next time. */
  private localInfile(): Promise<boolean> {
    this.localInfileAllowed ??= readLocalInfile(this.main).catch((error: unknown) => {
      this.localInfileAllowed = undefined;
      throw error;
    });
    return this.localInfileAllowed;
  }

  /** Read once per session; a failed read is retried next time. */
  private maxAllowedPacket(): Promise<number> {
    this.maxPacket ??= readMaxAllowedPacket(this.main).catch((error: unknown) => {
      this.maxPacket = undefined;
      throw error;
    });
    return this.maxPacket;
  }

  /**
   * Runs statements in order on the session's connection. MySQL commits implicitly around
   * every DDL statement, so there is no transaction to wrap them in: a failure leaves the
   * statements before it applied (DdlBuilder emits one statement per table for that reason).
   */
  execute(statements: string[]): Promise<void> {
    return guarded(this.mapError, async () => {
      for (const statement of statements) await this.main.query(statement);
    });
  }
}
