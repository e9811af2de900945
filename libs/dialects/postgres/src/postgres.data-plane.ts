import type { DataPlane } from '@dbferry/dialects-core';
import { inTransaction, type PostgresClients } from './postgres.clients';
import { PostgresChecksummer } from './postgres.checksum';
import { PostgresDdlBuilder } from './postgres.ddl';
import { PostgresIntrospector } from './postgres.introspector';
import { PostgresReader } from './postgres.reader';
import { POSTGRES_ORDERED_KEY_KINDS, PostgresWriter } from './postgres.writer';

/** `wrap` sorts driver errors into the DbError taxonomy (and redacts the password). */
export function createPostgresDataPlane(clients: PostgresClients, wrap: <T>(work: () => Promise<T>) => Promise<T>): DataPlane {
  const introspector = new PostgresIntrospector(() => clients.main);
  const reader = new PostgresReader(clients, wrap);
  return {
    orderedKeyKinds: POSTGRES_ORDERED_KEY_KINDS,
    introspector: {
      listSchemas: () => wrap(() => introspector.listSchemas()),
      describeTable: (table) => wrap(() => introspector.describeTable(table)),
      lookupType: (typeText) => wrap(() => introspector.lookupType(typeText)),
      describeExpressions: (table, expressions) => wrap(() => introspector.describeExpressions(table, expressions)),
    },
    reader,
    writer: new PostgresWriter(clients, wrap),
    checksummer: new PostgresChecksummer(clients, reader, wrap),
    ddl: new PostgresDdlBuilder(),
    execute: (statements) =>
      wrap(() =>
        clients.with((client) =>
          inTransaction(client, 'BEGIN', async () => {
            for (const statement of statements) await client.query(statement);
          }),
        ),
      ),
  };
}
