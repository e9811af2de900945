import { createHmac } from 'node:crypto';
import request from 'supertest';
import { TEST_ADMIN_PASSWORD } from '@dbferry/testing';
import { ADMIN_PASSWORD, ApiHarness, startApi } from './harness';

describe('auth (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('refuses a request without a token with 401', async () => {
    const res = await request(api.http).get('/api/connections').expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });

  it('refuses a forged token with 401', async () => {
    await request(api.http).get('/api/auth/me').set('Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.bogus').expect(401);
  });

  it('answers a wrong password with 401 and audits the failure', async () => {
    const res = await request(api.http).post('/api/auth/login').send({ username: 'admin', password: 'wrong-password' }).expect(401);
    expect(res.body.message).toBe('invalid username or password');
    const rows = await api.app.get(DataSourceToken).query(
      `SELECT actor_name, outcome FROM audit_log WHERE action = 'auth.login' AND outcome = 'denied'`,
    );
    expect(rows).toEqual([{ actor_name: 'admin', outcome: 'denied' }]);
  });

  it('answers an unknown user exactly like a wrong password', async () => {
    const res = await request(api.http).post('/api/auth/login').send({ username: 'nobody', password: 'x' }).expect(401);
    expect(res.body.message).toBe('invalid username or password');
  });

  it('locks every route but /me and /password until the initial password is changed', async () => {
    const login = await request(api.http).post('/api/auth/login').send({ username: 'admin', password: TEST_ADMIN_PASSWORD }).expect(200);
    expect(login.body).toMatchObject({ expiresIn: 3600, user: { username: 'admin', role: 'admin', mustChangePassword: true } });
    const token = login.body.accessToken;
    const locked = await request(api.http).get('/api/connections').set('Authorization', `Bearer ${token}`).expect(403);
    expect(locked.body.message).toMatch(/password change required/);
    await request(api.http).get('/api/users').set('Authorization', `Bearer ${token}`).expect(403);
    await request(api.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`).expect(200);

    await request(api.http)
      .post('/api/auth/password')
      .set('Authorization', `Bearer ${token}`)
      .send({ currentPassword: 'not-it', newPassword: ADMIN_PASSWORD })
      .expect(403);
    const changed = await request(api.http)
      .post('/api/auth/password')
      .set('Authorization', `Bearer ${token}`)
      .send({ currentPassword: TEST_ADMIN_PASSWORD, newPassword: ADMIN_PASSWORD })
      .expect(200);
    expect(changed.body.mustChangePassword).toBe(false);
    // The change revokes the token it was made with; the answer carries a fresh one (and cookie).
    await request(api.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
    expect(changed.body.accessToken).toEqual(expect.any(String));
    expect(changed.headers['set-cookie']?.[0]).toMatch(/^dbferry_session=[^;]+; Max-Age=3600; Path=\/queues;/);
    await request(api.http).get('/api/connections').set('Authorization', `Bearer ${changed.body.accessToken}`).expect(200);
    await request(api.http).post('/api/auth/login').send({ username: 'admin', password: TEST_ADMIN_PASSWORD }).expect(401);
  });

  it('logs in with the new password and sets the queue-board cookie', async () => {
    const res = await request(api.http).post('/api/auth/login').send({ username: 'ADMIN', password: ADMIN_PASSWORD }).expect(200);
    expect(res.headers['set-cookie']?.[0]).toMatch(/^dbferry_session=.+; Max-Age=3600; Path=\/queues; Expires=.+; HttpOnly; SameSite=Strict$/);
  });

  it('lets a viewer read but answers 403 to every write', async () => {
    const viewer = await api.tokenFor('viewer');
    await request(api.http).get('/api/connections').set('Authorization', `Bearer ${viewer}`).expect(200);
    const body = { name: 'x', dialect: 'postgres', host: '127.0.0.1', database: 'x' };
    const res = await request(api.http).post('/api/connections').set('Authorization', `Bearer ${viewer}`).send(body).expect(403);
    expect(res.body.message).toMatch(/admin role/);
    await request(api.http).get('/api/users').set('Authorization', `Bearer ${viewer}`).expect(403);
    await request(api.http).post('/api/users').set('Authorization', `Bearer ${viewer}`).send({}).expect(403);
  });

  it('lets an operator test connections but not create them or manage users', async () => {
    const operator = await api.tokenFor('operator');
    await request(api.http)
      .post('/api/connections')
      .set('Authorization', `Bearer ${operator}`)
      .send({ name: 'x', dialect: 'postgres', host: '127.0.0.1', database: 'x' })
      .expect(403);
    await request(api.http).get('/api/users').set('Authorization', `Bearer ${operator}`).expect(403);
  });

  it('demotes at once: a token of a user made viewer stops writing', async () => {
    const admin = await api.adminToken();
    const created = await request(api.http)
      .post('/api/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'soon-viewer', password: 'temporary-password-2', role: 'admin' })
      .expect(201);
    expect(created.body).not.toHaveProperty('password');
    expect(created.body).not.toHaveProperty('passwordHash');
    const first = (await request(api.http).post('/api/auth/login').send({ username: 'soon-viewer', password: 'temporary-password-2' })).body.accessToken;
    await request(api.http).post('/api/auth/password').set('Authorization', `Bearer ${first}`).send({ currentPassword: 'temporary-password-2', newPassword: 'another-good-password' }).expect(200);
    const token = (await request(api.http).post('/api/auth/login').send({ username: 'soon-viewer', password: 'another-good-password' }).expect(200)).body.accessToken;
    await request(api.http).get('/api/users').set('Authorization', `Bearer ${token}`).expect(200);
    await request(api.http).patch(`/api/users/${created.body.id}`).set('Authorization', `Bearer ${admin}`).send({ role: 'viewer' }).expect(200);
    // The role change revokes the token; a fresh login carries the viewer role, which cannot write.
    await request(api.http).get('/api/users').set('Authorization', `Bearer ${token}`).expect(401);
    const again = (await request(api.http).post('/api/auth/login').send({ username: 'soon-viewer', password: 'another-good-password' }).expect(200)).body.accessToken;
    await request(api.http).get('/api/users').set('Authorization', `Bearer ${again}`).expect(403);
  });

  it('never lets the last admin be deleted or demoted', async () => {
    const admin = await api.adminToken();
    const me = (await request(api.http).get('/api/auth/me').set('Authorization', `Bearer ${admin}`)).body;
    await request(api.http).delete(`/api/users/${me.id}`).set('Authorization', `Bearer ${admin}`).expect(409);
    await request(api.http).patch(`/api/users/${me.id}`).set('Authorization', `Bearer ${admin}`).send({ role: 'viewer' }).expect(409);
  });

  it('stores only argon2id hashes', async () => {
    const rows: { password_hash: string }[] = await api.app.get(DataSourceToken).query('SELECT password_hash FROM app_user');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('accepts only HS256 tokens: alg none and other HMACs with the same secret are 401', async () => {
    const admin = await api.adminToken();
    const me = (await request(api.http).get('/api/auth/me').set('Authorization', `Bearer ${admin}`).expect(200)).body;
    const now = Math.floor(Date.now() / 1000);
    const { ver } = JSON.parse(Buffer.from(admin.split('.')[1], 'base64url').toString()) as { ver: number };
    const payload = { sub: me.id, role: 'admin', ver, iat: now, exp: now + 600 };
    const tokens = Object.fromEntries((['HS256', 'HS384', 'HS512', 'none'] as const).map((alg) => [alg, forgeJwt(alg, payload, api.env.JWT_SECRET)]));
    // The control: built the same way and signed HS256, the token is good, so a refusal below is the algorithm's.
    await request(api.http).get('/api/auth/me').set('Authorization', `Bearer ${tokens.HS256}`).expect(200);
    await request(api.http).get('/queues').set('Authorization', `Bearer ${tokens.HS256}`).expect(200);
    for (const alg of ['HS384', 'HS512', 'none']) {
      const res = await request(api.http).get('/api/auth/me').set('Authorization', `Bearer ${tokens[alg]}`);
      expect({ alg, status: res.status }).toEqual({ alg, status: 401 });
      // The queue board checks tokens outside passport (its cookie): pinned there too.
      const board = await request(api.http).get('/queues').set('Authorization', `Bearer ${tokens[alg]}`);
      expect({ alg, status: board.status }).toEqual({ alg, status: 401 });
    }
    const signed = JSON.parse(Buffer.from(admin.split('.')[0], 'base64url').toString());
    expect(signed.alg).toBe('HS256');
  });
});

describe('token revocation (e2e)', () => {
  let api: ApiHarness;
  let admin: string;
  beforeAll(async () => {
    api = await startApi();
    admin = await api.adminToken();
  });
  afterAll(() => api.close());

  const login = async (username: string, password: string) =>
    (await request(api.http).post('/api/auth/login').send({ username, password }).expect(200)).body.accessToken as string;
  const me = (token: string) => request(api.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`);
  const board = (token: string) => request(api.http).get('/queues').set('Cookie', `dbferry_session=${token}`);
  const createUser = async (username: string, role: 'admin' | 'operator' | 'viewer') => {
    const created = await request(api.http).post('/api/users').set('Authorization', `Bearer ${admin}`).send({ username, password: 'temporary-password-9', role }).expect(201);
    const first = await login(username, 'temporary-password-9');
    const changed = await request(api.http)
      .post('/api/auth/password')
      .set('Authorization', `Bearer ${first}`)
      .send({ currentPassword: 'temporary-password-9', newPassword: 'first-own-password-1' })
      .expect(200);
    return { id: created.body.id as string, token: changed.body.accessToken as string };
  };

  it('refuses every token issued before the user changed their own password, on the API and the queue board', async () => {
    const user = await createUser('self-changer', 'admin');
    const other = await login('self-changer', 'first-own-password-1');
    await me(user.token).expect(200);
    await board(other).expect(200);
    const changed = await request(api.http)
      .post('/api/auth/password')
      .set('Authorization', `Bearer ${user.token}`)
      .send({ currentPassword: 'first-own-password-1', newPassword: 'second-own-password-2' })
      .expect(200);
    for (const old of [user.token, other]) {
      const res = await me(old).expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      await board(old).expect(401);
    }
    expect((await me(changed.body.accessToken).expect(200)).body.username).toBe('self-changer');
    await board(changed.body.accessToken).expect(200);
    await me(await login('self-changer', 'second-own-password-2')).expect(200);
  });

  it('refuses every token issued before an admin reset the password', async () => {
    const user = await createUser('reset-by-admin', 'operator');
    await me(user.token).expect(200);
    await request(api.http).patch(`/api/users/${user.id}`).set('Authorization', `Bearer ${admin}`).send({ password: 'a-reset-password-1' }).expect(200);
    await me(user.token).expect(401);
    await me(await login('reset-by-admin', 'a-reset-password-1')).expect(200);
  });

  it('refuses every token issued before an admin changed the role, but not after an unchanged one', async () => {
    const user = await createUser('role-changed', 'operator');
    await request(api.http).patch(`/api/users/${user.id}`).set('Authorization', `Bearer ${admin}`).send({ role: 'operator' }).expect(200);
    await me(user.token).expect(200);
    await request(api.http).patch(`/api/users/${user.id}`).set('Authorization', `Bearer ${admin}`).send({ role: 'viewer' }).expect(200);
    await me(user.token).expect(401);
    const fresh = await login('role-changed', 'first-own-password-1');
    expect((await me(fresh).expect(200)).body.role).toBe('viewer');
  });

  it('refuses the tokens of a deleted user, and a validly signed token with no version or another one', async () => {
    const user = await createUser('soon-deleted', 'viewer');
    const claims = JSON.parse(Buffer.from(user.token.split('.')[1], 'base64url').toString()) as { sub: string; role: string; ver: number; iat: number; exp: number };
    expect(claims.ver).toEqual(expect.any(Number));
    await me(forgeJwt('HS256', claims, api.env.JWT_SECRET)).expect(200);
    await me(forgeJwt('HS256', { ...claims, ver: claims.ver + 1 }, api.env.JWT_SECRET)).expect(401);
    await me(forgeJwt('HS256', { sub: claims.sub, role: claims.role, iat: claims.iat, exp: claims.exp }, api.env.JWT_SECRET)).expect(401);
    await request(api.http).delete(`/api/users/${user.id}`).set('Authorization', `Bearer ${admin}`).expect(204);
    await me(user.token).expect(401);
  });
});

describe('login throttling (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ LOGIN_RATE_LIMIT: '3', LOGIN_RATE_WINDOW_SECONDS: '60' });
  });
  afterAll(() => api.close());

  it('answers 429 past the limit, even with the right password', async () => {
    for (let i = 0; i < 3; i++) {
      await request(api.http).post('/api/auth/login').send({ username: 'admin', password: `guess-${i}` }).expect(401);
    }
    const res = await request(api.http).post('/api/auth/login').send({ username: 'admin', password: TEST_ADMIN_PASSWORD }).expect(429);
    expect(res.body.statusCode).toBe(429);
    expect(res.headers['retry-after-login'] ?? res.headers['retry-after']).toBeDefined();
  });

  it('keeps the count in Redis, shared by every API replica', async () => {
    const keys = await api.app.get(RedisToken).keys('*');
    expect(keys.some((k: string) => k.includes('throttle'))).toBe(true);
  });
});

describe('login throttling per username (e2e)', () => {
  let api: ApiHarness;
  let port: number;
  beforeAll(async () => {
    // The per-address limit stays at its default of 10: each address below tries at most twice.
    // The hold starts with the 10th attempt, before its password is checked (argon2, slow on a
    // busy machine): 5 s leaves room for that check and the 11th request.
    api = await startApi({ LOGIN_RATE_LIMIT: '10', LOGIN_USER_LIMIT: '10', LOGIN_USER_BACKOFF_SECONDS: '5' });
    await api.app.listen(0, '127.0.0.1');
    port = (api.http.address() as AddressInfo).port;
  });
  afterAll(() => api.close());

  let nextAddress = 10;
  /** A login from a fresh loopback address each time (127.0.0.10, .11, …): the API sees many clients. */
  const loginFrom = (username: string, password: string) =>
    new Promise<{ status: number; retryAfter?: string; body: { message: string } }>((resolve, reject) => {
      const body = JSON.stringify({ username, password });
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/api/auth/login', method: 'POST', localAddress: `127.0.0.${nextAddress++}`, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const guessTenTimes = async (username: string) => {
    for (let i = 0; i < 10; i++) expect((await loginFrom(username, `wrong-guess-${i}`)).status).toBe(401);
  };

  it('answers the 11th attempt at one username from 11 addresses with 429 and Retry-After, even with the right password; success after the hold', async () => {
    await guessTenTimes('admin');
    const held = await loginFrom('admin', TEST_ADMIN_PASSWORD);
    expect(held.status).toBe(429);
    expect(held.retryAfter).toMatch(/^[1-5]$/);
    expect(held.body.message).toBe(`too many failed logins for this username; retry in ${held.retryAfter} s`);
    const audit = await api.app.get(DataSourceToken).query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.login' AND details->>'reason' = 'throttled'`);
    expect(audit[0].n).toBe(1);

    await new Promise((r) => setTimeout(r, Number(held.retryAfter) * 1000 + 100));
    expect((await loginFrom('admin', TEST_ADMIN_PASSWORD)).status).toBe(200);
    // A success forgets the count: the next wrong guess is an ordinary 401.
    expect((await loginFrom('admin', 'wrong-again')).status).toBe(401);
  }, 60_000);

  it('holds an unknown username exactly like a known one, and doubles the hold with each attempt past the limit', async () => {
    await guessTenTimes('nobody-by-that-name');
    const held = await loginFrom('nobody-by-that-name', 'x');
    expect(held.status).toBe(429);
    expect(held.body.message).toBe(`too many failed logins for this username; retry in ${held.retryAfter} s`);
    await new Promise((r) => setTimeout(r, Number(held.retryAfter) * 1000 + 100));
    // The 11th counted attempt is checked (401), and holds the name for 2 × 5 s: longer than the first hold can be.
    expect((await loginFrom('nobody-by-that-name', 'y')).status).toBe(401);
    const longer = await loginFrom('nobody-by-that-name', 'z');
    expect(longer.status).toBe(429);
    expect(Number(longer.retryAfter)).toBeGreaterThan(5);
    expect(Number(longer.retryAfter)).toBeLessThanOrEqual(10);
  }, 60_000);
});

import { DataSource as DataSourceToken } from 'typeorm';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QUEUE_REDIS } from '@dbferry/queue';
const RedisToken = QUEUE_REDIS;

/** A JWT built by hand, so a test can sign it with an algorithm the API must refuse. */
function forgeJwt(alg: 'HS256' | 'HS384' | 'HS512' | 'none', payload: object, secret: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg, typ: 'JWT' })}.${part(payload)}`;
  if (alg === 'none') return `${unsigned}.`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  return `${unsigned}.${createHmac(hash, secret).update(unsigned).digest('base64url')}`;
}
