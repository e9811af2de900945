import type { ConnectionPool } from 'mssql';
import type { DataPlane } from '@dbferry/dialects-core';
import { MssqlChecksummer } from './mssql.checksum';
import { MssqlDdlBuilder } from './mssql.ddl';
import { MssqlIntrospector } from './mssql.introspector';
import { MssqlReader } from './mssql.reader';
import { MSSQL_ORDERED_KEY_KINDS, MssqlWriter } from './mssql.writer';
import { loadMssql } from './mssql.load-driver';

/** `15.0.2000.5` → 15; 0 when unknown (then checksums run in the worker). */
export function mssqlMajorVersion(productVersion: string | undefined): number {
  const major = Number.parseInt((productVersion ?? '').split('.')[0] ?? '', 10);
  return Number.isFinite(major) ? major : 0;
}

export function createMssqlDataPlane(pool: ConnectionPool, productVersion: string | undefined): DataPlane {
  const reader = new MssqlReader(pool);
  return {
    orderedKeyKinds: MSSQL_ORDERED_KEY_KINDS,
    introspector: new MssqlIntrospector(pool),
    reader,
    writer: new MssqlWriter(pool),
    checksummer: new MssqlChecksummer(pool, reader, mssqlMajorVersion(productVersion)),
    ddl: new MssqlDdlBuilder(),
    // SQL Server DDL is transactional: all statements or none.
    async execute(statements: string[]): Promise<void> {
      const transaction = new (loadMssql().Transaction)(pool);
      await transaction.begin();
      try {
        for (const sql of statements) await transaction.request().query(sql);
        await transaction.commit();
      } catch (error) {
        await transaction.rollback().catch(() => undefined);
        throw error;
      }
    },
  };
}
