import compression from 'compression';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

/** Paths the API itself answers: never the console's files or its page, whatever is built. */
export const SERVER_PATHS = ['/api', '/docs', '/docs-json', '/queues', '/health', '/metrics'];

/** A request for a file (hashed bundle, icon, map): 404 when missing, never the app's page. */
const ASSET = /^\/assets\/|\.(?:m?js|css|map|png|jpe?g|gif|svg|ico|webp|woff2?|ttf|txt|json|webmanifest)$/i;

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dbferry: console not built</title></head>
<body><h1>The web console is not built yet</h1>
<p>Run <code>npm run build:console</code> (<code>npm start</code> does it), then reload this page.
The API answers meanwhile: Swagger UI at <a href="/docs">/docs</a>, Bull Board at <a href="/queues">/queues</a>.</p>
</body></html>
`;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const isServerPath = (path: string) => SERVER_PATHS.some((p) => path === p || path.startsWith(`${p}/`));

/**
 * The web console at `/`: its built files from `dir` (gzip: the build's .gz copy, else compressed here; Vite's hashed
 * /assets/* cached for a year, the rest revalidated), and index.html for any other page path
 * a browser asks for (the console routes in the browser). API paths pass through untouched.
 * Looks at `dir` on each request, so building the console needs no API restart; while nothing
 * is built, a page says how to build it.
 */
export function consoleStatic(dir: string): RequestHandler {
  const gzip = compression();
  const root = normalize(dir);
  const index = join(root, 'index.html');

  const send = (res: Response, next: NextFunction, file: string, cacheControl: string) =>
    res.sendFile(file, { headers: { 'Cache-Control': cacheControl }, dotfiles: 'deny' }, (error) => {
      if (error && !res.headersSent) next(error);
    });

  const serve = (req: Request, res: Response, next: NextFunction) => {
    let path: string;
    try {
      path = decodeURIComponent(req.path);
    } catch {
      return next();
    }
    const file = normalize(join(root, path));
    if (path !== '/' && file.startsWith(root + sep) && isFile(file)) {
      const cacheControl = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      // The build's gzip -9 copy (vite.config.mts) when the browser takes gzip: no compression per request.
      const packed = `${file}.gz`;
      if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && isFile(packed)) {
        res.setHeader('Content-Encoding', 'gzip');
        res.setHeader('Vary', 'Accept-Encoding');
        res.type(extname(file));
        return send(res, next, packed, cacheControl);
      }
      return send(res, next, file, cacheControl);
    }
    // Only a browser's page load (it asks for text/html by name) gets the app; curl, scripts and
    // fetches of an unknown path keep the API's JSON 404.
    if (ASSET.test(path) || !/\btext\/html\b/.test(req.headers.accept ?? '')) return next();
    if (!isFile(index)) {
      res.status(503).type('html').set('Cache-Control', 'no-store').send(NOT_BUILT);
      return;
    }
    send(res, next, index, 'no-cache');
  };

  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isServerPath(req.path)) return next();
    gzip(req, res, () => serve(req, res, next));
  };
}
