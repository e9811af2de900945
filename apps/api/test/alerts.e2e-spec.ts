import request from 'supertest';
import { DataSource } from 'typeorm';
import { SmtpSink, startSmtpSink } from '@dbferry/testing';
import { ApiHarness, startApi } from './harness';

/** A password that must never be seen outside the sealed column and the SMTP AUTH exchange. */
const CANARY = 'smtp-canary-Pw-5e1d07';


describe('alerts (e2e)', () => {
  let api: ApiHarness;
  let sink: SmtpSink;
  let admin: string;
  const bodies: string[] = [];
  const keep = (res: request.Response) => {
    bodies.push(res.text);
    return res;
  };
  const auth = (token = admin) => ({ Authorization: `Bearer ${token}` });
  const settingsFor = (port: number, over: object = {}) => ({
    host: '127.0.0.1',
    port,
    secure: false,
    username: 'ferry-alerts',
    password: CANARY,
    from: 'dbferry@example.com',
    recipients: ['ops@example.com', 'dba@example.com'],
    dedupeWindowSeconds: 900,
    enabled: true,
    ...over,
  });
  const put = async (body: object) => keep(await request(api.http).put('/api/alerts/settings').set(auth()).send(body));
  const sendTest = async () => keep(await request(api.http).post('/api/alerts/test').set(auth()).expect(200));

  beforeAll(async () => {
    sink = await startSmtpSink();
    api = await startApi();
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
    await sink.close();
  });

  it('reports alerts as not configured before anything is saved', async () => {
    const res = keep(await request(api.http).get('/api/alerts/settings').set(auth()).expect(200));
    expect(res.body).toMatchObject({ source: 'none', host: null, hasPassword: false, enabled: false });
    const test = await sendTest();
    expect(test.body).toEqual({ ok: false, error: expect.stringMatching(/not configured/) });
  });

  it('saves the settings and returns them without the password', async () => {
    const res = await put(settingsFor(sink.port));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      source: 'store',
      host: '127.0.0.1',
      port: sink.port,
      secure: false,
      username: 'ferry-alerts',
      hasPassword: true,
      from: 'dbferry@example.com',
      recipients: ['ops@example.com', 'dba@example.com'],
      dedupeWindowSeconds: 900,
      enabled: true,
    });
    expect(res.body).not.toHaveProperty('password');
    const got = keep(await request(api.http).get('/api/alerts/settings').set(auth()).expect(200));
    expect(got.body).toMatchObject({ source: 'store', hasPassword: true, port: sink.port });
    expect(got.body).not.toHaveProperty('password');
  });

  it('sends exactly one test mail to the recipients, logging in with the stored password', async () => {
    const res = await sendTest();
    expect(res.body).toMatchObject({ ok: true, messageId: expect.stringMatching(/^<.+>$/) });
    expect([...res.body.accepted].sort()).toEqual(['dba@example.com', 'ops@example.com']);
    expect(sink.mails).toHaveLength(1);
    const [mail] = sink.mails;
    expect(mail.from).toBe('dbferry@example.com');
    expect([...mail.to].sort()).toEqual(['dba@example.com', 'ops@example.com']);
    expect(mail.headers).toContain('Subject: [dbferry] test alert');
    expect(mail.headers).toMatch(/^To: ops@example\.com, dba@example\.com$/m);
    expect(mail.headers).toContain(`Message-ID: ${res.body.messageId}`);
    expect(mail.body).toContain('requested by admin');
    expect(mail.body).not.toContain(CANARY);
    expect(sink.logins).toEqual([{ username: 'ferry-alerts', password: CANARY }]);
  });

  it('keeps the stored password when a PUT leaves it out', async () => {
    const { password: _omitted, ...rest } = settingsFor(sink.port, { recipients: ['oncall@example.com'] });
    const res = await put(rest);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ hasPassword: true, recipients: ['oncall@example.com'] });
    const test = await sendTest();
    expect(test.body).toMatchObject({ ok: true, accepted: ['oncall@example.com'] });
    expect(sink.mails).toHaveLength(2);
    expect(sink.mails[1].to).toEqual(['oncall@example.com']);
    expect(sink.logins.at(-1)).toEqual({ username: 'ferry-alerts', password: CANARY });
  });

  it('reports an SMTP refusal without the password, even when the server echoes it', async () => {
    const echoing = await startSmtpSink({ rejectAuthWith: `no such login ${CANARY}` });
    try {
      expect((await put(settingsFor(echoing.port))).status).toBe(200);
      const res = await sendTest();
      expect(res.body.ok).toBe(false);
      expect(res.body.error).toMatch(/no such login \[redacted\]/);
      expect(echoing.logins).toEqual([{ username: 'ferry-alerts', password: CANARY }]);
      expect(echoing.mails).toHaveLength(0);
    } finally {
      await echoing.close();
    }
  });

  it('reports a closed port as a failed test, quickly', async () => {
    expect((await put(settingsFor(1))).status).toBe(200);
    const started = Date.now();
    const res = await sendTest();
    expect(res.body).toMatchObject({ ok: false, error: expect.stringMatching(/^could not reach an SMTP server/) });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('removes the password with null and then sends without logging in', async () => {
    const res = await put(settingsFor(sink.port, { password: null, username: null }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ hasPassword: false, username: null });
    const logins = sink.logins.length;
    const mails = sink.mails.length;
    expect((await sendTest()).body.ok).toBe(true);
    expect(sink.logins).toHaveLength(logins);
    expect(sink.mails).toHaveLength(mails + 1);
    expect((await put(settingsFor(sink.port))).body.hasPassword).toBe(true);
  });

  describe('refuses malformed bodies with 400 naming the field', () => {
    it.each<[string, string, object]>([
      ['a bad recipient', 'recipients', { recipients: ['ops@example.com', 'not-an-email'] }],
      ['a bad sender', 'from', { from: 'dbferry' }],
      ['port 0', 'port', { port: 0 }],
      ['port 65536', 'port', { port: 65536 }],
      ['a port as text', 'port', { port: '25' }],
      ['an extra field', 'extra', { extra: true }],
      ['recipients not an array', 'recipients', { recipients: 'ops@example.com' }],
      ['51 recipients', 'recipients', { recipients: Array.from({ length: 51 }, (_, i) => `r${i}@example.com`) }],
      ['enabled without recipients', 'recipients', { recipients: [] }],
      ['a window under a minute', 'dedupeWindowSeconds', { dedupeWindowSeconds: 30 }],
      ['a window over a day', 'dedupeWindowSeconds', { dedupeWindowSeconds: 86401 }],
      ['a URL for a host', 'host', { host: 'smtp://mail.example.com' }],
      ['a non-boolean secure', 'secure', { secure: 'yes' }],
      ['a password that is not text', 'password', { password: 12345 }],
    ])('%s', async (_, field, over) => {
      const res = await put(settingsFor(sink.port, over));
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(field);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('refuses a body without the required fields, naming each', async () => {
      const res = await put({ password: CANARY });
      expect(res.status).toBe(400);
      for (const field of ['host', 'port', 'secure', 'from', 'recipients', 'enabled']) expect(res.body.message).toContain(field);
    });

    it('left the saved settings as they were', async () => {
      const res = keep(await request(api.http).get('/api/alerts/settings').set(auth()).expect(200));
      expect(res.body).toMatchObject({ port: sink.port, from: 'dbferry@example.com', recipients: ['ops@example.com', 'dba@example.com'], hasPassword: true });
    });
  });

  it('is admin only: 403 for a viewer and an operator on every route, 401 without a token', async () => {
    for (const role of ['viewer', 'operator'] as const) {
      const token = await api.tokenFor(role);
      keep(await request(api.http).get('/api/alerts/settings').set(auth(token)).expect(403));
      keep(await request(api.http).put('/api/alerts/settings').set(auth(token)).send(settingsFor(sink.port)).expect(403));
      keep(await request(api.http).post('/api/alerts/test').set(auth(token)).expect(403));
    }
    await request(api.http).get('/api/alerts/settings').expect(401);
    await request(api.http).post('/api/alerts/test').expect(401);
  });

  it('keeps the password only sealed in the table and out of the audit log', async () => {
    const ds = api.app.get(DataSource);
    const rows = await ds.query(`SELECT to_jsonb(s)::text AS row, secret_ciphertext FROM alert_settings s`);
    expect(rows).toHaveLength(1);
    expect(rows[0].row).not.toContain(CANARY);
    expect((rows[0].secret_ciphertext as Buffer).includes(Buffer.from(CANARY))).toBe(false);
    const audit = await ds.query(`SELECT action, to_jsonb(a)::text AS row FROM audit_log a WHERE action LIKE 'alerts.%'`);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(expect.arrayContaining(['alerts.settings.update', 'alerts.test']));
    for (const a of audit) expect(a.row).not.toContain(CANARY);
  });

  it('has never sent or logged the password', () => {
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) expect(body).not.toContain(CANARY);
    expect(api.logs.lines.length).toBeGreaterThan(0);
    expect(api.logs.text).not.toContain(CANARY);
    for (const mail of sink.mails) expect(`${mail.headers}\n${mail.body}`).not.toContain(CANARY);
  });
});

describe('alerts from SMTP_URL and ALERT_EMAILS (e2e)', () => {
  let api: ApiHarness;
  let sink: SmtpSink;
  let admin: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    api = await startApi({
      SMTP_URL: `smtp://env-user:${CANARY}@127.0.0.1:${sink.port}?from=env-alerts@example.com`,
      ALERT_EMAILS: 'env-ops@example.com',
    });
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
    await sink.close();
  });

  it('shows the env settings while none are saved, and sends with them', async () => {
    const got = await request(api.http).get('/api/alerts/settings').set({ Authorization: `Bearer ${admin}` }).expect(200);
    expect(got.body).toMatchObject({
      source: 'env',
      host: '127.0.0.1',
      port: sink.port,
      username: 'env-user',
      hasPassword: true,
      from: 'env-alerts@example.com',
      recipients: ['env-ops@example.com'],
      enabled: true,
    });
    const sent = await request(api.http).post('/api/alerts/test').set({ Authorization: `Bearer ${admin}` }).expect(200);
    expect(sent.body).toMatchObject({ ok: true, accepted: ['env-ops@example.com'] });
    expect(sink.mails).toHaveLength(1);
    expect(sink.mails[0].to).toEqual(['env-ops@example.com']);
    expect(sink.mails[0].from).toBe('env-alerts@example.com');
    expect(sink.logins).toEqual([{ username: 'env-user', password: CANARY }]);
    for (const text of [got.text, sent.text, api.logs.text]) expect(text).not.toContain(CANARY);
  });
});
