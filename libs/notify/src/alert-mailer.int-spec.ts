import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { readableMail, startSmtpSink } from '@dbferry/testing';
import { AlertMailer, AlertSendError, SMTP_UNREACHABLE_MESSAGE } from './alert-mailer';


const PASSWORD = 'smtp-canary-Pw-93k1';
const at = new Date('2025-11-23T08:30:00.000Z');

describe('AlertMailer against a real SMTP server', () => {
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  beforeEach(async () => {
    sink = await startSmtpSink();
  });
  afterEach(() => sink.close());

  it('delivers exactly one mail with the subject, recipients and body, logging in with the password', async () => {
    const mailer = new AlertMailer(
      { host: '127.0.0.1', port: sink.port, secure: false, username: 'ferry', password: PASSWORD, from: 'alerts@dbferry.example.com' },
      ['ops@example.com', 'dba@example.com'],
    );
    const result = await mailer.send({
      kind: 'run-failed',
      jobName: 'orders-nightly',
      runId: 'run-42',
      summary: 'table sales.orders failed: <target refused connection>',
      details: { rowsWritten: 1200 },
      at,
    });
    mailer.close();

    expect(result.accepted.sort()).toEqual(['dba@example.com', 'ops@example.com']);
    expect(result.messageId).toMatch(/^<.+@.+>$/);
    expect(sink.logins).toEqual([{ username: 'ferry', password: PASSWORD }]);
    expect(sink.mails).toHaveLength(1);
    const [mail] = sink.mails;
    expect(mail.from).toBe('alerts@dbferry.example.com');
    expect(mail.to.sort()).toEqual(['dba@example.com', 'ops@example.com']);
    const { headers, body } = readableMail(mail.raw);
    expect(headers).toContain('Subject: [dbferry] run failed: orders-nightly');
    expect(headers).toMatch(/^To: ops@example\.com, dba@example\.com$/m);
    expect(headers).toContain(`Message-ID: ${result.messageId}`);
    expect(headers).toMatch(/multipart\/alternative/);
    expect(body).toContain('table sales.orders failed: <target refused connection>');
    expect(body).toContain('table sales.orders failed: &#60;target refused connection&#62;');
    expect(body).toContain('Run: run-42');
    expect(body).toContain('rowsWritten: 1200');
    expect(mail.raw).not.toContain(PASSWORD);
  });

  it('sends through an smtp:// URL too', async () => {
    const mailer = new AlertMailer({ url: `smtp://ferry:${encodeURIComponent(PASSWORD)}@127.0.0.1:${sink.port}`, from: 'alerts@dbferry.example.com' }, ['ops@example.com']);
    const result = await mailer.send({ kind: 'test', summary: 'a test', at });
    mailer.close();
    expect(result.accepted).toEqual(['ops@example.com']);
    expect(sink.mails).toHaveLength(1);
    expect(readableMail(sink.mails[0].raw).headers).toContain('Subject: [dbferry] test alert');
    expect(sink.logins).toEqual([{ username: 'ferry', password: PASSWORD }]);
  });

  it('refuses to send without recipients', async () => {
    const mailer = new AlertMailer({ host: '127.0.0.1', port: sink.port, from: 'alerts@dbferry.example.com' }, []);
    await expect(mailer.send({ kind: 'test', summary: 'x', at })).rejects.toThrow('no recipients');
    expect(sink.mails).toHaveLength(0);
  });
});

describe('AlertMailer failures', () => {
  it('scrubs the password from an error that echoes it', async () => {
    const sink = await startSmtpSink({ rejectAuthWith: `bad credentials ${PASSWORD} ${Buffer.from(PASSWORD).toString('base64')}` });
    const mailer = new AlertMailer({ host: '127.0.0.1', port: sink.port, username: 'ferry', password: PASSWORD, from: 'a@dbferry.example.com' }, ['ops@example.com']);
    const error = await mailer.send({ kind: 'test', summary: 'x', at }).catch((e: unknown) => e);
    mailer.close();
    await sink.close();
    expect(error).toBeInstanceOf(AlertSendError);
    const message = (error as AlertSendError).message;
    expect(message).toMatch(/bad credentials \[redacted\] \[redacted\]/);
    expect(message).not.toContain(PASSWORD);
    expect(sink.mails).toHaveLength(0);
  });

  it('gives up on a server that never greets within the timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const mailer = new AlertMailer({ host: '127.0.0.1', port, from: 'a@dbferry.example.com', timeoutMs: 500 }, ['ops@example.com']);
    const started = Date.now();
    await expect(mailer.send({ kind: 'test', summary: 'x', at })).rejects.toBeInstanceOf(AlertSendError);
    expect(Date.now() - started).toBeLessThan(3000);
    mailer.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('answers one text for a refused host, a closed port, a silent port, a non-SMTP server and a name that does not resolve', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    const chatty: Server = createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    await Promise.all([silent, chatty].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
    const portOf = (s: Server) => (s.address() as AddressInfo).port;
    const refuse = async (host: string): Promise<string> => {
      throw new Error(`${host} is not allowed; an administrator can allow it in DB_HOSTS_ALLOW`);
    };
    const cases: Array<[string, number, ((host: string) => Promise<string>) | undefined]> = [
      ['169.254.169.254', 25, refuse],
      ['127.0.0.1', 1, undefined],
      ['127.0.0.1', portOf(silent), undefined],
      ['127.0.0.1', portOf(chatty), undefined],
      ['no-such-host.invalid', 25, undefined],
    ];
    const errors: unknown[] = [];
    for (const [host, port, pinHost] of cases) {
      const mailer = new AlertMailer({ host, port, from: 'a@dbferry.example.com', password: PASSWORD, username: 'ferry', timeoutMs: 500 }, ['ops@example.com'], { pinHost });
      errors.push(await mailer.send({ kind: 'test', summary: 'x', at }).catch((e: unknown) => e));
      mailer.close();
    }
    for (const s of sockets) s.destroy();
    await Promise.all([silent, chatty].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const error of errors) {
      expect(error).toBeInstanceOf(AlertSendError);
      expect((error as AlertSendError).message).toBe(SMTP_UNREACHABLE_MESSAGE);
      expect((error as AlertSendError).code).toBe('EUNREACHABLE');
    }
  });

  it('connects to the address pinHost returns, never resolving the name itself', async () => {
    const sink = await startSmtpSink();
    const asked: string[] = [];
    const mailer = new AlertMailer({ host: 'smtp.dbferry.invalid', port: sink.port, from: 'a@dbferry.example.com' }, ['ops@example.com'], {
      pinHost: async (host) => {
        asked.push(host);
        return '127.0.0.1';
      },
    });
    await mailer.send({ kind: 'test', summary: 'pinned', at });
    mailer.close();
    await sink.close();
    expect(asked).toEqual(['smtp.dbferry.invalid']);
    expect(sink.mails).toHaveLength(1);
  });
});
