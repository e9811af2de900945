import { type Alert, escapeHtml, renderAlert, scrubSecrets } from './alert';

const at = new Date('2025-11-23T08:30:00.000Z');
const failed = (over: Partial<Alert> = {}): Alert => ({
  kind: 'run-failed',
  jobName: 'orders-nightly',
  runId: '5b0c1c1e-7f53-4b7e-9b4e-2a3a0a2f1d11',
  summary: 'chunk 3 of sales.orders failed: connection refused',
  details: { rowsWritten: 1200, table: 'sales.orders' },
  at,
  ...over,
});

describe('renderAlert', () => {
  it('names the kind and the job in the subject', () => {
    expect(renderAlert(failed()).subject).toBe('[dbferry] run failed: orders-nightly');
    expect(renderAlert(failed({ kind: 'run-recovered' })).subject).toBe('[dbferry] run recovered: orders-nightly');
    expect(renderAlert({ kind: 'test', summary: 'hello', at }).subject).toBe('[dbferry] test alert');
  });

  it('puts the summary, run, time and details in both bodies', () => {
    const { text, html } = renderAlert(failed({ link: 'https://dbferry.example.com/runs/1' }));
    for (const body of [text, html]) {
      expect(body).toContain('chunk 3 of sales.orders failed: connection refused');
      expect(body).toContain('5b0c1c1e-7f53-4b7e-9b4e-2a3a0a2f1d11');
      expect(body).toContain('2025-11-23T08:30:00.000Z');
      expect(body).toContain('1200');
      expect(body).toContain('https://dbferry.example.com/runs/1');
    }
    expect(text).toContain('rowsWritten: 1200');
  });

  it('escapes HTML from job names, summaries, detail keys and values', () => {
    const { html, text } = renderAlert(
      failed({ jobName: '<b>x</b>', summary: `<script>alert("x")</script> & 'y'`, details: { '<i>k</i>': '<img src=x onerror=1>' } }),
    );
    expect(html).not.toMatch(/<script|<img|<b>x|<i>k/);
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;y&#39;');
    expect(html).toContain('&#60;img src=x onerror=1&#62;');
    expect(text).toContain('<script>alert("x")</script>');
  });

  it('refuses a non-web link and a header-splitting job name', () => {
    const { html, text, subject } = renderAlert(failed({ link: 'javascript:alert(1)', jobName: 'a\r\nBcc: evil@example.com' }));
    expect(html).not.toContain('javascript:');
    expect(text).not.toContain('javascript:');
    expect(subject).toBe('[dbferry] run failed: a Bcc: evil@example.com');
    expect(subject).not.toMatch(/[\r\n]/);
  });

  it('never includes a password: given secrets, URL credentials or secret-named details', () => {
    const secret = 'sm7p-Pa55-canary';
    const rendered = renderAlert(
      failed({
        summary: `auth failed for postgres://ferry:${secret}@db:5432/x with ${secret}`,
        details: { password: 'other-secret-value', apiToken: 'tok-123', note: `b64 ${Buffer.from(secret).toString('base64')}` },
        link: `https://u:${secret}@dbferry.example.com/runs/1`,
      }),
      [secret],
    );
    const all = `${rendered.subject}\n${rendered.text}\n${rendered.html}`;
    expect(all).not.toContain(secret);
    expect(all).not.toContain(Buffer.from(secret).toString('base64'));
    expect(all).not.toContain('other-secret-value');
    expect(all).not.toContain('tok-123');
    expect(rendered.text).toContain('postgres://db:5432/x');
    expect(rendered.text).toContain('password: [redacted]');
  });
});

describe('helpers', () => {
  it('escapeHtml escapes the five characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });

  it('scrubSecrets replaces raw, URL-encoded and base64 forms and ignores empty secrets', () => {
    const s = 'p@ss word';
    expect(scrubSecrets(`a ${s} b ${encodeURIComponent(s)} c ${Buffer.from(s).toString('base64')}`, [s, ''])).toBe(
      'a [redacted] b [redacted] c [redacted]',
    );
  });
});
