import { type Connection, createConnection } from 'mysql2/promise';
import { type DataPlane, type DialectSession, parseConnectionUrl, type TableSchema } from '@dbferry/dialects-core';
import { createMysqlDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { MysqlDialect } from './mysql.dialect';

/** auto_increment and defaults as information_schema describes them on MariaDB (issue 3: introspection). */
describe('MariaDB introspection of auto_increment and defaults', () => {
  let db: EphemeralDatabase;
  let admin: Connection;
  let session: DialectSession;
  let data: DataPlane;

  beforeAll(async () => {
    db = await createMysqlDatabase('dbferry_myintro');
    admin = await createConnection({ uri: db.url });
    await admin.query(`CREATE TABLE gen (
      id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
      created datetime(6) NOT NULL DEFAULT current_timestamp(6),
      touched timestamp(6) NULL DEFAULT current_timestamp(6) ON UPDATE current_timestamp(6),
      label varchar(20) DEFAULT 'x',
      quote varchar(20) DEFAULT 'it''s',
      n decimal(6,2) DEFAULT 1.50,
      k int NOT NULL DEFAULT 7,
      nullable_default int DEFAULT NULL,
      plain int NOT NULL) ENGINE=InnoDB`);
    await admin.query(`CREATE TABLE serial_key (id serial, v int, PRIMARY KEY (id)) ENGINE=InnoDB`);
    session = await new MysqlDialect().connect({ dialect: 'mysql', ...parseConnectionUrl('mysql', db.url) }, { timeoutMs: 5000 });
    data = session.data as DataPlane;
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await admin?.end();
    await db?.drop();
  });

  it('flags AUTO_INCREMENT (and SERIAL) as identity and keeps each default as the expression the source would write', async () => {
    const schema = (await data.introspector.describeTable({ schema: db.name, name: 'gen' })) as TableSchema;
    expect(schema.primaryKey).toEqual(['id']);
    const facts = Object.fromEntries(schema.columns.map((c) => [c.name, { type: c.type.kind, nullable: c.nullable, identity: c.identity ?? false, default: c.default ?? null }]));
    expect(facts).toEqual({
      id: { type: 'uint64', nullable: false, identity: true, default: null },
      created: { type: 'timestamp', nullable: false, identity: false, default: 'current_timestamp(6)' },
      touched: { type: 'timestamptz', nullable: true, identity: false, default: 'current_timestamp(6)' },
      label: { type: 'string', nullable: true, identity: false, default: "'x'" },
      quote: { type: 'string', nullable: true, identity: false, default: "'it''s'" },
      n: { type: 'decimal', nullable: true, identity: false, default: '1.50' },
      k: { type: 'int32', nullable: false, identity: false, default: '7' },
      nullable_default: { type: 'int32', nullable: true, identity: false, default: null },
      plain: { type: 'int32', nullable: false, identity: false, default: null },
    });
    const serial = (await data.introspector.describeTable({ schema: db.name, name: 'serial_key' })) as TableSchema;
    expect(serial.columns[0]).toMatchObject({ name: 'id', type: { kind: 'uint64' }, nullable: false, identity: true });
  });
});
