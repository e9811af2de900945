import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { ApiHarness, startApi } from './harness';

/** A built console as Vite lays it out: index.html and hashed bundles under assets/. */
function fakeConsoleBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbferry-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), `console.log(${JSON.stringify('x'.repeat(5000))});`);
  // The build's gzip copy (vite.config.mts writes one per script); different text here, to tell which was sent.
  writeFileSync(join(dir, 'assets', 'chunk-def456.js'), `console.log(${JSON.stringify('y'.repeat(5000))});`);
  writeFileSync(join(dir, 'assets', 'chunk-def456.js.gz'), gzipSync("console.log('from the gz copy');"));
  return dir;
}

describe('the web console served at / (e2e)', () => {
  let api: ApiHarness;
  let dir: string;
  beforeAll(async () => {
    dir = fakeConsoleBuild();
    api = await startApi({ CONSOLE_DIR: dir });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers / and any page path a browser asks for with index.html, under the CSP, revalidated', async () => {
    for (const path of ['/', '/runs/5b0f2c1e-8f6b-4c1e-9f1a-2d3c4b5a6e7f', '/connections/x/tables/public/my.table']) {
      const res = await request(api.http).get(path).set('Accept', 'text/html').expect(200);
      expect([path, res.text]).toEqual([path, expect.stringContaining('<div id="root"></div>')]);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves the hashed bundles gzip-compressed (the build\'s .gz copy when there is one) and cached for a year; a missing one is a 404, not the page', async () => {
    // supertest inflates the body; the header says it came gzip-compressed.
    const res = await request(api.http).get('/assets/index-abc123.js').set('Accept-Encoding', 'gzip').buffer(true).expect(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.text).toContain('console.log(');

    const packed = await request(api.http).get('/assets/chunk-def456.js').set('Accept-Encoding', 'gzip, deflate').buffer(true).expect(200);
    expect(packed.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'Accept-Encoding', 'cache-control': 'public, max-age=31536000, immutable' });
    expect(packed.headers['content-type']).toMatch(/javascript/);
    expect(packed.text).toBe("console.log('from the gz copy');");
    // A client that takes no gzip gets the plain file.
    const plain = await request(api.http).get('/assets/chunk-def456.js').set('Accept-Encoding', 'identity').buffer(true).expect(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text).toContain('yyyy');

    await request(api.http).get('/assets/index-gone.js').set('Accept', '*/*').expect(404);
    await request(api.http).get('/favicon.ico').expect(404);
  });

  it('leaves the API, Swagger, Bull Board, health and metrics paths to the API', async () => {
    const missing = await request(api.http).get('/api/nothing-here').set('Accept', 'text/html').expect(404);
    expect(missing.body).toMatchObject({ statusCode: 404 });
    await request(api.http).get('/api/auth/me').set('Accept', 'text/html').expect(401);
    expect((await request(api.http).get('/docs-json').expect(200)).body.info.title).toBe('dbferry API');
    expect((await request(api.http).get('/health').expect(200)).body).toMatchObject({ status: 'ok' });
    expect((await request(api.http).get('/queues').set('Accept', 'text/html').expect(303)).headers.location).toBe('/queues/login');
    expect((await request(api.http).get('/metrics').expect(200)).text).toContain('# HELP');
    await request(api.http).post('/').send({}).expect(404);
    // Not a browser's page load: the API's own 404, not the app.
    expect((await request(api.http).get('/no/such/route').expect(404)).body).toMatchObject({ statusCode: 404 });
    await request(api.http).get('/jobs').set('Accept', 'application/json').expect(404);
  });

  it('serves nothing outside its folder', async () => {
    for (const path of ['/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2f.env']) {
      const res = await request(api.http).get(path).set('Accept', '*/*');
      expect([path, res.status]).toEqual([path, 404]);
    }
  });

  it('says how to build the console while it is not built (no 500), and picks the build up without a restart', async () => {
    rmSync(join(dir, 'index.html'));
    const res = await request(api.http).get('/jobs').set('Accept', 'text/html').expect(503);
    expect(res.text).toContain('npm run build:console');
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    await request(api.http).get('/jobs').set('Accept', 'text/html').expect(200);
  });
});
