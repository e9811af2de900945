import type { Connection } from 'oracledb';
import type { DataPlane } from '@dbferry/dialects-core';
import { OracleChecksummer } from './oracle.checksum';
import { OracleDdlBuilder } from './oracle.ddl';
import { OracleIntrospector } from './oracle.introspector';
import { OracleReader } from './oracle.reader';
import { ORACLE_ORDERED_KEY_KINDS, OracleWriter } from './oracle.writer';

export function createOracleDataPlane(connection: Connection): DataPlane {
  const reader = new OracleReader(connection);
  return {
    orderedKeyKinds: ORACLE_ORDERED_KEY_KINDS,
    introspector: new OracleIntrospector(connection),
    reader,
    writer: new OracleWriter(connection),
    checksummer: new OracleChecksummer(connection, reader),
    ddl: new OracleDdlBuilder(),
    // Oracle commits around every DDL statement: they run in order, each on its own.
    async execute(statements: string[]): Promise<void> {
      for (const sql of statements) await connection.execute(sql, {}, { autoCommit: true });
    },
  };
}
