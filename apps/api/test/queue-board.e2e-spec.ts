import request from 'supertest';
import { TEST_ADMIN_PASSWORD } from '@dbferry/testing';
import { ADMIN_PASSWORD, ApiHarness, startApi } from './harness';

const HTML = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';

const sessionCookie = (res: request.Response) => {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => c.startsWith('dbferry_session='));
};

describe('queue board sign-in (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
    await api.adminToken();
  });
  afterAll(() => api.close());

  const signIn = (username: string, password: string) =>
    request(api.http).post('/queues/login').type('form').set('Accept', HTML).send({ username, password });

  it('sends a browser without a session to a sign-in page, and the board API to a 401 JSON', async () => {
    const page = await request(api.http).get('/queues').set('Accept', HTML).expect(303);
    expect(page.headers.location).toBe('/queues/login');
    const form = await request(api.http).get('/queues/login').set('Accept', HTML).expect(200).expect('Content-Type', /text\/html/);
    expect(form.text).toContain('<form method="post" action="/queues/login">');
    expect(form.text).toMatch(/<input id="password" name="password" type="password"/);
    expect(form.text).not.toMatch(/<script/);
    const api401 = await request(api.http).get('/queues/api/queues').expect(401);
    expect(api401.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'sign in as an admin at /queues/login' });
  });

  it('signs an admin in with an HttpOnly, SameSite=Strict cookie scoped to /queues, and shows the board', async () => {
    const res = await signIn('admin', ADMIN_PASSWORD).expect(303);
    expect(res.headers.location).toBe('/queues');
    const cookie = sessionCookie(res);
    expect(cookie).toMatch(/^dbferry_session=[^;]+; Max-Age=\d+; Path=\/queues; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    const pair = cookie!.split(';')[0];
    const board = await request(api.http).get('/queues').set('Accept', HTML).set('Cookie', pair).expect(200);
    expect(board.text).toContain('dbferry queues');
    // The board's header carries the sign-out link, in its UI config.
    expect(board.text).toContain('"url":"/queues/logout"');
    const queues = await request(api.http).get('/queues/api/queues').set('Cookie', pair).expect(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name)).toContain('maintenance');
  });

  it('answers a wrong password with the form again, a 401 and no cookie', async () => {
    const res = await signIn('admin', 'not-the-password').expect(401).expect('Content-Type', /text\/html/);
    expect(res.text).toContain('Wrong username or password.');
    expect(res.text).toContain('<form method="post" action="/queues/login">');
    expect(sessionCookie(res)).toBeUndefined();
    const empty = await signIn('', '').expect(400).expect('Content-Type', /text\/html/);
    expect(empty.text).toMatch(/username/);
  });

  it('tells a non-admin plainly why the board is closed, without setting a session', async () => {
    await api.tokenFor('operator');
    const res = await signIn('operator-user', 'operator-password-changed').expect(403).expect('Content-Type', /text\/html/);
    expect(res.text).toContain('You are signed in as &quot;operator-user&quot; (operator): the queue board needs the admin role.');
    expect(res.text).toContain('action="/queues/logout"');
    expect(sessionCookie(res)).toBeUndefined();
    // A non-admin's token used directly (bearer or an old cookie) gets the same reason.
    const viewer = await api.tokenFor('viewer');
    const page = await request(api.http).get('/queues').set('Accept', HTML).set('Cookie', `dbferry_session=${viewer}`).expect(403);
    expect(page.text).toContain('(viewer): the queue board needs the admin role');
    const json = await request(api.http).get('/queues/api/queues').set('Authorization', `Bearer ${viewer}`).expect(403);
    expect(json.body.message).toContain('needs the admin role');
  });

  it('treats a malformed, forged or oversized session cookie as no session: the sign-in page or a 401, never a 500', async () => {
    const bad = ['%', '%E0%A4%A', 'not-a-jwt', 'a.b.c', '%00', '=', '"quoted"', `${'x'.repeat(5000)}`, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'];
    for (const value of bad) {
      const page = await request(api.http).get('/queues').set('Accept', HTML).set('Cookie', `dbferry_session=${value}`);
      expect([value, page.status, page.headers.location]).toEqual([value, 303, '/queues/login']);
      const json = await request(api.http).get('/queues/api/queues').set('Cookie', `other=1; dbferry_session=${value}`);
      expect([value, json.status]).toEqual([value, 401]);
    }
    const noValue = await request(api.http).get('/queues/api/queues').set('Cookie', 'dbferry_session');
    expect(noValue.status).toBe(401);
  });

  it('signs out: the cookie is cleared and the board asks for a sign-in again', async () => {
    const res = await signIn('admin', ADMIN_PASSWORD).expect(303);
    const pair = sessionCookie(res)!.split(';')[0];
    for (const method of ['get', 'post'] as const) {
      const out = await request(api.http)[method]('/queues/logout').set('Cookie', pair).expect(303);
      expect(out.headers.location).toBe('/queues/login');
      expect(sessionCookie(out)).toMatch(/^dbferry_session=; Path=\/queues; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/);
    }
  });

  it('closes the board to a session whose user changed the password since', async () => {
    const res = await signIn('admin', ADMIN_PASSWORD).expect(303);
    const pair = sessionCookie(res)!.split(';')[0];
    await request(api.http).get('/queues/api/queues').set('Cookie', pair).expect(200);
    const token = await api.adminToken();
    await request(api.http)
      .post('/api/auth/password')
      .set('Authorization', `Bearer ${token}`)
      .send({ currentPassword: ADMIN_PASSWORD, newPassword: 'another-root-passphrase' })
      .expect(200);
    await request(api.http).get('/queues/api/queues').set('Cookie', pair).expect(401);
    await request(api.http).get('/queues').set('Accept', HTML).set('Cookie', pair).expect(303);
  });
});

describe('queue board throttling and 429s (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ LOGIN_RATE_LIMIT: '3', LOGIN_RATE_WINDOW_SECONDS: '60' });
  });
  afterAll(() => api.close());

  it('counts sign-in form attempts with API logins, and says when to retry', async () => {
    await request(api.http).post('/api/auth/login').send({ username: 'admin', password: 'guess-1' }).expect(401);
    await request(api.http).post('/queues/login').type('form').send({ username: 'admin', password: 'guess-2' }).expect(401);
    await request(api.http).post('/api/auth/login').send({ username: 'admin', password: 'guess-3' }).expect(401);

    const form = await request(api.http).post('/queues/login').type('form').send({ username: 'admin', password: TEST_ADMIN_PASSWORD }).expect(429);
    const seconds = Number(form.headers['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(form.text).toContain(`too many requests; retry in ${seconds} s`);

    const res = await request(api.http).post('/api/auth/login').send({ username: 'admin', password: TEST_ADMIN_PASSWORD }).expect(429);
    const retry = Number(res.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(res.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: `too many requests; retry in ${retry} s` });
    expect(JSON.stringify(res.body)).not.toContain('ThrottlerException');
  });
});

describe('queue board sign-in under the per-username hold (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ LOGIN_USER_LIMIT: '1', LOGIN_USER_BACKOFF_SECONDS: '60' });
  });
  afterAll(() => api.close());

  it('shows the hold on the form, with the same Retry-After as the API', async () => {
    const form = () => request(api.http).post('/queues/login').type('form').set('Accept', HTML).send({ username: 'ghost', password: 'guess' });
    await form().expect(401);
    const held = await form().expect(429).expect('Content-Type', /text\/html/);
    const seconds = Number(held.headers['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(held.text).toContain(`too many failed logins for this username; retry in ${seconds} s`);
    expect(sessionCookie(held)).toBeUndefined();
  });
});
