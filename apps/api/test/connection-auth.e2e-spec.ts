import request from 'supertest';
import { type FakeMysqlMode, type FakeMysqlServer, type FakePostgresServer, startFakeMysql, startFakePostgres } from '@dbferry/testing';
import { ApiHarness, startApi } from './harness';

/** The stored password: no impostor server may ever read it. */
const STORED = 'stored-Canary-e2e-4b7d9a';

describe('a stored password never reaches a server that asks for it (e2e)', () => {
  let api: ApiHarness;
  let admin: string;
  const auth = () => ({ Authorization: `Bearer ${admin}` });
  const fakes: Array<FakeMysqlServer | FakePostgresServer> = [];
  const fakeMysql = async (mode: FakeMysqlMode) => {
    const fake = await startFakeMysql(mode);
    fakes.push(fake);
    return fake;
  };
  const nothingReadable = (fake: FakeMysqlServer) => {
    expect(fake.recovered).toEqual([]);
    expect(fake.received().includes(Buffer.from(STORED))).toBe(false);
  };

  beforeAll(async () => {
    api = await startApi();
    admin = await api.adminToken();
  });

  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await api.close();
    expect(api.logs.text).not.toContain(STORED);
  });

  const create = (body: object) => request(api.http).post('/api/connections').set(auth()).send(body).expect(201);
  const patch = (id: string, body: object) => request(api.http).patch(`/api/connections/${id}`).set(auth()).send(body);
  const test = (id: string) => request(api.http).post(`/api/connections/${id}/test`).set(auth()).expect(200);

  it.each<FakeMysqlMode>(['sha256-switch', 'caching-sha2-full', 'clear-switch', 'sha256-hello'])(
    'a MySQL connection pointed at an impostor (%s) does not send it on test',
    async (mode) => {
      const fake = await fakeMysql(mode);
      const { body } = await create({ name: `impostor-${mode}`, dialect: 'mysql', host: '127.0.0.1', port: fake.port, database: 'sales', username: 'dbferry', password: STORED });
      const result = await test(body.id);
      expect(result.body.ok).toBe(false);
      expect(result.body.error).toMatch(/password was not sent/);
      expect(result.text).not.toContain(STORED);
      expect(fake.lures).toBeGreaterThan(0);
      nothingReadable(fake);
    },
  );

  it('moving a MySQL connection to another host or port needs the password again, so test never takes the stored one there', async () => {
    const fake = await fakeMysql('sha256-switch');
    const { body } = await create({ name: 'mysql-moved', dialect: 'mysql', host: '127.0.0.1', port: 3306, database: 'sales', username: 'dbferry', password: STORED });

    for (const change of [{ port: fake.port }, { host: 'localhost' }, { database: 'other' }, { options: { ssl: 'skip-verify' } }, { host: '127.0.0.1', port: fake.port, readOnly: true }]) {
      const res = await patch(body.id, change).expect(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'password' })]);
      expect(res.body.message).toMatch(/^password: is required again when /);
    }
    // Dialect and URL cannot be changed by PATCH at all.
    for (const [field, value] of [['dialect', 'postgres'], ['url', `mysql://dbferry@127.0.0.1:${fake.port}/sales`]]) {
      const res = await patch(body.id, { [field]: value }).expect(400);
      expect(JSON.stringify(res.body.details)).toContain(field);
    }
    const unchanged = await request(api.http).get(`/api/connections/${body.id}`).set(auth()).expect(200);
    expect(unchanged.body).toMatchObject({ host: '127.0.0.1', port: 3306, database: 'sales', options: {}, readOnly: false, hasPassword: true });
    await test(body.id);
    expect(fake.connections).toBe(0);

    // What neither moves it nor changes how it authenticates needs no password.
    await patch(body.id, { name: 'mysql-renamed', port: 3306, readOnly: true, options: { charset: 'utf8mb4' } }).expect(200);

    // With the password typed again it may move; the impostor then sees neither that one nor the stored one.
    await patch(body.id, { port: fake.port, password: 'typed-again-77' }).expect(200);
    const moved = await test(body.id);
    expect(moved.body.ok).toBe(false);
    expect(fake.connections).toBe(1);
    nothingReadable(fake);
    expect(fake.received().includes(Buffer.from('typed-again-77'))).toBe(false);

    // Removing the password needs nothing; a connection without one may move freely.
    await patch(body.id, { password: null }).expect(200);
    await patch(body.id, { port: 3306 }).expect(200);
  });

  it('a PostgreSQL connection does not send it to a server asking for it in plain text, and moving it needs it again', async () => {
    const fake = await startFakePostgres();
    fakes.push(fake);
    const { body } = await create({ name: 'pg-impostor', dialect: 'postgres', host: '127.0.0.1', port: fake.port, database: 'sales', username: 'dbferry', password: STORED });
    const result = await test(body.id);
    expect(result.body.ok).toBe(false);
    expect(result.body.error).toMatch(/plain text/);
    expect(fake.asked).toBe(1);
    expect(fake.received().includes(Buffer.from(STORED))).toBe(false);

    const res = await patch(body.id, { port: 5432, options: { sslmode: 'disable' } }).expect(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'password' })]);
    expect(res.body.message).toContain('port, options.sslmode');
  });
});
