import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { SmtpSink, startSmtpSink } from '@dbferry/testing';
import { ApiHarness, startApi } from './harness';

const PASSWORD = 'smtp-egress-canary-3f8e';

describe('alert SMTP hosts obey the egress policy (e2e)', () => {
  let api: ApiHarness;
  let sink: SmtpSink;
  let admin: string;
  const sockets: Socket[] = [];
  let silent: Server;
  let chatty: Server;
  const auth = () => ({ Authorization: `Bearer ${admin}` });
  const settings = (host: string, port: number) => ({
    host,
    port,
    secure: false,
    username: 'ferry-alerts',
    password: PASSWORD,
    from: 'dbferry@example.com',
    recipients: ['ops@example.com'],
    enabled: true,
  });
  const put = (host: string, port: number) => request(api.http).put('/api/alerts/settings').set(auth()).send(settings(host, port));
  const sendTest = async () => (await request(api.http).post('/api/alerts/test').set(auth()).expect(200)).body as { ok: boolean; error?: string };
  /** A row saved before the policy refused its host (or whose name now resolves elsewhere). */
  const forceHost = (host: string, port: number) => api.app.get(DataSource).query('UPDATE alert_settings SET smtp_host = $1, smtp_port = $2', [host, port]);

  beforeAll(async () => {
    sink = await startSmtpSink();
    silent = createServer((socket) => void sockets.push(socket));
    chatty = createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    await Promise.all([silent, chatty].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
    api = await startApi({ DB_HOSTS_DENY: '127.0.0.2/32,10.0.0.0/8' });
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
    await sink.close();
    for (const s of sockets) s.destroy();
    await Promise.all([silent, chatty].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    expect(api.logs.text).not.toContain(PASSWORD);
  });

  it.each([
    ['the metadata address', '169.254.169.254'],
    ['a link-local address', '169.254.10.1'],
    ['a denied address', '127.0.0.2'],
    ['a denied network', '10.1.2.3'],
    ['the unspecified address', '0.0.0.0'],
  ])('refuses %s when the settings are saved, naming host', async (_, host) => {
    const res = await put(host, 25).expect(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'host' })]);
    expect(res.body.message).toMatch(/^host: /);
    expect(res.text).not.toContain(PASSWORD);
  });

  it('saves an allowed host and sends through it', async () => {
    await put('127.0.0.1', sink.port).expect(200);
    expect((await sendTest()).ok).toBe(true);
    expect(sink.mails).toHaveLength(1);
  });

  it('answers the same error for a refused host, a closed port, a non-SMTP server and an unresolvable name', async () => {
    const errors: string[] = [];
    const cases: Array<[string, number]> = [
      ['169.254.169.254', 25], // refused by policy at send time
      ['127.0.0.2', sink.port], // denied, though a mail server listens on loopback
      ['127.0.0.1', 1], // closed
      ['127.0.0.1', (chatty.address() as AddressInfo).port], // open, not SMTP
      ['no-such-host.invalid', 25], // does not resolve
    ];
    for (const [host, port] of cases) {
      await forceHost(host, port);
      const result = await sendTest();
      expect(result.ok).toBe(false);
      errors.push(result.error ?? '');
    }
    expect(new Set(errors).size).toBe(1);
    expect(errors[0]).toMatch(/could not reach an SMTP server/);
    expect(sink.mails).toHaveLength(1);
  });

  it('refuses a denied host at send time without connecting to it', async () => {
    const before = sockets.length;
    await forceHost('127.0.0.2', (silent.address() as AddressInfo).port);
    const started = Date.now();
    const result = await sendTest();
    expect(result.ok).toBe(false);
    // The silent server would hold a connection until the greeting timeout (10 s).
    expect(Date.now() - started).toBeLessThan(5000);
    expect(sockets.length).toBe(before);
  });
});
