import { randomBytes } from 'node:crypto';
import { type Connection, getConnection } from 'oracledb';
import { parseConnectionUrl, type ResolvedConnectionSpec, testConnection } from '@dbferry/dialects-core';
import { OracleDialect } from './oracle.dialect';

const url = process.env.ORACLE_URL;
const dialect = new OracleDialect();

describe('OracleDialect on a live server', () => {
  if (!url) {
    it('is skipped without ORACLE_URL', () => {
      console.log('skipped: ORACLE_URL not set — Oracle live tests need a server (e.g. oracle://system:pw@127.0.0.1:1521/FREEPDB1)');
    });
    return;
  }
  const base: ResolvedConnectionSpec = { dialect: 'oracle', ...parseConnectionUrl('oracle', url) };
  const spec: ResolvedConnectionSpec = { ...base, address: base.host };

  const table = `DBFERRY_IT_${randomBytes(4).toString('hex').toUpperCase()}`;
  let admin: Connection;

  beforeAll(async () => {
    admin = await getConnection({
      user: spec.username,
      password: spec.password,
      connectString: `${spec.host}:${spec.port ?? 1521}/${spec.database}`,
    });
    await admin.execute(`CREATE TABLE ${table} (
      tenant_id NUMBER(10) NOT NULL, note VARCHAR2(20), order_no NUMBER(10) NOT NULL,
      CONSTRAINT ${table}_PK PRIMARY KEY (order_no, tenant_id))`);
  });

  afterAll(async () => {
    await admin.execute(`DROP TABLE ${table} PURGE`);
    await admin.close();
  });

  it('connects in thin mode, reads the version and lists the current schema', async () => {
    const session = await dialect.connect(spec, { timeoutMs: 10000 });
    try {
      expect(session.serverVersion).toMatch(/Oracle|^\d+\./);
      const mine = (await session.listTables()).find((t) => t.name === table);
      expect(mine).toMatchObject({ primaryKey: ['ORDER_NO', 'TENANT_ID'], rowEstimate: null });
      await expect(session.listTables('NO_SUCH_OWNER_DBFERRY')).resolves.toEqual([]);
    } finally {
      await session.close();
    }
  });

  it('sorts a wrong password as authentication-failed without showing it', async () => {
    const wrong = `wrong${randomBytes(6).toString('hex')}`;
    const result = await testConnection(dialect, { ...spec, password: wrong }, 10000);
    expect(result).toMatchObject({ ok: false, errorCode: 'authentication-failed' });
    expect(result.error).not.toContain(wrong);
  });

  it('sorts an unknown service as unknown-database', async () => {
    const result = await testConnection(dialect, { ...spec, database: 'NO_SUCH_SERVICE_DBFERRY' }, 10000);
    expect(result).toMatchObject({ ok: false, errorCode: 'unknown-database' });
  });
});
