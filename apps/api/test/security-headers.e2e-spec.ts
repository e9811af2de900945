import request from 'supertest';
import { ADMIN_PASSWORD, ApiHarness, startApi } from './harness';

const HTML = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';

/** The CSP as a map: directive → sources. */
const csp = (header: string) =>
  new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name, sources] as const),
  );

/** What a browser would load from a page: script and stylesheet URLs, and the inline scripts it would run. */
function assets(html: string, pageUrl: string) {
  const base = new URL(/<base href="([^"]+)"/.exec(html)?.[1] ?? pageUrl, `http://localhost${pageUrl}`);
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  const external = scripts.map(([, attrs]) => /\bsrc=['"]([^'"]+)['"]/.exec(attrs)?.[1]).filter((src): src is string => !!src);
  const inlineRunnable = scripts.filter(([, attrs, body]) => !/\bsrc=/.test(attrs) && !/type=["']application\/json["']/.test(attrs) && body.trim());
  const styles = [...html.matchAll(/<link\b[^>]*rel=['"]?stylesheet['"]?[^>]*>/g)].map(([tag]) => /href=['"]([^'"]+)['"]/.exec(tag)?.[1]).filter((href): href is string => !!href);
  const resolve = (u: string) => new URL(u, base);
  return { scripts: external.map(resolve), styles: styles.map(resolve), inlineRunnable };
}

describe('security headers (e2e)', () => {
  let api: ApiHarness;
  let cookie: string;
  beforeAll(async () => {
    api = await startApi();
    await api.adminToken();
    const login = await request(api.http).post('/queues/login').type('form').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(303);
    cookie = ([] as string[]).concat(login.headers['set-cookie'])[0].split(';')[0];
  });
  afterAll(() => api.close());

  it('sends helmet headers and no X-Powered-By on every kind of answer', async () => {
    const answers = [
      await request(api.http).get('/health').expect(200),
      await request(api.http).get('/api/auth/me').expect(401),
      await request(api.http).post('/api/auth/login').send({ username: 1 }).expect(400),
      await request(api.http).get('/no/such/route').expect(404),
      await request(api.http).get('/docs/').expect(200),
      await request(api.http).get('/queues/login').expect(200),
    ];
    for (const res of answers) {
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
      });
      const policy = csp(res.headers['content-security-policy']);
      expect(policy.get('default-src')).toEqual(["'self'"]);
      expect(policy.get('script-src')).toEqual(["'self'"]);
      expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
      expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
      expect(policy.get('object-src')).toEqual(["'none'"]);
      expect(policy.has('upgrade-insecure-requests')).toBe(false);
    }
  });

  it('serves Swagger UI so that it runs under the CSP: no inline script, every script and stylesheet from this origin', async () => {
    const page = await request(api.http).get('/docs').set('Accept', HTML).expect(200).expect('Content-Type', /html/);
    const { scripts, styles, inlineRunnable } = assets(page.text, '/docs');
    expect(inlineRunnable).toEqual([]);
    expect(scripts.map((u) => u.pathname)).toEqual(expect.arrayContaining(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui-init.js']));
    expect(styles.map((u) => u.pathname)).toContain('/docs/swagger-ui.css');
    for (const url of [...scripts, ...styles]) {
      expect(url.origin).toBe('http://localhost');
      const asset = await request(api.http).get(url.pathname).expect(200);
      expect([url.pathname, asset.headers['content-type']]).toEqual([url.pathname, expect.stringMatching(/javascript|css/)]);
    }
    // The init script loads the OpenAPI document from this origin too (connect-src 'self').
    const init = await request(api.http).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('"openapi"');
  });

  it('serves Bull Board so that it runs under the CSP: its scripts and stylesheet load from /queues/static', async () => {
    const page = await request(api.http).get('/queues').set('Accept', HTML).set('Cookie', cookie).expect(200);
    const { scripts, styles, inlineRunnable } = assets(page.text, '/queues/');
    expect(inlineRunnable).toEqual([]);
    expect(scripts.length).toBeGreaterThan(0);
    const own = [...scripts, ...styles].filter((u) => u.origin === 'http://localhost');
    // Only the web font stylesheet points elsewhere; the CSP blocks it and the board falls back to system fonts.
    expect(scripts.every((u) => u.origin === 'http://localhost')).toBe(true);
    expect(new Set(styles.filter((u) => u.origin !== 'http://localhost').map((u) => u.host))).toEqual(new Set(['fonts.googleapis.com']));
    for (const url of own) {
      expect(url.pathname).toMatch(/^\/queues\/static\//);
      const asset = await request(api.http).get(url.pathname).set('Cookie', cookie).expect(200);
      expect([url.pathname, asset.headers['content-type']]).toEqual([url.pathname, expect.stringMatching(/javascript|css/)]);
    }
  });
});
