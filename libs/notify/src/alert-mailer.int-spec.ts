import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { readableMail, startSmtpSink } from '@dbferry/testing';
import { AlertMailer, AlertSendError } from './alert-mailer';


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
});
